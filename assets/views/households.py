"""Household pages. ID numbers, phones and addresses are personal: every page shows them as
``assets.personal`` allows the user (masked outside the household's village), full values only
through the logged "show full information" action, and no response is kept by a cache."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.actions import do_create_household, do_update_household
from assets.choices import DuplicateCaseStatus
from assets.filtersets import HouseholdFilterSet
from assets.forms import HouseholdForm
from assets.history_diffs import household_history
from assets.models import Asset, Household, HouseholdDuplicateCase
from assets.personal import (
    NoStoreMixin,
    client_ip_of,
    do_reveal_personal_data,
    is_fully_visible,
    personal_data_for,
)
from assets.scoping import ADD, CHANGE, VIEW, has_permission
from assets.views.assets import LIST_RELATIONS, narrow_region_filter, yes_no_any
from assets.views.base import ObjectFormView, ObjectListView, ObjectView

RELATED_ASSETS_SHOWN = 100


class HouseholdListView(NoStoreMixin, ObjectListView):
    model = Household
    filterset_class = HouseholdFilterSet
    template_name = "households/household_list.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("village", "township")

    def adapt_filterset(self, filterset: Any) -> None:
        narrow_region_filter(filterset, self.request.user)
        yes_no_any(filterset, "is_poverty_alleviated", "is_monitored")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["rows"] = [(h, h.id_number_for(user)) for h in context["object_list"]]
        context["may_view_duplicates"] = has_permission(user, "household_duplicate", VIEW)
        if context["may_view_duplicates"]:
            context["open_duplicates"] = HouseholdDuplicateCase.objects.restrict(user, VIEW).filter(
                status=DuplicateCaseStatus.OPEN).count()
        context["may_view_access_log"] = has_permission(user, "personal_data_access", VIEW)
        return context


class HouseholdView(NoStoreMixin, ObjectView):
    model = Household
    template_name = "households/household_detail.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("village", "township")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        household = context["object"]
        user = self.request.user
        shown = kwargs.get("revealed") or personal_data_for(user, household)
        context.update(id_number=shown["id_number"], phone=shown["phone"], address=shown["address"],
                       revealed=bool(kwargs.get("revealed")),
                       may_reveal=not kwargs.get("revealed") and not is_fully_visible(user, household))
        if household.duplicate_case_open and has_permission(user, "household_duplicate", VIEW):
            context["duplicate_cases"] = list(
                HouseholdDuplicateCase.objects.restrict(user, VIEW).filter(status=DuplicateCaseStatus.OPEN).filter(
                    Q(household=household) | Q(other_household=household)))
        if has_permission(user, "asset", VIEW):
            assets = Asset.objects.restrict(user, VIEW).select_related(*LIST_RELATIONS)
            context["owned_assets"] = list(assets.filter(owner_household=household)[:RELATED_ASSETS_SHOWN])
            context["benefiting_assets"] = list(
                assets.filter(beneficiary_links__household=household)[:RELATED_ASSETS_SHOWN]
            )
        context["may_add_asset"] = has_permission(user, "asset", ADD)
        context["history"] = household_history(household, user)
        return context


class HouseholdRevealView(HouseholdView):
    """POST with a reason: the page again, with the full ID number, phone and address; the view
    is logged (assets.personal.do_reveal_personal_data) and auditors read the log."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        household = self.get_object()
        try:
            revealed = do_reveal_personal_data(household, request.POST.get("reason", ""), acting_user=request.user,
                                               channel="web", client_ip=client_ip_of(request))
        except PermissionDenied as exc:  # pragma: no cover - get_object already answered 404
            raise Http404 from exc
        except ValidationError as exc:
            context = self.get_context_data(reveal_errors=exc.messages, reveal_reason=request.POST.get("reason", ""))
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(revealed=revealed))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(reveal_errors=kwargs.get("reveal_errors"), reveal_reason=kwargs.get("reveal_reason", ""))
        return context


class HouseholdFormView(NoStoreMixin, ObjectFormView):
    model = Household
    template_name = "households/household_form.html"
    success_message = _("The household was saved.")

    def get_form(self, obj: Household | None, data: Any = None) -> HouseholdForm:
        return HouseholdForm(data, instance=obj or Household(), user=self.request.user, action=self.action)

    def success_url(self, saved: Household) -> str:
        return reverse("assets:household_detail", args=[saved.pk])


class HouseholdCreateView(HouseholdFormView):
    action = ADD

    def save(self, obj: None, form: HouseholdForm, formsets: dict) -> Household:
        return do_create_household(form.household_data(), acting_user=self.request.user,
                                   reason=form.cleaned_data.get("reason", ""))


class HouseholdEditView(HouseholdFormView):
    action = CHANGE

    def save(self, obj: Household, form: HouseholdForm, formsets: dict) -> Household:
        # a masked value sent back unchanged keeps the stored one (assets.personal)
        return do_update_household(obj, form.household_data(unmask=True), acting_user=self.request.user,
                                   reason=form.cleaned_data["reason"])
