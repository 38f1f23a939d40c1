"""The tables whose history the county-wide history browser reads (audits/browser.py, /history/).

The register's own tables are listed here; each feature app adds its own from its
``AppConfig.ready()`` with `register_history_source`, so the browser reads every app's history
without importing any of them. A source's region filter says how a chosen township or village
narrows it (by the historical row's own region columns, or through its parent's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from assets.filtersets import filter_by_region
from assets.models import (
    Asset,
    AssetBeneficiary,
    AssetCategory,
    AssetFundingLine,
    AssetRegistration,
    Household,
    Organisation,
    Project,
    ProjectFundingLine,
    Region,
    RoleAssignment,
    User,
)

RegionFilter = Callable[[models.QuerySet, Region], models.QuerySet]


def own_columns(village_field: str, township_field: str) -> RegionFilter:
    """Filter on the historical row's own region columns (where the record was then)."""

    def apply(queryset: models.QuerySet, region: Region) -> models.QuerySet:
        return filter_by_region(queryset, region, village_field=village_field, township_field=township_field)

    return apply


def via_parent(parent: type[models.Model], fk: str, village_field: str, township_field: str) -> RegionFilter:
    """Rows of a child table (funding line, registration ...) whose parent was ever in the region,
    by the parent's historical region columns."""

    def apply(queryset: models.QuerySet, region: Region) -> models.QuerySet:
        parents = filter_by_region(parent.history.all(), region, village_field=village_field,
                                   township_field=township_field)
        return queryset.filter(**{f"{fk}__in": parents.values("id")})

    return apply


def _regions_in(region: Region) -> models.QuerySet:
    if region.level == "village":
        return Region.objects.filter(pk=region.pk).values("pk")
    return Region.objects.filter(township_id=region.pk).values("pk")


def _organisations(queryset: models.QuerySet, region: Region) -> models.QuerySet:
    return queryset.filter(region_id__in=_regions_in(region))


def _role_assignments(queryset: models.QuerySet, region: Region) -> models.QuerySet:
    organisations = Organisation.objects.filter(region_id__in=_regions_in(region)).values("pk")
    return queryset.filter(organisation_id__in=organisations)


@dataclass(frozen=True)
class HistorySource:
    key: str
    model: type[models.Model]
    # None: the table has no place in the region tree and is left out when a region is chosen
    region_filter: RegionFilter | None = None

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)


SOURCES: list[HistorySource] = [
    HistorySource("asset", Asset, own_columns("region_id", "township_id")),
    HistorySource("asset_funding_line", AssetFundingLine, via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("asset_beneficiary", AssetBeneficiary, via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("asset_registration", AssetRegistration,
                  via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("project", Project, own_columns("region_id", "township_id")),
    HistorySource("project_funding_line", ProjectFundingLine,
                  via_parent(Project, "project_id", "region_id", "township_id")),
    HistorySource("household", Household, own_columns("village_id", "township_id")),
    HistorySource("region", Region, own_columns("id", "township_id")),
    HistorySource("organisation", Organisation, _organisations),
    HistorySource("role_assignment", RoleAssignment, _role_assignments),
    HistorySource("category", AssetCategory),
    HistorySource("user", User),
]
SOURCES_BY_KEY = {source.key: source for source in SOURCES}


def register_history_source(source: HistorySource) -> None:
    """A feature app's history table for the county-wide history browser (audits/browser.py).
    Called from the app's ``AppConfig.ready()``, so that neither assets nor audits imports it."""
    if source.key in SOURCES_BY_KEY:
        raise ValueError(f"history source {source.key!r} registered twice")
    SOURCES.append(source)
    SOURCES_BY_KEY[source.key] = source
