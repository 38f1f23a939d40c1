"""List filters of the transfer pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from transfers.choices import ChangeKind
from transfers.models import ChangeRegistration, Transfer
from workflow.filtersets import WorkflowItemFilterSet


class TransferFilterSet(WorkflowItemFilterSet):
    search_fields = ("number", "project__name", "project__code")
    search_label = gettext_lazy("Number or project")

    class Meta:
        model = Transfer
        fields = ["q", "status", "current_step"]


class ChangeRegistrationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, label=gettext_lazy("Kind of change"))
    asset = django_filters.CharFilter(field_name="asset__code", lookup_expr="icontains",
                                      label=gettext_lazy("Asset code"))

    class Meta:
        model = ChangeRegistration
        fields = ["kind", "asset"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
