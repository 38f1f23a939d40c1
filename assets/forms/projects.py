"""The project form (county roles): funding lines come from a formset, regions from the scope."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.forms.assets import GroupedFieldsMixin, reason_field
from assets.forms.lines import NOT_NEGATIVE
from assets.forms.widgets import DateInput, region_label
from assets.models import Organisation, Project, Region, User
from assets.scoping import VIEW, regions_for
from assets.validators import FIRST_YEAR


class ProjectForm(GroupedFieldsMixin, forms.ModelForm):
    fieldsets = [
        (_("Project"), ["code", "name", "year", "implementing_organisation", "region", "covered_regions"]),
        (_("Households covered"), ["poor_households_covered", "monitored_households_covered"]),
        (_("Investment and acceptance"), ["total_investment", "completion_date", "acceptance_date",
                                          "needs_final_accounts", "final_accounts_done", "final_accounts_amount"]),
        (_("Description"), ["description"]),
    ]

    class Meta:
        model = Project
        fields = [
            "code", "name", "year", "implementing_organisation", "region", "covered_regions",
            "poor_households_covered", "monitored_households_covered", "total_investment", "completion_date",
            "acceptance_date", "needs_final_accounts", "final_accounts_done", "final_accounts_amount",
            "description",
        ]
        widgets = {
            "completion_date": DateInput,
            "acceptance_date": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "covered_regions": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, user: User, action: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_create = self.instance.pk is None
        f = self.fields
        f["implementing_organisation"].queryset = Organisation.objects.restrict(user, VIEW).filter(
            Q(is_active=True) | Q(pk=self.instance.implementing_organisation_id)
        )
        f["region"].queryset = regions_for(user, "project", action).select_related("township").order_by("path")
        f["region"].label_from_instance = region_label
        f["covered_regions"].queryset = (
            Region.objects.restrict(user, VIEW).exclude(level=RegionLevel.COUNTY).select_related("township")
            .order_by("path")
        )
        f["covered_regions"].label_from_instance = region_label
        f["covered_regions"].help_text = _("Hold Ctrl (or ⌘) to choose several.")
        for name in ("total_investment", "final_accounts_amount"):
            f[name].validators.append(NOT_NEGATIVE)
        f["year"].widget.attrs.update(min=FIRST_YEAR, max=datetime.date.today().year)
        f["reason"] = reason_field(required=not self.is_create)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year < FIRST_YEAR:
            raise ValidationError(_("The year must be 2013 or later."))
        if year > datetime.date.today().year:
            raise ValidationError(_("The year cannot be in the future."))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("final_accounts_done") and data.get("final_accounts_amount") is None:
            self.add_error("final_accounts_amount",
                           _("Give the final accounts amount when the final accounts are done."))
        return data

    def project_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields
            if name in self.cleaned_data and name != "covered_regions"
        }

    def covered_region_ids(self) -> list[int]:
        return [r.pk for r in self.cleaned_data.get("covered_regions", [])]
