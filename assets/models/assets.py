"""Assets of the three classes (四(二)) with valuation (四(三)) and registrations (四(四))."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from assets.choices import (
    AssetClass,
    AssetForm,
    AssetStatus,
    DepreciationMethod,
    OperatingMode,
    OwnershipType,
    RegistrationSystem,
    ValuationBasis,
)
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.models.projects import FundingLine
from assets.scoping import ActionScope
from assets.validators import FIRST_YEAR, MONEY


class Asset(ScopedModel):
    # identity
    code = models.CharField(_("asset code"), max_length=40, unique=True)
    name = models.CharField(_("asset name"), max_length=200)
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    category = models.ForeignKey(
        "assets.AssetCategory", models.PROTECT, related_name="assets", verbose_name=_("category"),
        db_index=False,  # asset_category_id_idx leads with it
    )
    subcategory = models.CharField(_("subcategory"), max_length=60, blank=True,
                                   help_text=_("e.g. 村道 for a rural road, 牛 for cattle"))
    form = models.CharField(_("form"), max_length=20, choices=AssetForm.choices)
    # where and from what
    region = models.ForeignKey(
        "assets.Region", models.PROTECT, related_name="assets", verbose_name=_("location"),
        db_index=False,  # asset_region_id_idx leads with it
    )
    township = models.ForeignKey(
        "assets.Region", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("township"), db_index=False,  # asset_township_id_idx leads with it
    )
    project = models.ForeignKey(
        "assets.Project", models.PROTECT, related_name="assets", verbose_name=_("source project")
    )
    year_formed = models.PositiveSmallIntegerField(_("year formed"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    unit = models.CharField(_("unit"), max_length=10, default="项")
    # valuation 四(三)
    valuation_basis = models.CharField(_("valuation basis"), max_length=30, choices=ValuationBasis.choices)
    valuation_document = models.CharField(_("valuation document"), max_length=100, blank=True)
    original_value = models.DecimalField(_("original value (yuan)"), **MONEY)
    depreciation_method = models.CharField(
        _("depreciation method"), max_length=20, choices=DepreciationMethod.choices,
        default=DepreciationMethod.STRAIGHT_LINE,
    )
    useful_life_years = models.PositiveSmallIntegerField(_("useful life (years)"), null=True, blank=True)
    accumulated_depreciation = models.DecimalField(_("accumulated depreciation (yuan)"), default=0, **MONEY)
    appraised_value = models.DecimalField(
        _("appraised net value (yuan)"), null=True, blank=True,
        help_text=_("After an appraisal (e.g. equity whose agreement ended) the net value is the appraised value."),
        **MONEY,
    )
    net_value = models.DecimalField(_("net value (yuan)"), **MONEY)
    # ownership 四(四)
    ownership_type = models.CharField(
        _("ownership type"), max_length=20, choices=OwnershipType.choices, blank=True
    )
    owner_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="owned_assets",
        verbose_name=_("owner (organisation)"),
    )
    owner_household = models.ForeignKey(
        "assets.Household", models.PROTECT, null=True, blank=True, related_name="owned_assets",
        verbose_name=_("owner (household)"),
    )
    beneficiaries = models.ManyToManyField(
        "assets.Household", through="assets.AssetBeneficiary", blank=True, related_name="benefiting_assets",
        verbose_name=_("beneficiary households"),
    )
    supervising_department = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="supervised_assets",
        editable=False, verbose_name=_("supervising department"),
        db_index=False,  # asset_department_id_idx leads with it
    )
    status = models.CharField(_("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_USE)
    # operation 四(五)
    operating_mode = models.CharField(_("operating mode"), max_length=20, choices=OperatingMode.choices, blank=True)
    operating_entity = models.CharField(_("operating entity"), max_length=200, blank=True)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    caretaker = models.CharField(_("caretaker"), max_length=100, blank=True)
    maintenance_funding = models.DecimalField(_("maintenance funding (yuan/year)"), null=True, blank=True, **MONEY)
    remarks = models.TextField(_("remarks"), blank=True)

    history = domain_history()
    scope_key = "asset"

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["township", "-id"], name="asset_township_id_idx"),
            models.Index(fields=["region", "-id"], name="asset_region_id_idx"),
            models.Index(fields=["supervising_department", "-id"], name="asset_department_id_idx"),
            models.Index(fields=["asset_class", "-id"], name="asset_class_id_idx"),
            models.Index(fields=["category", "-id"], name="asset_category_id_idx"),
            models.Index(fields=["year_formed", "-id"], name="asset_year_id_idx"),
            models.Index(fields=["status", "-id"], name="asset_status_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(year_formed__gte=FIRST_YEAR), name="asset_year_from_2013",
                                   violation_error_message=_("The year must be 2013 or later.")),
            models.CheckConstraint(condition=Q(original_value__gte=0), name="asset_original_value_not_negative",
                                   violation_error_message=_("Amounts cannot be negative.")),
            models.CheckConstraint(
                condition=Q(appraised_value__isnull=True) | Q(appraised_value__gte=0),
                name="asset_appraised_value_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(condition=Q(net_value__gte=0), name="asset_net_value_not_negative",
                                   violation_error_message=_("Amounts cannot be negative.")),
            models.CheckConstraint(
                condition=Q(accumulated_depreciation__gte=0)
                & Q(accumulated_depreciation__lte=models.F("original_value")),
                name="asset_depreciation_within_original",
                violation_error_message=_("Accumulated depreciation must be between 0 and the original value."),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="asset_quantity_positive",
                                   violation_error_message=_("The quantity must be greater than 0.")),
            models.CheckConstraint(
                condition=Q(maintenance_funding__isnull=True) | Q(maintenance_funding__gte=0),
                name="asset_maintenance_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(owner_organisation__isnull=False, owner_household__isnull=False),
                name="asset_single_owner",
                violation_error_message=_("An asset is owned by an organisation or a household, not both."),
            ),
            models.CheckConstraint(
                condition=Q(contract_start__isnull=True) | Q(contract_end__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="asset_contract_dates_ordered",
                violation_error_message=_("The contract cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.category_id and self.asset_class and self.category.asset_class != self.asset_class:
            errors["category"] = _("This category does not belong to the chosen asset class.")
        if self.ownership_type == OwnershipType.HOUSEHOLD and self.owner_organisation_id:
            errors["owner_organisation"] = _("A household asset is owned by a household.")
        if self.ownership_type in (OwnershipType.STATE, OwnershipType.COLLECTIVE) and self.owner_household_id:
            errors["owner_household"] = _("A state or collective asset is owned by an organisation.")
        if self.asset_class == AssetClass.HOUSEHOLD and self.form == AssetForm.EQUITY:
            errors["form"] = _("Household assets are biological or fixed assets.")
        if self.project_id and self.year_formed and self.year_formed < self.project.year:
            errors["year_formed"] = _("An asset cannot be formed before its project's year.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Denormalised keys and the net value (also used before bulk inserts)."""
        from assets.valuation import depreciation_to_date

        self.township_id = self.region.township_id if self.region_id else None
        self.supervising_department_id = self.category.department_id if self.category_id else None
        if self.appraised_value is not None:
            self.accumulated_depreciation = 0
            self.net_value = self.appraised_value
        elif self.original_value is not None:
            self.accumulated_depreciation = depreciation_to_date(self)
            self.net_value = self.original_value - self.accumulated_depreciation

    @property
    def owner(self):
        return self.owner_household or self.owner_organisation

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return (
            Q(region_id__in=scope.village_ids)
            | Q(township_id__in=scope.township_ids)
            | Q(supervising_department_id__in=scope.department_ids)
        )


