"""The rows of a ledger: one query per asset class, restricted to the requester's scope.

Today's ledger reads ``Asset.objects.restrict(user, "view")``. An as-of ledger reads the
simple-history table instead: for every asset, its latest historical row written up to the end
of the chosen day (Asia/Shanghai), unless that row records a deletion. That choice is made in one
set-based subquery (PostgreSQL: DISTINCT ON; elsewhere a correlated "latest row" subquery), and the
scope and the filters are then applied to the chosen rows with the same keys as the live
register (region_id, township_id, supervising_department_id exist on the historical rows too).

Both kinds of query yield tuples in the order of ``FIELDS``, so the writers, the PDF and the
benchmark's floor loop read exactly the same rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When

from assets.choices import AssetClass, FundingSource, RegionLevel
from assets.filtersets import AssetFilterSet
from assets.models import Asset, AssetFundingLine, AssetUserObjectPermission
from assets.scoping import VIEW, _holds_object_grants, action_scope
from ledgers.exports.spec import LedgerRequest
from ledgers.models import LedgerKind

# Asset classes in the order of the plan (四(二)).
CLASS_ORDER = [AssetClass.OPERATING, AssetClass.PUBLIC_BENEFIT, AssetClass.HOUSEHOLD]
FUNDING_SOURCES = list(FundingSource.values)

# Fields read per asset; names are ORM paths valid on Asset and on its historical model.
BASE_FIELDS = [
    "id", "code", "name", "asset_class", "category__name", "subcategory", "form",
    "township_id", "township__code", "township__name", "region_id", "region__code", "region__name", "region__level",
    "project__code", "project__name", "project__year", "year_formed", "quantity", "unit",
    "original_value", "accumulated_depreciation", "net_value", "valuation_basis",
    "ownership_type", "owner_organisation__name", "owner_household__head_name", "owner_household__id_number",
    "owner_household__village_id", "owner_household_id",
    "supervising_department_id", "supervising_department__code", "supervising_department__name",
    "status", "operating_mode", "operating_entity", "caretaker", "remarks",
]
FUNDING_FIELDS = [f"fund_{source}" for source in FUNDING_SOURCES]
FIELDS = BASE_FIELDS + FUNDING_FIELDS
IDX = {name: index for index, name in enumerate(FIELDS)}

# Group levels per ledger, outer to inner: a subtotal row closes each group.
GROUPS: dict[str, list[str]] = {
    LedgerKind.COUNTY: ["township"],
    LedgerKind.LIST: ["township"],
    LedgerKind.TOWNSHIP: ["township", "village"],
    LedgerKind.VILLAGE: ["village"],
    LedgerKind.DEPARTMENT: ["department", "township"],
    LedgerKind.HOUSEHOLD: ["village", "household"],
}
# ORDER BY per group level (codes sort the region tree the way the county numbers it)
_ORDER = {
    "township": ["township__code"],
    "village": ["township__code", "region__code"],
    "department": ["supervising_department__code"],
    "household": ["owner_household__head_name", "owner_household_id"],
}


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in the county's time zone."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=ZoneInfo(settings.TIME_ZONE))


def historical_assets_as_of(day: datetime.date) -> QuerySet:
    """Each asset's row as it stood at the end of ``day``: one set-based query."""
    historical = Asset.history.model
    until = end_of_day(day)
    before = historical.objects.filter(history_date__lt=until)
    if connection.vendor == "postgresql":
        latest = before.order_by("id", "-history_date", "-history_id").distinct("id").values("history_id")
    else:
        newest = before.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("history_id")[:1]
        latest = before.filter(history_id=Subquery(newest)).values("history_id")
    return historical.objects.filter(history_id__in=latest).exclude(history_type="-")


def restrict_rows(queryset: QuerySet, user, *, historical: bool) -> QuerySet:
    """``Asset.objects.restrict(user, "view")`` for live rows; the same rule, on the same keys,
    for historical rows. ``user=None`` is a county-wide system run (command line, beat)."""
    if user is None:
        return queryset
    if not historical:
        return queryset.restrict(user, VIEW)
    if not user.is_authenticated:
        return queryset.none()
    scope = action_scope(user, Asset.scope_key, VIEW)
    if scope.everything:
        return queryset
    condition = Asset.scope_q(scope) if not scope.empty else Q(pk__in=[])
    if _holds_object_grants(user, AssetUserObjectPermission):
        condition |= Q(Exists(AssetUserObjectPermission.objects.filter(
            content_object=OuterRef("id"), user=user, permission__codename="view_asset")))
    return queryset.filter(condition)


