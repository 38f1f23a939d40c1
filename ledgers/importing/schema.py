"""Columns of the import templates (assets, households, projects).

The asset template uses the ledger's own Chinese headers (group over leaf, ledgers/exports/
layout.py) where a ledger column is read back; where the ledger prints a name, the template asks
for the code that identifies the record (region code, project code, organisation code, the owner
household's ID number), because names are not unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.choices import (
    AssetClass,
    AssetForm,
    AssetStatus,
    DepreciationMethod,
    FundingSource,
    OperatingMode,
    OwnershipType,
    ValuationBasis,
)
from ledgers.choices import ImportKind

TEXT, INT, DECIMAL, NUMBER, DATE, BOOL, CHOICE = "text", "int", "decimal", "number", "date", "bool", "choice"


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: Any
    group: Any = None
    kind: str = TEXT
    required: bool = False
    choices: type | None = None  # TextChoices for CHOICE columns
    width: float = 14
    help: Any = ""


def _funding(group: Any) -> list[ImportColumn]:
    return [ImportColumn(f"fund_{source}", FundingSource(source).label, group, DECIMAL, width=14)
            for source in FundingSource.values]


ASSET_COLUMNS = [
    ImportColumn("code", pgettext_lazy("ledger column", "asset code"), None, TEXT, width=24,
                 help=_("Leave empty to number it automatically.")),
    ImportColumn("name", pgettext_lazy("ledger column", "asset name"), None, TEXT, True, width=30),
    ImportColumn("asset_class", pgettext_lazy("ledger column", "asset class"), None, CHOICE, True, AssetClass, 12),
    ImportColumn("category", pgettext_lazy("ledger column", "category"), None, TEXT, True, width=20,
                 help=_("A category name from the sheet of allowed values.")),
    ImportColumn("subcategory", pgettext_lazy("ledger column", "subcategory"), None, TEXT, width=12),
    ImportColumn("form", pgettext_lazy("ledger column", "form"), None, CHOICE, True, AssetForm, 10),
    ImportColumn("region_code", pgettext_lazy("ledger column", "region code"),
                 pgettext_lazy("ledger column", "location"), TEXT, True, width=16,
                 help=_("Administrative code of the village (or township) where the asset is.")),
    ImportColumn("project_code", pgettext_lazy("ledger column", "project code"),
                 pgettext_lazy("ledger column", "source project"), TEXT, True, width=20),
    ImportColumn("year_formed", pgettext_lazy("ledger column", "year formed"), None, INT, True, width=9),
    ImportColumn("quantity", pgettext_lazy("ledger column", "number"), pgettext_lazy("ledger column", "quantity"),
                 NUMBER, width=9),
    ImportColumn("unit", pgettext_lazy("ledger column", "unit"), pgettext_lazy("ledger column", "quantity"), TEXT,
                 width=7),
    ImportColumn("original_value", pgettext_lazy("ledger column", "original value"),
                 pgettext_lazy("ledger column", "value (yuan)"), DECIMAL, True, width=16),
    ImportColumn("appraised_value", pgettext_lazy("ledger column", "appraised net value"),
                 pgettext_lazy("ledger column", "value (yuan)"), DECIMAL, width=16),
    ImportColumn("valuation_basis", pgettext_lazy("ledger column", "valuation basis"), None, CHOICE, True,
                 ValuationBasis, 16),
    ImportColumn("valuation_document", pgettext_lazy("ledger column", "valuation document"), None, TEXT, width=18),
    ImportColumn("depreciation_method", pgettext_lazy("ledger column", "depreciation method"), None, CHOICE, False,
                 DepreciationMethod, 12, help=_("Empty: the category's default.")),
    ImportColumn("useful_life_years", pgettext_lazy("ledger column", "useful life (years)"), None, INT, width=10,
                 help=_("Empty: the category's default.")),
    *_funding(pgettext_lazy("ledger column", "funding sources (yuan)")),
    ImportColumn("ownership_type", pgettext_lazy("ledger column", "ownership type"),
                 pgettext_lazy("ledger column", "ownership"), CHOICE, True, OwnershipType, 10),
    ImportColumn("owner_code", pgettext_lazy("ledger column", "owner organisation code"),
                 pgettext_lazy("ledger column", "ownership"), TEXT, width=20,
                 help=_("For state or collective assets: the owning organisation's code.")),
    ImportColumn("owner_id_number", pgettext_lazy("ledger column", "owner household ID number"),
                 pgettext_lazy("ledger column", "ownership"), TEXT, width=21,
                 help=_("For household assets: the ID number of the owning household's head.")),
    ImportColumn("status", pgettext_lazy("ledger column", "status"), None, CHOICE, False, AssetStatus, 9),
    ImportColumn("operating_mode", pgettext_lazy("ledger column", "operating mode"),
                 pgettext_lazy("ledger column", "operation and upkeep"), CHOICE, False, OperatingMode, 12),
    ImportColumn("operating_entity", pgettext_lazy("ledger column", "operating entity"),
                 pgettext_lazy("ledger column", "operation and upkeep"), TEXT, width=20),
    ImportColumn("contract_start", pgettext_lazy("ledger column", "contract start"),
                 pgettext_lazy("ledger column", "operation and upkeep"), DATE, width=12),
    ImportColumn("contract_end", pgettext_lazy("ledger column", "contract end"),
                 pgettext_lazy("ledger column", "operation and upkeep"), DATE, width=12),
    ImportColumn("caretaker", pgettext_lazy("ledger column", "caretaker"),
                 pgettext_lazy("ledger column", "operation and upkeep"), TEXT, width=12),
    ImportColumn("maintenance_funding", pgettext_lazy("ledger column", "maintenance funding (yuan/year)"),
                 pgettext_lazy("ledger column", "operation and upkeep"), DECIMAL, width=14),
    ImportColumn("remarks", pgettext_lazy("ledger column", "remarks"), None, TEXT, width=24),
]

HOUSEHOLD_COLUMNS = [
    ImportColumn("head_name", pgettext_lazy("ledger column", "head of household"), None, TEXT, True, width=14),
    ImportColumn("id_number", pgettext_lazy("ledger column", "ID number"), None, TEXT, True, width=21),
    ImportColumn("village_code", pgettext_lazy("ledger column", "village code"), None, TEXT, True, width=16),
    ImportColumn("is_poverty_alleviated", pgettext_lazy("ledger column", "poverty-alleviated household"),
                 pgettext_lazy("ledger column", "household type"), BOOL, width=12),
    ImportColumn("is_monitored", pgettext_lazy("ledger column", "monitored household"),
                 pgettext_lazy("ledger column", "household type"), BOOL, width=12),
    ImportColumn("members_count", pgettext_lazy("ledger column", "members"), None, INT, True, width=8),
    ImportColumn("phone", pgettext_lazy("ledger column", "phone"), None, TEXT, width=14),
    ImportColumn("address", pgettext_lazy("ledger column", "address"), None, TEXT, width=30),
]

PROJECT_COLUMNS = [
    ImportColumn("code", pgettext_lazy("ledger column", "project code"), None, TEXT, True, width=20),
    ImportColumn("name", pgettext_lazy("ledger column", "project name"), None, TEXT, True, width=30),
    ImportColumn("year", pgettext_lazy("ledger column", "year"), None, INT, True, width=8),
    ImportColumn("implementing_code", pgettext_lazy("ledger column", "implementing unit code"), None, TEXT, True,
                 width=20),
    ImportColumn("region_code", pgettext_lazy("ledger column", "implementing level code"), None, TEXT, True, width=16,
                 help=_("The village for a village-only project, the township or county for a wider one.")),
    ImportColumn("covered_codes", pgettext_lazy("ledger column", "regions covered (codes)"), None, TEXT, width=24,
                 help=_("Several codes separated by commas.")),
    ImportColumn("poor_households_covered", pgettext_lazy("ledger column", "poverty-alleviated households covered"),
                 pgettext_lazy("ledger column", "households covered"), INT, width=12),
    ImportColumn("monitored_households_covered", pgettext_lazy("ledger column", "monitored households covered"),
                 pgettext_lazy("ledger column", "households covered"), INT, width=12),
    ImportColumn("total_investment", pgettext_lazy("ledger column", "total investment (yuan)"), None, DECIMAL, True,
                 width=16),
    ImportColumn("completion_date", pgettext_lazy("ledger column", "completion date"),
                 pgettext_lazy("ledger column", "completion"), DATE, width=12),
    ImportColumn("acceptance_date", pgettext_lazy("ledger column", "acceptance date"),
                 pgettext_lazy("ledger column", "completion"), DATE, width=12),
    ImportColumn("needs_final_accounts", pgettext_lazy("ledger column", "final accounts required"),
                 pgettext_lazy("ledger column", "final accounts"), BOOL, width=10),
    ImportColumn("final_accounts_done", pgettext_lazy("ledger column", "final accounts done"),
                 pgettext_lazy("ledger column", "final accounts"), BOOL, width=10),
    ImportColumn("final_accounts_amount", pgettext_lazy("ledger column", "final accounts amount (yuan)"),
                 pgettext_lazy("ledger column", "final accounts"), DECIMAL, width=16),
    *_funding(pgettext_lazy("ledger column", "funding sources (yuan)")),
    ImportColumn("description", pgettext_lazy("ledger column", "description"), None, TEXT, width=30),
]

COLUMNS: dict[str, list[ImportColumn]] = {
    ImportKind.ASSETS: ASSET_COLUMNS,
    ImportKind.HOUSEHOLDS: HOUSEHOLD_COLUMNS,
    ImportKind.PROJECTS: PROJECT_COLUMNS,
}

# Headers carry the context "ledger column" (translated in ledgers/locale), so that the template
# reads exactly like the ledger whatever other catalogues call the same fields.
SHEET_TITLES = {
    ImportKind.ASSETS: pgettext_lazy("ledger", "assets"),
    ImportKind.HOUSEHOLDS: pgettext_lazy("ledger", "households"),
    ImportKind.PROJECTS: pgettext_lazy("ledger", "projects"),
}
ALLOWED_VALUES_TITLE = pgettext_lazy("ledger", "allowed values")
REQUIRED_MARK = "*"
FIRST_DATA_ROW = 5  # title, notes, group headers, leaf headers
