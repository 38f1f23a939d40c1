"""The filters every workflow item list shares: a free-text search, status and current step."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from workflow.engine import ItemStatus


class WorkflowItemFilterSet(django_filters.FilterSet):
    """Base of a chain's list filters. A subclass sets ``Meta.model`` (a registered item model),
    ``search_fields`` (icontains lookups OR-ed by ``q``) and ``search_label``; the step choices are
    the chain's own steps."""

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Number"))
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices, label=gettext_lazy("Status"))
    current_step = django_filters.ChoiceFilter(choices=(), label=gettext_lazy("Step"))

    search_fields: ClassVar[tuple[str, ...]] = ("number",)
    search_label: ClassVar[Any] = None

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self._meta.model
        self.filters["current_step"].extra["choices"] = [(step.code, step.label) for step in model.workflow.steps]
        if self.search_label is not None:
            self.filters["q"].label = self.search_label

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
