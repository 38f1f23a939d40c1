"""Serializers of the register API: every field of 四(一)-四(三) with human labels beside codes and
ids, money as decimal strings with 2 places, nested funding lines and registrations.

Related records are validated against the requesting user's scope (ScopedPrimaryKeyField); the
writes themselves run through the action functions, which validate the whole record again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.actions import (
    do_create_asset,
    do_create_household,
    do_create_project,
    do_update_asset,
    do_update_household,
    do_update_project,
)
from assets.api.base import ActionModelSerializer, ScopedPrimaryKeyField, label, money
from assets.choices import FundingSource, RegionLevel, RegistrationSystem
from assets.locks import check_manual_change
from assets.models import (
    Asset,
    AssetCategory,
    AssetRegistration,
    Household,
    Organisation,
    Project,
    Region,
)
from assets.personal import personal_data_for, unmask_unchanged
from assets.scoping import VIEW, regions_for
from assets.validators import FIRST_YEAR

YEAR_ERRORS = {"min_value": _("The year must be 2013 or later.")}


# --- scopes of related records (user, "add" | "change") -> allowed rows ---------------------------


def asset_locations(user: Any, action: str) -> QuerySet:
    return regions_for(user, "asset", action)


def household_villages(user: Any, action: str) -> QuerySet:
    return regions_for(user, "household", action).filter(level=RegionLevel.VILLAGE)


def project_regions(user: Any, action: str) -> QuerySet:
    return regions_for(user, "project", action)


def visible_projects(user: Any, action: str) -> QuerySet:
    return Project.objects.restrict(user, VIEW)


def visible_households(user: Any, action: str) -> QuerySet:
    return Household.objects.restrict(user, VIEW)


def visible_organisations(user: Any, action: str) -> QuerySet:
    return Organisation.objects.restrict(user, VIEW).filter(is_active=True)


def usable_categories(user: Any, action: str) -> QuerySet:
    return AssetCategory.objects.restrict(user, VIEW).filter(is_active=True)


# --- nested lines -------------------------------------------------------------------------------


class FundingLineSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=FundingSource.choices, label=_("funding source"))
    source_display = label("get_source_display")
    amount = money(label=_("amount (yuan)"))


class RegistrationSerializer(serializers.Serializer):
    system = serializers.ChoiceField(choices=RegistrationSystem.choices, label=_("system"))
    system_display = label("get_system_display")
    number = serializers.CharField(max_length=AssetRegistration._meta.get_field("number").max_length,
                                   label=_("registration number"))
    registered_on = serializers.DateField(label=_("registered on"))

    def validate_registered_on(self, value):
        if value.year < FIRST_YEAR:
            raise serializers.ValidationError(_("The year must be 2013 or later."))
        return value


def funding_lines_field(**kwargs: Any) -> FundingLineSerializer:
    return FundingLineSerializer(many=True, allow_empty=False, **kwargs)


def validate_unique_sources(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sources = [line["source"] for line in lines]
    if len(sources) != len(set(sources)):
        raise serializers.ValidationError(_("Each funding source may appear once."))
    return lines


def as_action_lines(lines: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if lines is None:
        return None
    return [{"source": line["source"], "amount": line["amount"]} for line in lines]


# --- reference data (read-only) -------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    level_display = label("get_level_display")
    township_kind_display = label("get_township_kind_display")
    parent_name = label("parent.name", allow_null=True)
    township_name = label("township.name", allow_null=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "id", "code", "name", "full_name", "level", "level_display", "township_kind", "township_kind_display",
            "parent", "parent_name", "township", "township_name", "path", "is_weak_village",
        ]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = label("get_kind_display")
    region_name = label("region.name")

    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "region", "region_name", "is_active"]
        read_only_fields = fields


class AssetCategorySerializer(serializers.ModelSerializer):
    asset_class_display = label("get_asset_class_display")
    default_form_display = label("get_default_form_display")
    department_name = label("department.name", allow_null=True)
    default_depreciation_method_display = label("get_default_depreciation_method_display")

    class Meta:
        model = AssetCategory
        fields = [
            "id", "code", "name", "asset_class", "asset_class_display", "default_form", "default_form_display",
            "department", "department_name", "default_depreciation_method", "default_depreciation_method_display",
            "default_useful_life_years", "sort_order", "is_active",
        ]
        read_only_fields = fields


# --- households -------------------------------------------------------------------------------------


class HouseholdSerializer(ActionModelSerializer):
    """``id_number`` is written in full and read masked, except by the household's own village
    clerk and the county roles; ``phone`` and ``address`` are read masked except by the
    household's own village clerk (personal information). Full values: the logged
    ``POST /api/households/{id}/reveal/``. A masked value sent back unchanged keeps the stored one.
    An ID number already registered in another village is saved and goes to the township as a
    case (assets/duplicates.py): the answer never says whether it exists outside your scope."""

    village = ScopedPrimaryKeyField(Region, household_villages, label=_("village"))
    village_name = label("village.name")
    township_name = label("township.name")
    members_count = serializers.IntegerField(
        min_value=1, max_value=32767, label=_("members"),
        error_messages={"min_value": _("A household has at least one member.")},
    )

    class Meta:
        model = Household
        fields = [
            "id", "head_name", "id_number", "village", "village_name", "township", "township_name",
            "is_poverty_alleviated", "is_monitored", "members_count", "phone", "address",
            "created_at", "updated_at", "change_reason",
        ]
        read_only_fields = ["township", "created_at", "updated_at"]
        # no model-derived uniqueness validators: the action says what a user may learn about
        # an ID number (only duplicates in the same village are refused)
        validators: list[Any] = []

    def to_representation(self, instance: Household) -> dict[str, Any]:
        data = super().to_representation(instance)
        data.update(personal_data_for(self.context["request"].user, instance))
        return data

    def create(self, validated_data: dict[str, Any]) -> Household:
        reason = self.pop_reason(validated_data)
        return self.run_action(do_create_household, validated_data, acting_user=self.acting_user, reason=reason)

    def update(self, instance: Household, validated_data: dict[str, Any]) -> Household:
        reason = self.pop_reason(validated_data)
        validated_data = unmask_unchanged(instance, validated_data, self.acting_user)
        return self.run_action(do_update_household, instance, validated_data, acting_user=self.acting_user,
                               reason=reason)


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label=_("reason"),
                                   help_text=_("Why you need the full personal data; it is logged."))


class RevealedPersonalDataSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    id_number = serializers.CharField(read_only=True, label=_("ID number"))
    phone = serializers.CharField(read_only=True, label=_("phone"))
    address = serializers.CharField(read_only=True, label=_("address"))


# --- projects ---------------------------------------------------------------------------------------


class ProjectSerializer(ActionModelSerializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=32767, label=_("year"), error_messages=YEAR_ERRORS)
    implementing_organisation = ScopedPrimaryKeyField(Organisation, visible_organisations, label=_("implementing unit"))
    implementing_organisation_name = label("implementing_organisation.name")
    region = ScopedPrimaryKeyField(Region, project_regions, label=_("implementing level"))
    region_name = label("region.name")
    township_name = label("township.name", allow_null=True)
    covered_region_ids = ScopedPrimaryKeyField(
        Region, project_regions, many=True, required=False, source="covered_regions", label=_("regions covered"),
        help_text=_("When a new project names none, it covers its own implementing region."),
    )
    total_investment = money(label=_("total investment (yuan)"))
    final_accounts_amount = money(required=False, allow_null=True, label=_("final accounts amount (yuan)"))
    funding_lines = funding_lines_field(label=_("funding lines"))

    class Meta:
        model = Project
        fields = [
            "id", "code", "name", "year", "implementing_organisation", "implementing_organisation_name",
            "region", "region_name", "township", "township_name", "covered_region_ids",
            "poor_households_covered", "monitored_households_covered", "total_investment", "funding_lines",
            "completion_date", "acceptance_date", "needs_final_accounts", "final_accounts_done",
            "final_accounts_amount", "description", "created_at", "updated_at", "change_reason",
        ]
        read_only_fields = ["township", "created_at", "updated_at"]

    def validate_funding_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return validate_unique_sources(lines)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.current(attrs, "final_accounts_done") and self.current(attrs, "final_accounts_amount") is None:
            raise serializers.ValidationError({
                "final_accounts_amount": _("Give the final accounts amount when the final accounts are done."),
            })
        return attrs

    def _split(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        covered = validated_data.pop("covered_regions", None)
        return {
            "reason": self.pop_reason(validated_data),
            "funding_lines": as_action_lines(validated_data.pop("funding_lines", None)),
            "covered_region_ids": None if covered is None else [region.pk for region in covered],
        }

    def create(self, validated_data: dict[str, Any]) -> Project:
        extra = self._split(validated_data)
        if extra["covered_region_ids"] is None:
            extra["covered_region_ids"] = [validated_data["region"].pk]
        return self.run_action(do_create_project, validated_data, acting_user=self.acting_user, **extra)

    def update(self, instance: Project, validated_data: dict[str, Any]) -> Project:
        extra = self._split(validated_data)
        return self.run_action(do_update_project, instance, validated_data, acting_user=self.acting_user, **extra)


# --- assets -----------------------------------------------------------------------------------------


class AssetSerializer(ActionModelSerializer):
    asset_class_display = label("get_asset_class_display")
    category = ScopedPrimaryKeyField(AssetCategory, usable_categories, label=_("category"))
    category_name = label("category.name")
    form_display = label("get_form_display")
    region = ScopedPrimaryKeyField(Region, asset_locations, label=_("location"))
    region_name = label("region.name")
    region_level = label("region.level")
    township_name = label("township.name", allow_null=True)
    village_name = serializers.SerializerMethodField()
    project = ScopedPrimaryKeyField(Project, visible_projects, label=_("source project"))
    project_code = label("project.code")
    project_name = label("project.name")
    year_formed = serializers.IntegerField(min_value=FIRST_YEAR, max_value=32767, label=_("year formed"),
                                           error_messages=YEAR_ERRORS)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, label=_("quantity"))
    valuation_basis_display = label("get_valuation_basis_display")
    original_value = money(label=_("original value (yuan)"))
    depreciation_method_display = label("get_depreciation_method_display")
    accumulated_depreciation = money(read_only=True, label=_("accumulated depreciation (yuan)"))
    appraised_value = money(required=False, allow_null=True, label=_("appraised net value (yuan)"))
    net_value = money(read_only=True, label=_("net value (yuan)"))
    ownership_type_display = label("get_ownership_type_display")
    owner_organisation = ScopedPrimaryKeyField(
        Organisation, visible_organisations, required=False, allow_null=True, label=_("owner (organisation)"),
    )
    owner_organisation_name = label("owner_organisation.name", allow_null=True)
    owner_household = ScopedPrimaryKeyField(
        Household, visible_households, required=False, allow_null=True, label=_("owner (household)"),
    )
    owner_household_name = label("owner_household.head_name", allow_null=True)
    beneficiary_ids = ScopedPrimaryKeyField(
        Household, visible_households, many=True, required=False, source="beneficiaries",
        label=_("beneficiary households"),
    )
    supervising_department_name = label("supervising_department.name", allow_null=True)
    status_display = label("get_status_display")
    operating_mode_display = label("get_operating_mode_display")
    maintenance_funding = money(required=False, allow_null=True, label=_("maintenance funding (yuan/year)"))
    funding_lines = funding_lines_field(label=_("funding lines"))
    registrations = RegistrationSerializer(many=True, required=False, label=_("registrations"))

    class Meta:
        model = Asset
        fields = [
            "id", "code", "name", "asset_class", "asset_class_display", "category", "category_name", "subcategory",
            "form", "form_display", "region", "region_name", "region_level", "township", "township_name",
            "village_name", "project", "project_code", "project_name", "year_formed", "quantity", "unit",
            "valuation_basis", "valuation_basis_display", "valuation_document", "original_value",
            "depreciation_method", "depreciation_method_display", "useful_life_years", "accumulated_depreciation",
            "appraised_value", "net_value", "funding_lines", "ownership_type", "ownership_type_display",
            "owner_organisation", "owner_organisation_name", "owner_household", "owner_household_name",
            "beneficiary_ids", "supervising_department", "supervising_department_name", "status", "status_display",
            "operating_mode", "operating_mode_display", "operating_entity", "contract_start", "contract_end",
            "caretaker", "maintenance_funding", "registrations", "remarks", "created_at", "updated_at",
            "change_reason",
        ]
        read_only_fields = ["township", "supervising_department", "created_at", "updated_at"]
        extra_kwargs = {"code": {"required": False}}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_village_name(self, asset: Asset) -> str | None:
        return asset.region.name if asset.region.level == RegionLevel.VILLAGE else None

    def validate_quantity(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The quantity must be greater than 0."))
        return value

    def validate_funding_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return validate_unique_sources(lines)

    def validate_registrations(self, registrations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        systems = [registration["system"] for registration in registrations]
        if len(systems) != len(set(systems)):
            raise serializers.ValidationError(_("The asset is already registered in this system."))
        return registrations

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        start, end = self.current(attrs, "contract_start"), self.current(attrs, "contract_end")
        if start and end and end < start:
            errors["contract_end"] = _("The contract cannot end before it starts.")
        if self.current(attrs, "owner_organisation") and self.current(attrs, "owner_household"):
            errors["owner_household"] = _("An asset is owned by an organisation or a household, not both.")
        try:  # 四(四), 四(八): what a chain decides is not changed by hand (the same rule as the form)
            check_manual_change(self.instance, attrs)
        except DjangoValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, messages)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _split(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        beneficiaries = validated_data.pop("beneficiaries", None)
        registrations = validated_data.pop("registrations", None)
        return {
            "reason": self.pop_reason(validated_data),
            "funding_lines": as_action_lines(validated_data.pop("funding_lines", None)),
            "beneficiary_ids": None if beneficiaries is None else [household.pk for household in beneficiaries],
            "registrations": None if registrations is None else [
                {key: registration[key] for key in ("system", "number", "registered_on")}
                for registration in registrations
            ],
        }

    def create(self, validated_data: dict[str, Any]) -> Asset:
        extra = {key: value for key, value in self._split(validated_data).items() if value is not None}
        return self.run_action(do_create_asset, validated_data, acting_user=self.acting_user, **extra)

    def update(self, instance: Asset, validated_data: dict[str, Any]) -> Asset:
        extra = self._split(validated_data)
        return self.run_action(do_update_asset, instance, validated_data, acting_user=self.acting_user, **extra)
