"""Columns of the 一总四分 ledgers: two header rows (group over leaf, merged), widths, and how
each cell is read from a row of ledgers/exports/source.py.

The same columns are the import template's headers for assets (ledgers/importing/), so a
ledger printed from the system can be filled in and read back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from assets.choices import (
    AssetClass,
    AssetForm,
    AssetStatus,
    FundingSource,
    OperatingMode,
    OwnershipType,
    RegionLevel,
    ValuationBasis,
)
from assets.validators import mask_id_number
from ledgers.choices import LedgerKind
from ledgers.exports.source import FUNDING_SOURCES, IDX

TEXT, INT, MONEY, QTY = "text", "int", "money", "qty"


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy msgid
    group: Any = None  # lazy msgid of the merged group header above, None: merged vertically
    width: float = 12
    kind: str = TEXT


FUNDING_COLUMNS = [
    Column(f"fund_{source}", FundingSource(source).label, pgettext_lazy("ledger column", "funding sources (yuan)"),
           14, MONEY)
    for source in FUNDING_SOURCES
]


def ledger_columns(ledger: str) -> list[Column]:
    location = pgettext_lazy("ledger column", "location")
    project = pgettext_lazy("ledger column", "source project")
    amount = pgettext_lazy("ledger column", "quantity")
    value = pgettext_lazy("ledger column", "value (yuan)")
    ownership = pgettext_lazy("ledger column", "ownership")
    operation = pgettext_lazy("ledger column", "operation and upkeep")
    columns = [
        Column("seq", pgettext_lazy("ledger column", "No."), None, 7, INT),
        Column("code", pgettext_lazy("ledger column", "asset code"), None, 24),
        Column("name", pgettext_lazy("ledger column", "asset name"), None, 30),
        Column("category", pgettext_lazy("ledger column", "category"), None, 18),
        Column("form", pgettext_lazy("ledger column", "form"), None, 10),
        Column("township", pgettext_lazy("ledger column", "township"), location, 14),
        Column("village", pgettext_lazy("ledger column", "village"), location, 16),
        Column("project_code", pgettext_lazy("ledger column", "project code"), project, 20),
        Column("project_name", pgettext_lazy("ledger column", "project name"), project, 28),
        Column("project_year", pgettext_lazy("ledger column", "project year"), project, 9, INT),
        Column("year_formed", pgettext_lazy("ledger column", "year formed"), None, 9, INT),
        Column("quantity", pgettext_lazy("ledger column", "number"), amount, 9, QTY),
        Column("unit", pgettext_lazy("ledger column", "unit"), amount, 6),
        Column("original_value", pgettext_lazy("ledger column", "original value"), value, 16, MONEY),
        Column("accumulated_depreciation", pgettext_lazy("ledger column", "accumulated depreciation"), value, 16,
               MONEY),
        Column("net_value", pgettext_lazy("ledger column", "net value"), value, 16, MONEY),
        Column("valuation_basis", pgettext_lazy("ledger column", "valuation basis"), None, 14),
        *FUNDING_COLUMNS,
        Column("ownership_type", pgettext_lazy("ledger column", "ownership type"), ownership, 10),
        Column("owner", pgettext_lazy("ledger column", "owner"), ownership, 24),
    ]
    if ledger == LedgerKind.HOUSEHOLD:
        columns.append(Column("id_number", pgettext_lazy("ledger column", "ID number"), ownership, 21))
    columns += [
        Column("department", pgettext_lazy("ledger column", "supervising department"), None, 16),
        Column("status", pgettext_lazy("ledger column", "status"), None, 9),
        Column("operating_mode", pgettext_lazy("ledger column", "operating mode"), operation, 12),
        Column("operating_entity", pgettext_lazy("ledger column", "operating entity"), operation, 20),
        Column("caretaker", pgettext_lazy("ledger column", "caretaker"), operation, 12),
        Column("remarks", pgettext_lazy("ledger column", "remarks"), None, 24),
    ]
    return columns


# money columns summed in subtotal rows, in column order
def money_keys(columns: list[Column]) -> list[str]:
    return [column.key for column in columns if column.kind == MONEY]


def _labels(choices: type) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def row_converter(columns: list[Column], id_number: Callable[[str | None, int | None], str]) -> Callable:
    """A function row -> list of cell values in column order (labels translated once)."""
    forms, statuses = _labels(AssetForm), _labels(AssetStatus)
    bases, owner_types, modes = _labels(ValuationBasis), _labels(OwnershipType), _labels(OperatingMode)
    # "household" is also the asset class's label; as an ownership type it means the farm household
    owner_types[OwnershipType.HOUSEHOLD] = pgettext("ownership type", "household")
    township_supervised = pgettext("ledger", "township government")
    village_level = RegionLevel.VILLAGE
    i = IDX
    getters: dict[str, Callable[[tuple], Any]] = {
        "code": lambda r: r[i["code"]],
        "name": lambda r: r[i["name"]],
        "category": lambda r: f"{r[i['category__name']]}（{r[i['subcategory']]}）" if r[i["subcategory"]]
        else r[i["category__name"]],
        "form": lambda r: forms.get(r[i["form"]], r[i["form"]]),
        "township": lambda r: r[i["township__name"]] or "",
        "village": lambda r: r[i["region__name"]] if r[i["region__level"]] == village_level else "",
        "project_code": lambda r: r[i["project__code"]],
        "project_name": lambda r: r[i["project__name"]],
        "project_year": lambda r: r[i["project__year"]],
        "year_formed": lambda r: r[i["year_formed"]],
        "quantity": lambda r: _quantity(r[i["quantity"]]),
        "unit": lambda r: r[i["unit"]],
        "original_value": lambda r: r[i["original_value"]],
        "accumulated_depreciation": lambda r: r[i["accumulated_depreciation"]],
        "net_value": lambda r: r[i["net_value"]],
        "valuation_basis": lambda r: bases.get(r[i["valuation_basis"]], r[i["valuation_basis"]]),
        "ownership_type": lambda r: owner_types.get(r[i["ownership_type"]], ""),
        "owner": lambda r: r[i["owner_household__head_name"]] or r[i["owner_organisation__name"]] or "",
        "id_number": lambda r: id_number(r[i["owner_household__id_number"]], r[i["owner_household__village_id"]]),
        "department": lambda r: r[i["supervising_department__name"]] or township_supervised,
        "status": lambda r: statuses.get(r[i["status"]], r[i["status"]]),
        "operating_mode": lambda r: modes.get(r[i["operating_mode"]], ""),
        "operating_entity": lambda r: r[i["operating_entity"]],
        "caretaker": lambda r: r[i["caretaker"]],
        "remarks": lambda r: r[i["remarks"]],
    }
    for source in FUNDING_SOURCES:
        index = i[f"fund_{source}"]
        getters[f"fund_{source}"] = lambda r, index=index: r[index]
    ordered = [getters[column.key] for column in columns if column.key != "seq"]

    def convert(row: tuple) -> list[Any]:
        return [get(row) for get in ordered]

    return convert


def _quantity(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def class_title(asset_class: str) -> str:
    return _("%(class)s assets") % {"class": AssetClass(asset_class).label}


def ledger_title(ledger: str) -> str:
    titles = {
        LedgerKind.COUNTY: _("master ledger of poverty-alleviation project assets"),
        LedgerKind.DEPARTMENT: _("department ledger of poverty-alleviation project assets"),
        LedgerKind.TOWNSHIP: _("township ledger of poverty-alleviation project assets"),
        LedgerKind.VILLAGE: _("village ledger of poverty-alleviation project assets"),
        LedgerKind.HOUSEHOLD: _("household ledger of poverty-alleviation project assets"),
        LedgerKind.LIST: _("list of poverty-alleviation project assets"),
    }
    return titles[ledger]


def masker(user) -> Callable[[str | None, int | None], str]:
    """ID numbers in full only where the register shows them in full (assets/models/households.py);
    a county-wide system run (no user) prints them masked."""
    from assets.models.households import may_see_full_id

    decided: dict[int | None, bool] = {}

    def id_number(value: str | None, village_id: int | None) -> str:
        if not value:
            return ""
        if village_id not in decided:
            decided[village_id] = user is not None and may_see_full_id(user, village_id)
        return value if decided[village_id] else mask_id_number(value)

    return id_number
