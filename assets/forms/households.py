"""The household form: a village of the user's scope, the ID number checked (GB 11643)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.forms.assets import GroupedFieldsMixin, preselect_single_choice, reason_field
from assets.forms.widgets import region_label
from assets.models import Household, User
from assets.scoping import regions_for


class HouseholdForm(GroupedFieldsMixin, forms.ModelForm):
    fieldsets = [
        (_("Household"), ["head_name", "id_number", "village", "members_count", "is_poverty_alleviated",
                          "is_monitored"]),
        (_("Contact"), ["phone", "address"]),
    ]

    class Meta:
        model = Household
        fields = ["head_name", "id_number", "village", "members_count", "is_poverty_alleviated", "is_monitored",
                  "phone", "address"]

    def __init__(self, *args: Any, user: User, action: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_create = self.instance.pk is None
        villages = regions_for(user, "household", action).filter(level=RegionLevel.VILLAGE)
        self.fields["village"].queryset = villages.select_related("township").order_by("path")
        self.fields["village"].label_from_instance = region_label
        preselect_single_choice(self, "village")
        self.fields["id_number"].widget.attrs.update(autocomplete="off", maxlength=18)
        self.fields["reason"] = reason_field(required=not self.is_create)

    def clean_id_number(self) -> str:
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def household_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
