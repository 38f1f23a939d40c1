"""Organisations (the units of 五) and the category -> supervising department mapping (五)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetClass, AssetForm, DepreciationMethod, OrganisationKind, RegionLevel
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.scoping import ActionScope


class Organisation(ScopedModel):
    """A unit that holds roles or owns assets: a bureau, a department, a township government,
    a village collective economic organisation (which keeps accounts apart from the village
    committee: 分账管理)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices, db_index=True)
    region = models.ForeignKey(
        "assets.Region", models.PROTECT, related_name="organisations", verbose_name=_("region")
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = domain_history()
    scope_key = "organisation"

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        if scope.department_ids:
            return Q()
        return (
            Q(region__level=RegionLevel.COUNTY)
            | Q(region_id__in=scope.village_ids)
            | Q(region_id__in=scope.parent_township_ids)
            | Q(region__township_id__in=scope.township_ids)
        )


class AssetCategory(ScopedModel):
    """A category of 四(二) with its supervising department (五). Reference data: an
    administrator edits it in the admin; it is loaded by a data migration."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    default_form = models.CharField(_("default form"), max_length=20, choices=AssetForm.choices)
    department = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="supervised_categories",
        limit_choices_to={"kind__in": [OrganisationKind.DEPARTMENT, OrganisationKind.AGRI_BUREAU]},
        verbose_name=_("supervising department"),
        help_text=_("Empty when the township government supervises (household assets)."),
    )
    default_depreciation_method = models.CharField(
        _("default depreciation method"), max_length=20, choices=DepreciationMethod.choices,
        default=DepreciationMethod.STRAIGHT_LINE,
    )
    default_useful_life_years = models.PositiveSmallIntegerField(
        _("default useful life (years)"), null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = domain_history()
    scope_key = "region"  # reference data: visible to every role

    class Meta:
        verbose_name = _("asset category")
        verbose_name_plural = _("asset categories")
        ordering = ["asset_class", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return Q()
