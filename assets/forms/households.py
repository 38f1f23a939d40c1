"""The household form: a village of the user's scope, the ID number checked (GB 11643)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.forms.assets import GroupedFieldsMixin, preselect_single_choice, reason_field
from assets.forms.widgets import region_label
from assets.models import Household, User
from assets.personal import personal_data_for, unmask_unchanged
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
        if not self.is_create:
            # personal data as this user may see it; sent back unchanged it keeps the stored value
            shown = personal_data_for(user, self.instance)
            for name, value in shown.items():
                if value != getattr(self.instance, name):
                    self.initial[name] = value
                    self.fields[name].help_text = _("Shown masked; leave it as it is to keep the stored value.")

    def clean_id_number(self) -> str:
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def household_data(self, unmask: bool = False) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        return unmask_unchanged(self.instance_before, data, self.user) if unmask else data

    def _post_clean(self) -> None:
        # keep the stored values: ModelForm copies the input onto the instance before the action runs
        self.instance_before = Household(**{
            name: getattr(self.instance, name) for name in ("id", "id_number", "phone", "address", "village_id")})
        super()._post_clean()
