"""The rows of a ledger: one query per asset class, restricted to the requester's scope.

Today's ledger reads ``Asset.objects.restrict(user, "view")``. An as-of ledger reads the
simple-history table instead: for every asset, its latest historical row written up to the end
of the chosen day (Asia/Shanghai), unless that row records a deletion. That choice is made in one
set-based subquery (PostgreSQL: DISTINCT ON; elsewhere a correlated "latest row" subquery), and the
scope and the filters are then applied to the chosen rows with the same keys as the live
register (region_id, township_id, supervising_department_id exist on the historical rows too):
``scope_condition``, the condition ``restrict()`` itself applies.

Today's funding per source comes from one aggregate join; as of a day, from the latest historical
row of each funding line (one set-based query, held as a dict while the rows stream). Both kinds
of row are tuples in the order of ``FIELDS``, so the writers, the PDF and the benchmark's floor
loop read exactly the same rows.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from assets.choices import AssetClass, FundingSource, RegionLevel
from assets.filtersets import AssetFilterSet
from assets.models import Asset, AssetFundingLine
from assets.scoping import VIEW, scope_condition
from ledgers.choices import LedgerKind
from ledgers.exports.spec import LedgerRequest

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
    # a historical row's pk is history_id; the asset's id (object grants) is its "id" column
    return queryset.filter(scope_condition(user, Asset, VIEW, object_id="id"))


def funding_annotations() -> dict[str, Sum]:
    """Today's funding per source: one LEFT JOIN on the funding lines, summed per asset with a
    FILTER per source (a hash aggregate; eight correlated subqueries cost four times as much)."""
    return {f"fund_{source}": Sum("funding_lines__amount", filter=Q(funding_lines__source=source))
            for source in FUNDING_SOURCES}


def historical_funding(day: datetime.date, asset_ids: QuerySet) -> dict[int, tuple]:
    """Each asset's funding per source as it stood at the end of ``day``: the latest historical
    row of every funding line up to then, unless it records a deletion (one set-based query)."""
    historical = AssetFundingLine.history.model
    until = end_of_day(day)
    before = historical.objects.filter(history_date__lt=until, asset_id__in=asset_ids)
    if connection.vendor == "postgresql":
        latest = before.order_by("id", "-history_date", "-history_id").distinct("id").values("history_id")
    else:
        newest = before.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("history_id")[:1]
        latest = before.filter(history_id=Subquery(newest)).values("history_id")
    rows = historical.objects.filter(history_id__in=latest).exclude(history_type="-").values_list(
        "asset_id", "source", "amount")
    position = {source: n for n, source in enumerate(FUNDING_SOURCES)}
    funding: dict[int, list] = {}
    for asset_id, source, amount in rows.iterator(chunk_size=10000):
        slots = funding.get(asset_id)
        if slots is None:
            slots = funding[asset_id] = [None] * len(FUNDING_SOURCES)
        if source in position:
            slots[position[source]] = amount
    return {asset_id: tuple(slots) for asset_id, slots in funding.items()}


@contextlib.contextmanager
def export_session() -> Iterator[None]:
    """More sort memory for this connection while a ledger is read (the rows are wide and sorted
    by township and code; 4 MB spills to disk at county scale)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


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
    queryset: QuerySet  # values_list in FIELDS order (BASE_FIELDS as of a day), ordered for the groups
    count: int
    funding: dict[int, tuple] | None = None  # as of a day: funding per asset, appended to each row

    def __iter__(self) -> Iterator[tuple]:
        # server-side cursor on PostgreSQL: rows stream, memory stays flat
        rows = self.queryset.iterator(chunk_size=4000)
        if self.funding is None:
            return rows
        funding, empty = self.funding, (None,) * len(FUNDING_SOURCES)
        return (row + funding.get(row[0], empty) for row in rows)


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
    funding = historical_funding(request.as_of, base.values("id")) if request.as_of else None
    for asset_class in classes_of(request):
        of_class = base.filter(asset_class=asset_class)
        if funding is None:
            queryset = of_class.annotate(**funding_annotations()).order_by(*order).values_list(*FIELDS)
        else:
            queryset = of_class.order_by(*order).values_list(*BASE_FIELDS)
        result.append(ClassRows(asset_class, queryset, counts.get(asset_class, 0), funding))
    return result


def _counts(base: QuerySet) -> dict[str, int]:
    return dict(base.order_by().values("asset_class").annotate(n=Count("pk")).values_list("asset_class", "n"))