def funding_annotations(request: LedgerRequest) -> dict[str, Subquery]:
    """One scalar subquery per funding source (unique per asset and source: an index probe)."""
    annotations: dict[str, Subquery] = {}
    if request.as_of is None:
        for source in FUNDING_SOURCES:
            lines = AssetFundingLine.objects.filter(asset_id=OuterRef("id"), source=source)
            annotations[f"fund_{source}"] = Subquery(lines.values("amount")[:1])
        return annotations
    historical = AssetFundingLine.history.model
    until = end_of_day(request.as_of)
    for source in FUNDING_SOURCES:
        # the newest row of that source up to the day; a deletion row means "no line then"
        lines = (historical.objects.filter(asset_id=OuterRef("id"), source=source, history_date__lt=until)
                 .order_by("-history_date", "-history_id"))
        annotations[f"fund_{source}"] = Subquery(
            lines.annotate(live_amount=_amount_unless_deleted()).values("live_amount")[:1]
        )
    return annotations


def _amount_unless_deleted() -> Case:
    return Case(When(history_type="-", then=None), default=F("amount"))


def base_queryset(user, request: LedgerRequest) -> QuerySet:
    """All rows of the ledger (every class), filtered and restricted, without ordering."""
    historical = request.as_of is not None
    if historical:
        queryset = restrict_rows(historical_assets_as_of(request.as_of), user, historical=True)
    else:
        queryset = restrict_rows(Asset.objects.all(), user, historical=False)
    if request.ledger == LedgerKind.LIST:
        queryset = AssetFilterSet(data=request.list_params, queryset=queryset).qs
    region = request.region
    if region is not None and region.level == RegionLevel.TOWNSHIP:
        queryset = queryset.filter(township_id=region.pk)
    elif region is not None and region.level == RegionLevel.VILLAGE:
        queryset = queryset.filter(region_id=region.pk)
    if request.department_id:
        queryset = queryset.filter(supervising_department_id=request.department_id)
    if request.asset_class:
        queryset = queryset.filter(asset_class=request.asset_class)
    if request.project_year:
        queryset = queryset.filter(project__year=request.project_year)
    if request.status:
        queryset = queryset.filter(status=request.status)
    # what each sub-ledger holds (一总四分)
    if request.ledger == LedgerKind.TOWNSHIP:
        queryset = queryset.filter(township_id__isnull=False)
    elif request.ledger == LedgerKind.VILLAGE:
        queryset = queryset.filter(region__level=RegionLevel.VILLAGE)
    elif request.ledger == LedgerKind.DEPARTMENT:
        queryset = queryset.filter(supervising_department_id__isnull=False)
    elif request.ledger == LedgerKind.HOUSEHOLD:
        queryset = queryset.filter(asset_class=AssetClass.HOUSEHOLD)
    return queryset


@dataclass
class ClassRows:
    asset_class: str
    queryset: QuerySet  # values_list in FIELDS order, ordered for the ledger's groups
    count: int

    def __iter__(self) -> Iterator[tuple]:
        # server-side cursor on PostgreSQL: rows stream, memory stays flat
        return self.queryset.iterator(chunk_size=4000)


def classes_of(request: LedgerRequest) -> list[str]:
    if request.ledger == LedgerKind.HOUSEHOLD:
        return [AssetClass.HOUSEHOLD]
    if request.asset_class:
        return [request.asset_class]
    return list(CLASS_ORDER)


def ledger_rows(user, request: LedgerRequest) -> list[ClassRows]:
    """Per asset class, the ordered rows of the ledger and how many there are."""
    base = base_queryset(user, request)
    counts = _counts(base)
    order: list[str] = []
    for level in GROUPS[request.ledger]:
        order.extend(name for name in _ORDER[level] if name not in order)
    order += ["code", "id"]
    result = []
    for asset_class in classes_of(request):
        queryset = (base.filter(asset_class=asset_class).annotate(**funding_annotations(request))
                    .order_by(*order).values_list(*FIELDS))
        result.append(ClassRows(asset_class, queryset, counts.get(asset_class, 0)))
    return result


def _counts(base: QuerySet) -> dict[str, int]:
    return dict(base.order_by().values("asset_class").annotate(n=Count("pk")).values_list("asset_class", "n"))
