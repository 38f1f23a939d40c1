"""The asset form: every field a clerk enters, with choice lists limited to the user's scope.

Long lists stay short: households are offered for the asset's village only (the "show
households" button re-draws them after the location changes), projects are typed by code with
suggestions. Validation still accepts any row of the user's restricted querysets.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.forms.lines import NOT_NEGATIVE
from assets.forms.widgets import CategorySelect, DatalistInput, DateInput, region_label
from assets.locks import check_manual_change, locked_fields, manual_statuses
from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region, User
from assets.scoping import VIEW, regions_for
from assets.validators import FIRST_YEAR

# How many households / projects a choice list shows at most (the rest are typed or filtered).
HOUSEHOLD_CHOICES_LIMIT = 500
PROJECT_SUGGESTIONS_LIMIT = 300

REASON_HELP = _("Why the record is entered or changed; kept in the change history.")


def reason_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Reason for change"), max_length=100, required=required, help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def household_label(household: Household, user: User) -> str:
    return f"{household.head_name}（{household.id_number_for(user)}）"


def preselect_single_choice(form: forms.ModelForm, name: str) -> None:
    """On a new record, a list with one possible row (a village clerk's own village) starts chosen."""
    if form.instance.pk is None and not form.is_bound and name not in form.initial:
        only = list(form.fields[name].queryset[:2])
        if len(only) == 1:
            form.initial[name] = only[0].pk


class GroupedFieldsMixin:
    """``fieldsets`` = [(title, [field names])]; the template draws each group as a section."""

    fieldsets: list[tuple[Any, list[str]]] = []

    def grouped(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.fieldsets]


class AssetForm(GroupedFieldsMixin, forms.ModelForm):
    beneficiaries = forms.ModelMultipleChoiceField(
        label=_("beneficiary households"), queryset=Household.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    fieldsets = [
        (_("Identity"), ["code", "name", "asset_class", "category", "subcategory", "form", "status"]),
        (_("Location and source"), ["region", "project", "year_formed", "quantity", "unit"]),
        (_("Valuation"), ["valuation_basis", "valuation_document", "original_value", "depreciation_method",
                          "useful_life_years", "appraised_value"]),
        (_("Ownership and beneficiaries"), ["ownership_type", "owner_organisation", "owner_household",
                                            "beneficiaries"]),
        (_("Operation and upkeep"), ["operating_mode", "operating_entity", "contract_start", "contract_end",
                                     "caretaker", "maintenance_funding"]),
        (_("Remarks"), ["remarks"]),
    ]

    class Meta:
        model = Asset
        fields = [
            "code", "name", "asset_class", "category", "subcategory", "form", "status",
            "region", "project", "year_formed", "quantity", "unit",
            "valuation_basis", "valuation_document", "original_value", "depreciation_method",
            "useful_life_years", "appraised_value",
            "ownership_type", "owner_organisation", "owner_household",
            "operating_mode", "operating_entity", "contract_start", "contract_end", "caretaker",
            "maintenance_funding", "remarks",
        ]
        widgets = {
            "category": CategorySelect,
            "contract_start": DateInput,
            "contract_end": DateInput,
            "remarks": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, action: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.action = action
        self.is_create = self.instance.pk is None
        f = self.fields
        if self.is_create:
            f["code"].required = False
            f["code"].help_text = _("Leave empty to number the asset automatically.")
        f["region"].queryset = regions_for(user, "asset", action).select_related("township").order_by("path")
        f["region"].label_from_instance = region_label
        preselect_single_choice(self, "region")
        categories = AssetCategory.objects.restrict(user, VIEW).filter(
            Q(is_active=True) | Q(pk=self.instance.category_id)
        )
        f["category"].queryset = categories
        self._setup_project()
        f["owner_organisation"].queryset = Organisation.objects.restrict(user, VIEW).filter(
            Q(is_active=True) | Q(pk=self.instance.owner_organisation_id)
        )
        self._setup_households()
        for name in ("original_value", "appraised_value", "maintenance_funding"):
            f[name].validators.append(NOT_NEGATIVE)
        f["year_formed"].widget.attrs.update(min=FIRST_YEAR, max=datetime.date.today().year)
        if self.is_create:
            f["useful_life_years"].help_text = _("Empty: the category's default.")
        self.fields["reason"] = reason_field(required=not self.is_create)
        self._setup_locks()

    # --- what the approval chains decide (四(四), 四(八)) -----------------------------------------

    def _setup_locks(self) -> None:
        """Statuses only a chain sets are not offered; while a transfer or disposal is open, the
        fields its chain decides are shown disabled with the reason (the posted value is
        ignored, and the action function refuses a change anyway)."""
        status = self.fields["status"]
        current = None if self.is_create else self.instance.status
        allowed = set(manual_statuses(current))
        status.choices = [(value, label) for value, label in status.choices if value in allowed]
        status.error_messages["invalid_choice"] = _(
            "This status is set only by an approval chain; it cannot be chosen by hand.")
        self.lock_reasons = locked_fields(None if self.is_create else self.instance)
        for name, reason in self.lock_reasons.items():
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = reason
        self.lock_messages = list(dict.fromkeys(self.lock_reasons.values()))

    # --- choice lists -------------------------------------------------------------------------

    def _setup_project(self) -> None:
        projects = Project.objects.restrict(self.user, VIEW)
        suggestions = [
            (code, f"{code} {name}（{year}）")
            for code, name, year in projects.order_by("-year", "code").values_list("code", "name", "year")[
                :PROJECT_SUGGESTIONS_LIMIT
            ]
        ]
        field = forms.ModelChoiceField(
            label=Asset._meta.get_field("project").verbose_name, queryset=projects, to_field_name="code",
            widget=DatalistInput(options=suggestions, attrs={"autocomplete": "off"}),
            help_text=_("Type the project code; suggestions list the projects of your area."),
            error_messages={"invalid_choice": _("No project with this code in your area.")},
        )
        self.fields["project"] = field
        if self.instance.project_id and not self.is_bound:
            self.initial["project"] = self.instance.project.code

    def display_village(self) -> Region | None:
        """The village whose households the lists offer: the chosen location, else the user's
        only village."""
        regions: QuerySet = self.fields["region"].queryset
        if self.is_bound:
            region_id = self.data.get(self.add_prefix("region")) or None
        else:
            region_id = self.initial.get("region") or self.instance.region_id
        region = None
        if region_id:
            try:
                region = regions.filter(pk=int(region_id)).first()
            except (TypeError, ValueError):
                region = None
        if region is not None and region.level == RegionLevel.VILLAGE:
            return region
        villages = list(regions.filter(level=RegionLevel.VILLAGE)[:2])
        return villages[0] if len(villages) == 1 else None

    def _selected_household_ids(self) -> set[int]:
        if self.is_bound:
            raw = [*self.data.getlist(self.add_prefix("beneficiaries")),
                   self.data.get(self.add_prefix("owner_household"))]
        else:
            raw = [self.instance.owner_household_id]
            if self.instance.pk:
                raw += list(self.instance.beneficiary_links.values_list("household_id", flat=True))
        ids = set()
        for value in raw:
            try:
                ids.add(int(value))
            except (TypeError, ValueError):
                continue
        return ids

    def _setup_households(self) -> None:
        visible = Household.objects.restrict(self.user, VIEW)
        self.fields["beneficiaries"].queryset = visible
        self.fields["owner_household"].queryset = visible
        if not self.is_bound and self.instance.pk:
            self.initial["beneficiaries"] = list(self.instance.beneficiary_links.values_list("household_id", flat=True))
        village = self.display_village()
        self.households_village = village
        condition = Q(pk__in=self._selected_household_ids())
        if village is not None:
            condition |= Q(village=village)
        shown = list(visible.filter(condition).order_by("head_name")[:HOUSEHOLD_CHOICES_LIMIT])
        choices = [(h.pk, household_label(h, self.user)) for h in shown]
        self.fields["beneficiaries"].widget.choices = choices
        self.fields["owner_household"].widget.choices = [("", "---------"), *choices]
        if village is None:
            self.fields["beneficiaries"].help_text = _(
                "Choose a village as the location, then press “Show households of the village”."
            )

    # --- validation ---------------------------------------------------------------------------

    def clean_year_formed(self) -> int:
        year = self.cleaned_data["year_formed"]
        if year < FIRST_YEAR:
            raise ValidationError(_("The year must be 2013 or later."))
        if year > datetime.date.today().year:
            raise ValidationError(_("The year cannot be in the future."))
        return year

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity is not None and quantity <= 0:
            raise ValidationError(_("The quantity must be greater than 0."))
        return quantity

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category = data.get("category")
        if self.is_create and category is not None and data.get("useful_life_years") is None:
            # depreciation life is data on the category (四(三)); the clerk may override it
            data["useful_life_years"] = category.default_useful_life_years
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end < start:
            self.add_error("contract_end", _("The contract cannot end before it starts."))
        try:
            check_manual_change(None if self.is_create else self.instance, data)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, messages)
        return data

    def asset_data(self) -> dict[str, Any]:
        """The fields the action function assigns to the asset."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

    def beneficiary_ids(self) -> list[int]:
        return [h.pk for h in self.cleaned_data.get("beneficiaries", [])]