class AssetUserObjectPermission(UserObjectPermissionBase):
    """Per-object exceptions (django-guardian direct FK), e.g. an asset lent to a department."""

    content_object = models.ForeignKey(Asset, models.CASCADE, verbose_name=_("asset"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("asset permission grant")
        verbose_name_plural = _("asset permission grants")


Asset.object_grant_model = AssetUserObjectPermission


class AssetFundingLine(FundingLine):
    asset = models.ForeignKey(Asset, models.CASCADE, related_name="funding_lines", verbose_name=_("asset"))

    history = domain_history()

    class Meta:
        verbose_name = _("asset funding line")
        verbose_name_plural = _("asset funding lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="asset_funding_not_negative",
                                   violation_error_message=_("Amounts cannot be negative.")),
            models.UniqueConstraint(fields=["asset", "source"], name="unique_asset_funding_source",
                                    violation_error_message=_("Each funding source may appear once.")),
        ]


class AssetBeneficiary(models.Model):
    asset = models.ForeignKey(Asset, models.CASCADE, related_name="beneficiary_links", verbose_name=_("asset"))
    household = models.ForeignKey(
        "assets.Household", models.PROTECT, related_name="beneficiary_links", verbose_name=_("household")
    )

    history = domain_history()

    class Meta:
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        constraints = [models.UniqueConstraint(fields=["asset", "household"], name="unique_asset_beneficiary")]

    def __str__(self) -> str:
        return str(self.household)


class AssetRegistration(models.Model):
    """Registration of an asset in an external system of 四(四), with number and date."""

    asset = models.ForeignKey(Asset, models.CASCADE, related_name="registrations", verbose_name=_("asset"))
    system = models.CharField(_("system"), max_length=30, choices=RegistrationSystem.choices)
    number = models.CharField(_("registration number"), max_length=60)
    registered_on = models.DateField(_("registered on"))

    history = domain_history()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["system"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "system"], name="unique_asset_registration_system",
                                    violation_error_message=_("The asset is already registered in this system.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.number}"

    def clean(self) -> None:
        if self.registered_on and self.asset_id and self.registered_on.year < FIRST_YEAR:
            raise ValidationError({"registered_on": _("The year must be 2013 or later.")})
