"""The auditors' county-wide history browser: which historical tables it reads and how.

A page costs a bounded number of queries whatever the tables hold: with a model chosen, one
historical table is read; for "all models" one UNION ALL over ``values()`` of every historical
table, ordered by history_date, picks the page's (model, history_id) pairs; the page's rows are
then fetched per model (with their previous versions) and diffed by audits/diffs.py.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import CharField, Value
from django.utils import timezone

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
from audits.diffs import HistoryEntry, build_entries, previous_from_annotation, previous_subquery
from disposals.models import Disposal
from transfers.models import ChangeRegistration, Transfer

RegionFilter = Callable[[models.QuerySet, Region], models.QuerySet]


def _own_columns(village_field: str, township_field: str) -> RegionFilter:
    """Filter on the historical row's own region columns (where the record was then)."""

    def apply(queryset: models.QuerySet, region: Region) -> models.QuerySet:
        return filter_by_region(queryset, region, village_field=village_field, township_field=township_field)

    return apply


def _via_parent(parent: type[models.Model], fk: str, village_field: str, township_field: str) -> RegionFilter:
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
    HistorySource("asset", Asset, _own_columns("region_id", "township_id")),
    HistorySource("asset_funding_line", AssetFundingLine, _via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("asset_beneficiary", AssetBeneficiary, _via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("asset_registration", AssetRegistration,
                  _via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("project", Project, _own_columns("region_id", "township_id")),
    HistorySource("project_funding_line", ProjectFundingLine,
                  _via_parent(Project, "project_id", "region_id", "township_id")),
    HistorySource("household", Household, _own_columns("village_id", "township_id")),
    HistorySource("region", Region, _own_columns("id", "township_id")),
    HistorySource("organisation", Organisation, _organisations),
    HistorySource("role_assignment", RoleAssignment, _role_assignments),
    HistorySource("category", AssetCategory),
    HistorySource("user", User),
    # the workflows of transfers/ and disposals/
    HistorySource("transfer", Transfer, _own_columns("region_id", "township_id")),
    HistorySource("change_registration", ChangeRegistration,
                  _via_parent(Asset, "asset_id", "region_id", "township_id")),
    HistorySource("disposal", Disposal, _own_columns("region_id", "township_id")),
]
SOURCES_BY_KEY = {source.key: source for source in SOURCES}


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the county's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(source: HistorySource, filters: dict[str, Any]) -> models.QuerySet | None:
    queryset = source.history_model.objects.all()
    if filters.get("user"):
        queryset = queryset.filter(history_user_id=filters["user"].pk)
    if filters.get("date_from"):
        queryset = queryset.filter(history_date__gte=day_start(filters["date_from"]))
    if filters.get("date_to"):
        queryset = queryset.filter(history_date__lt=day_start(filters["date_to"] + datetime.timedelta(days=1)))
    region = filters.get("region")
    if region is not None:
        if source.region_filter is None:
            return None
        queryset = source.region_filter(queryset, region)
    return queryset


def history_rows(filters: dict[str, Any]) -> models.QuerySet:
    """(source, history_id, history_date) of every matching row, newest first, as one
    queryset to paginate."""
    chosen = [SOURCES_BY_KEY[filters["model"]]] if filters.get("model") else SOURCES
    parts = []
    for source in chosen:
        queryset = filtered(source, filters)
        if queryset is None:
            continue
        parts.append(
            queryset.order_by()
            .annotate(model_key=Value(source.key, output_field=CharField()))
            .values("history_id", "history_date", "model_key")
        )
    if not parts:
        return SOURCES[0].history_model.objects.none().values("history_id", "history_date")
    combined = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return combined.order_by("-history_date", "-history_id")


def entries_for(rows: Sequence[dict[str, Any]], user: Any) -> list[HistoryEntry]:
    """The page's rows as diffed entries, in the page's order: one query per model for the rows
    (with the id of each row's previous version), then audits/diffs.py."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row["model_key"]].append(row["history_id"])
    fetched: dict[tuple[str, int], Any] = {}
    for key, ids in wanted.items():
        history_model = SOURCES_BY_KEY[key].history_model
        queryset = (
            history_model.objects.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(prev_history_id=previous_subquery(history_model))
        )
        for record in queryset:
            fetched[(key, record.history_id)] = record
    records = [fetched[(row["model_key"], row["history_id"])] for row in rows
               if (row["model_key"], row["history_id"]) in fetched]
    return build_entries(records, previous_from_annotation(records), user)
