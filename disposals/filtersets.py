"""List filters of the disposal pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy

from disposals.choices import DisposalReason
from disposals.models import Disposal
from workflow.filtersets import WorkflowItemFilterSet


class DisposalFilterSet(WorkflowItemFilterSet):
    reason = django_filters.ChoiceFilter(choices=DisposalReason.choices, label=gettext_lazy("Reason"))
    earning_flag = django_filters.BooleanFilter(label=gettext_lazy("Earning asset"))

    search_fields = ("number", "asset__code", "asset__name")
    search_label = gettext_lazy("Number or asset")

    class Meta:
        model = Disposal
        fields = ["q", "status", "current_step", "reason", "earning_flag"]
