"""Formsets for the lines of an asset or project: funding lines and external registrations.

Plain formsets rather than model formsets: the action functions own the saving (they replace the
lines by source / system and write history); the formsets only validate rows and hand over
dictionaries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from assets.choices import FundingSource, RegistrationSystem
from assets.forms.widgets import DateInput
from assets.validators import FIRST_YEAR

NOT_NEGATIVE = MinValueValidator(Decimal("0"), message=_("Amounts cannot be negative."))
BLANK = [("", "---------")]


class FundingLineForm(forms.Form):
    source = forms.ChoiceField(label=_("funding source"), choices=BLANK + FundingSource.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=14, decimal_places=2,
                                validators=[NOT_NEGATIVE])


class RegistrationForm(forms.Form):
    system = forms.ChoiceField(label=_("system"), choices=BLANK + RegistrationSystem.choices)
    number = forms.CharField(label=_("registration number"), max_length=60)
    registered_on = forms.DateField(label=_("registered on"), widget=DateInput())

    def clean_registered_on(self):
        value = self.cleaned_data["registered_on"]
        if value.year < FIRST_YEAR:
            raise ValidationError(_("The year must be 2013 or later."))
        return value


class LineFormSet(forms.BaseFormSet):
    """Rows keyed by one choice field (source or system), each key at most once."""

    key_field = "source"
    duplicate_message = _("Each funding source may appear once.")

    def clean(self) -> None:
        if any(self.errors):
            return
        keys = [row[self.key_field] for row in self.lines()]
        if len(keys) != len(set(keys)):
            raise ValidationError(self.duplicate_message)

    def lines(self) -> list[dict[str, Any]]:
        """The rows kept (filled in and not marked for deletion), as dictionaries."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append({k: v for k, v in data.items() if k != "DELETE"})
        return rows


class FundingLineFormSet(LineFormSet):
    key_field = "source"
    duplicate_message = _("Each funding source may appear once.")


class RegistrationFormSet(LineFormSet):
    key_field = "system"
    duplicate_message = _("The asset is already registered in this system.")


FundingLines = forms.formset_factory(FundingLineForm, formset=FundingLineFormSet, extra=1, can_delete=True)
Registrations = forms.formset_factory(RegistrationForm, formset=RegistrationFormSet, extra=1, can_delete=True)


def funding_initial(lines: Any) -> list[dict[str, Any]]:
    return [{"source": line.source, "amount": line.amount} for line in lines]


def registration_initial(registrations: Any) -> list[dict[str, Any]]:
    return [{"system": r.system, "number": r.number, "registered_on": r.registered_on} for r in registrations]
