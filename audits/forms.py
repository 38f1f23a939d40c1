"""Filters of the auditors' history browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.forms.widgets import DateInput, region_label
from assets.models import Region, User
from assets.scoping import VIEW
from audits.browser import SOURCES


def user_label(user: User) -> str:
    return f"{user.full_name}（{user.username}）" if user.full_name else user.username


class HistoryFilterForm(forms.Form):
    user = forms.ModelChoiceField(label=_("user"), queryset=User.objects.none(), required=False)
    model = forms.ChoiceField(label=_("record type"), required=False)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none(), required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.order_by("username")
        self.fields["user"].label_from_instance = user_label
        self.fields["model"].choices = [("", _("all records")), *[(s.key, s.label) for s in SOURCES]]
        self.fields["region"].queryset = (
            Region.objects.restrict(user, VIEW).exclude(level=RegionLevel.COUNTY).select_related("township")
            .order_by("path")
        )
        self.fields["region"].label_from_instance = region_label

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", ValidationError(_("The end date is before the start date.")))
        return data
