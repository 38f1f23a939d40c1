"""The log of full views of households' personal data (who, whose, when, why), for auditors."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import PersonalDataAccess
from assets.personal import NoStoreMixin
from assets.views.base import ObjectListView


class PersonalDataAccessFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="user__username", label=_("user"))
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = PersonalDataAccess
        fields = ["user", "date_from", "date_to"]


class PersonalDataAccessListView(NoStoreMixin, ObjectListView):
    model = PersonalDataAccess
    filterset_class = PersonalDataAccessFilterSet
    template_name = "audits/personal_data_access_list.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("user", "household", "village", "township")
