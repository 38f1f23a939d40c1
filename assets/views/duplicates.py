"""Duplicate ID number cases (an ID number registered in two villages) for the townships
concerned and the county: a list, one case with both households, and "resolve"."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from assets.choices import DuplicateCaseStatus
from assets.duplicates import do_resolve_duplicate_case
from assets.history_diffs import object_history
from assets.models import HouseholdDuplicateCase
from assets.personal import NoStoreMixin, personal_data_for
from assets.scoping import CHANGE
from assets.views.base import ObjectListView, ObjectView


class DuplicateCaseFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DuplicateCaseStatus.choices, label=_("status"))

    class Meta:
        model = HouseholdDuplicateCase
        fields = ["status"]


CASE_RELATIONS = ("household__village", "household__township", "other_household__village",
                  "other_household__township", "created_by", "resolved_by")


class DuplicateCaseListView(NoStoreMixin, ObjectListView):
    model = HouseholdDuplicateCase
    filterset_class = DuplicateCaseFilterSet
    template_name = "households/duplicate_case_list.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related(*CASE_RELATIONS)


class DuplicateCaseView(NoStoreMixin, ObjectView):
    model = HouseholdDuplicateCase
    template_name = "households/duplicate_case_detail.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related(*CASE_RELATIONS)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = context["object"]
        user = self.request.user
        context["sides"] = [
            (_("household entered"), case.household, personal_data_for(user, case.household)),
            (_("household already registered"), case.other_household, personal_data_for(user, case.other_household)),
        ]
        context["may_resolve"] = context["may_change"] and case.is_open
        context["history"] = object_history(case, user)
        context.setdefault("resolve_errors", kwargs.get("resolve_errors"))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        case = self.get_object()
        if not HouseholdDuplicateCase.objects.restrict(request.user, CHANGE).filter(pk=case.pk).exists():
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            do_resolve_duplicate_case(case, request.POST.get("resolution", ""), acting_user=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(resolve_errors=exc.messages), status=400)
        messages.success(request, _("The case was resolved."))
        return HttpResponseRedirect(case.get_absolute_url())
