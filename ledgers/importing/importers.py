"""Validation and saving of imported rows, one importer per template.

Every row is validated before anything is saved, and every problem is reported (sheet, row,
column, message). References are resolved with one query per kind for the whole file; model
rules run through ``full_clean`` (foreign keys, uniqueness and check constraints are checked here
in bulk instead, to keep 10,000 rows well under 30 seconds). A row outside the uploader's area of
responsibility is an error like any other. Saving is all or nothing, in the caller's transaction,
with history attributed to the uploader.

Importing is idempotent by record, not by file: a row whose record is already registered is
skipped and listed with the reason, whatever file it comes in (``match_existing``). The natural
keys: an asset's code, or else its project, name, location, year formed and owner; a household's
ID number within its village (a number registered in another village is saved and becomes a case
for the township, assets/duplicates.py, without the uploader learning of it); a project's code,
or its name, year and implementing unit.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assets.actions import do_create_project
from assets.choices import AssetClass, FundingSource, OwnershipType, RegionLevel
from assets.duplicates import register_duplicate_cases, same_village_duplicates
from assets.history import current_change_context
from assets.locks import check_manual_change
from assets.models import (
    Asset,
    AssetCategory,
    AssetFundingLine,
    Household,
    Organisation,
    Project,
    Region,
)
from assets.scoping import ADD, VIEW, has_permission, regions_for
from assets.validators import FIRST_YEAR, validate_funding_total
from ledgers.choices import ImportKind
from ledgers.importing.reader import DEADLINE_EVERY, CellError, Problem, SheetReader, parse
from ledgers.importing.schema import COLUMNS, ImportColumn

BATCH_SIZE = 2000
# foreign keys resolved in bulk above: full_clean would query each one per row
REFERENCES = ["category", "region", "project", "owner_organisation", "owner_household", "township",
              "supervising_department"]
FUNDING_KEYS = [f"fund_{source}" for source in FundingSource.values]
LAST_YEAR = 2100
# progress(percent, rows done): the batch's progress bar (ledgers/importing/jobs.py)
Progress = Callable[[int, int], None]


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    record: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None  # why the row is not saved: its record is already registered


class Importer(ABC):
    kind: str
    scope_key: str
    # model field -> template column key, for the model's own validation errors
    field_columns: dict[str, str] = {}

    def __init__(self, user, reader: SheetReader, progress: Progress | None = None):
        self.user = user
        self.reader = reader
        self.columns: list[ImportColumn] = COLUMNS[self.kind]
        self.problems: list[Problem] = []
        self.rows: list[Row] = []
        self.progress: Progress = progress or (lambda percent, done: None)

    # --- reading and validating ---------------------------------------------------------------

    def problem(self, row: int | None, key: str | None, message: Any) -> None:
        column = self.reader.column_label(key) if key and key in self.reader.by_key else ""
        self.problems.append(Problem(self.reader.title, row, column, str(message)))

    def read(self) -> None:
        """Parse every row (progress 5–50 %)."""
        estimate = self.reader.estimated_rows or 0
        for number, raw in self.reader.rows():
            if len(self.rows) % DEADLINE_EVERY == 0:
                done = len(self.rows)
                self.progress(5 + (45 * done // estimate if estimate else 0), done)
            values: dict[str, Any] = {}
            for column in self.columns:
                if column.key not in raw:
                    values[column.key] = None
                    continue
                try:
                    values[column.key] = parse(column, raw[column.key])
                except CellError as exc:
                    self.problem(number, column.key, exc)
                    values[column.key] = _INVALID
            self.rows.append(Row(number, values))
        if not self.rows and not self.problems:
            self.problems.append(Problem(self.reader.title, None, "", _("The sheet has no data rows.")))

    def validate(self) -> None:
        """Check every row (progress 50–80 %), then find the rows already registered."""
        if not has_permission(self.user, self.scope_key, ADD):
            self.problems.append(Problem(self.reader.title, None, "", _("You may not enter these records.")))
            return
        self.load_references()
        total = len(self.rows) or 1
        for index, row in enumerate(self.rows):
            if index % DEADLINE_EVERY == 0:
                self.reader.deadline.check()
                self.progress(50 + 30 * index // total, index)
            self.validate_row(row)
        self.match_existing()  # also names a code taken by another record

    # --- natural keys ---------------------------------------------------------------------------

    @property
    def skipped(self) -> list[dict[str, Any]]:
        return [{"row": row.number, "reason": row.skip} for row in self.rows if row.skip]

    @property
    def to_save(self) -> list[Row]:
        return [row for row in self.rows if row.record is not None and not row.skip]

    def match_existing(self) -> None:
        """Mark the rows whose record is already registered (``row.skip``); called after
        validation and again inside the saving transaction, under a lock, so two files with
        the same rows imported at once add them once."""
        for row in self.rows:
            row.skip = None
        self.find_existing()

    @abstractmethod
    def find_existing(self) -> None:
        """Set ``row.skip`` on the rows whose record is already registered."""

    def model_errors(self, row: Row, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            key = None if name == NON_FIELD_ERRORS else self.field_columns.get(name, name)
            for message in messages:
                self.problem(row.number, key, message)

    def duplicates(self, key: str, message_repeated: str) -> None:
        """A value the file gives twice (a code, an ID number): the later row is an error. A
        value already registered is the importer's ``find_existing``'s business."""
        seen: dict[str, int] = {}
        for row in self.rows:
            value = row.values.get(key)
            if not value or value is _INVALID:
                continue
            if value in seen:
                self.problem(row.number, key, message_repeated % {"value": value, "row": seen[value]})
            else:
                seen[value] = row.number

    @abstractmethod
    def load_references(self) -> None:
        """Resolve the file's codes (regions, projects, organisations …) in bulk."""

    @abstractmethod
    def validate_row(self, row: Row) -> None:
        """Check one row; set ``row.record`` when it is good."""

    @abstractmethod
    def save(self, reason: str) -> int:
        """Save the rows to save (``to_save``); return how many records were created."""

    def values_of(self, key: str) -> set[Any]:
        return {row.values[key] for row in self.rows if row.values.get(key) not in (None, _INVALID)}

    def history_attrs(self) -> dict[str, Any]:
        ctx = current_change_context()
        return {"history_request_id": ctx.request_id} if ctx is not None else {}


class _Invalid:
    """A cell that failed to parse (already reported): rows with it are not checked further."""

    def __bool__(self) -> bool:
        return False


_INVALID = _Invalid()


def _ok(row: Row, *keys: str) -> bool:
    return all(row.values.get(key) is not _INVALID for key in keys)


def _year_ok(importer: Importer, number: int, key: str, year: Any) -> bool:
    """A year from 2013 (the plan's projects) to 2100, reported against its own column (an asset
    code is numbered by year, so a wild year must not reach the code)."""
    if year is None or year is _INVALID or FIRST_YEAR <= year <= LAST_YEAR:
        return True
    importer.problem(number, key, _("Enter a year between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR, "last": LAST_YEAR})
    return False


def _funding_lines(row: Row) -> list[dict[str, Any]]:
    lines = []
    for source, key in zip(FundingSource.values, FUNDING_KEYS, strict=True):
        amount = row.values.get(key)
        if amount not in (None, _INVALID):
            lines.append({"source": source, "amount": amount})
    return lines


# --- assets -------------------------------------------------------------------------------------


class AssetImporter(Importer):
    kind = ImportKind.ASSETS
    scope_key = "asset"
    field_columns = {"category": "category", "region": "region_code", "project": "project_code",
                     "owner_organisation": "owner_code", "owner_household": "owner_id_number",
                     "funding_lines": "fund_" + FundingSource.values[0], "township": "region_code",
                     "supervising_department": "category"}

    def load_references(self) -> None:
        self.categories = {c.name: c for c in AssetCategory.objects.filter(is_active=True)}
        self.categories.update({c.code: c for c in self.categories.values()})
        codes = self.values_of("region_code")
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self.allowed_regions = set(regions_for(self.user, "asset", ADD).filter(code__in=codes).values_list(
            "pk", flat=True))
        project_codes = self.values_of("project_code")
        self.known_projects = set(Project.objects.filter(code__in=project_codes).values_list("code", flat=True))
        self.projects = {p.code: p for p in Project.objects.restrict(self.user, VIEW).filter(code__in=project_codes)}
        owner_codes = self.values_of("owner_code")
        self.known_orgs = set(Organisation.objects.filter(code__in=owner_codes).values_list("code", flat=True))
        self.organisations = {o.code: o for o in Organisation.objects.restrict(self.user, VIEW).filter(
            code__in=owner_codes)}
        id_numbers = {str(v).upper() for v in self.values_of("owner_id_number")}
        self.known_households = set(Household.objects.filter(id_number__in=id_numbers).values_list(
            "id_number", flat=True))
        self.households = {h.id_number: h for h in Household.objects.restrict(self.user, VIEW).filter(
            id_number__in=id_numbers)}
        # a code already registered is a skip or a conflict: find_existing
        self.duplicates("code", _("Asset code %(value)s is also used in row %(row)s."))
        self.explicit_codes = {str(code) for code in self.values_of("code")}

    def validate_row(self, row: Row) -> None:
        v = row.values
        n = row.number
        category = region = project = None
        if v["category"]:
            category = self.categories.get(v["category"])
            if category is None:
                self.problem(n, "category", _("Unknown category %(value)s.") % {"value": v["category"]})
        if v["region_code"]:
            region = self.regions.get(v["region_code"])
            if region is None:
                self.problem(n, "region_code", _("No region with code %(value)s.") % {"value": v["region_code"]})
            elif region.pk not in self.allowed_regions:
                self.problem(n, "region_code", _("Region %(value)s is outside your area of responsibility.")
                             % {"value": v["region_code"]})
                region = None
        if v["project_code"]:
            project = self.projects.get(v["project_code"])
            if project is None:
                message = (_("Project %(value)s is outside your area of responsibility.")
                           if v["project_code"] in self.known_projects else _("No project with code %(value)s."))
                self.problem(n, "project_code", message % {"value": v["project_code"]})
        owner_organisation = owner_household = None
        if v["owner_code"]:
            owner_organisation = self.organisations.get(v["owner_code"])
            if owner_organisation is None:
                message = (_("Organisation %(value)s is outside your area of responsibility.")
                           if v["owner_code"] in self.known_orgs else _("No organisation with code %(value)s."))
                self.problem(n, "owner_code", message % {"value": v["owner_code"]})
        if v["owner_id_number"]:
            id_number = str(v["owner_id_number"]).upper()
            owner_household = self.households.get(id_number)
            if owner_household is None:
                message = (_("The household %(value)s is outside your area of responsibility.")
                           if id_number in self.known_households else _("No household with ID number %(value)s."))
                self.problem(n, "owner_id_number", message % {"value": id_number})
        if owner_organisation is None and owner_household is None and not (v["owner_code"] or v["owner_id_number"]):
            key = "owner_id_number" if v["ownership_type"] == OwnershipType.HOUSEHOLD else "owner_code"
            self.problem(n, key, _("Give the owner."))
        if v["owner_code"] and v["owner_id_number"]:
            self.problem(n, "owner_code", _("An asset is owned by an organisation or a household, not both."))
        if not _year_ok(self, n, "year_formed", v["year_formed"]):
            return
        if v["status"]:
            try:  # 四(八): 处置中 and 已处置 are set by the disposal chain only
                check_manual_change(None, {"status": v["status"]})
            except ValidationError as exc:
                self.model_errors(row, exc)
                return
        if None in (category, region, project) or not _ok(row, *v.keys()):
            return  # reported above; the model checks below need every reference
        asset = Asset(
            name=v["name"], asset_class=v["asset_class"], category=category, subcategory=v["subcategory"] or "",
            form=v["form"], region=region, project=project, year_formed=v["year_formed"],
            quantity=v["quantity"] if v["quantity"] is not None else Decimal(1), unit=v["unit"] or "项",
            valuation_basis=v["valuation_basis"], valuation_document=v["valuation_document"] or "",
            original_value=v["original_value"], appraised_value=v["appraised_value"],
            depreciation_method=v["depreciation_method"] or category.default_depreciation_method,
            useful_life_years=v["useful_life_years"] if v["useful_life_years"] is not None
            else category.default_useful_life_years,
            ownership_type=v["ownership_type"], owner_organisation=owner_organisation, owner_household=owner_household,
            status=v["status"] or "in_use", operating_mode=v["operating_mode"] or "",
            operating_entity=v["operating_entity"] or "", contract_start=v["contract_start"],
            contract_end=v["contract_end"], caretaker=v["caretaker"] or "",
            maintenance_funding=v["maintenance_funding"], remarks=v["remarks"] or "",
        )
        asset.code = v["code"] or ""  # numbered after the skipped rows are known: _number_new_assets
        asset.fill_derived()
        try:
            asset.full_clean(exclude=[*REFERENCES, *([] if asset.code else ["code"])], validate_unique=False,
                             validate_constraints=False)
        except ValidationError as exc:
            self.model_errors(row, exc)
            return
        if not self._constraints(row, asset):
            return
        lines = _funding_lines(row)
        try:
            validate_funding_total(asset.original_value, [line["amount"] for line in lines],
                                   field=_("the original value"))
        except ValidationError as exc:
            for message in exc.message_dict.get("funding_lines", []):
                self.problems.append(Problem(self.reader.title, n, str(self.reader.by_key[FUNDING_KEYS[0]].group),
                                             message))
            return
        row.record = asset
        row.extra["lines"] = lines

    def _constraints(self, row: Row, asset: Asset) -> bool:
        """The model's check constraints, in Python (one query per row and constraint otherwise)."""
        before = len(self.problems)
        if asset.quantity is not None and asset.quantity <= 0:
            self.problem(row.number, "quantity", _("The quantity must be greater than 0."))
        if asset.contract_start and asset.contract_end and asset.contract_end < asset.contract_start:
            self.problem(row.number, "contract_end", _("The contract cannot end before it starts."))
        if asset.accumulated_depreciation > asset.original_value:
            self.problem(row.number, "original_value",
                         _("Accumulated depreciation must be between 0 and the original value."))
        if asset.asset_class == AssetClass.HOUSEHOLD and asset.ownership_type != OwnershipType.HOUSEHOLD:
            self.problem(row.number, "ownership_type", _("A household asset is owned by a household."))
        return len(self.problems) == before

    @staticmethod
    def natural_key(project_id: Any, region_id: Any, year: Any, name: Any, organisation_id: Any,
                    household_id: Any) -> tuple:
        return (project_id, region_id, year, " ".join(str(name).split()), organisation_id, household_id)

    def _key(self, asset: Asset) -> tuple:
        return self.natural_key(asset.project_id, asset.region_id, asset.year_formed, asset.name,
                                asset.owner_organisation_id, asset.owner_household_id)

    def find_existing(self) -> None:
        """An asset is registered when its code is, with the same project, location, year, name
        and owner (a code with another asset behind it is an error), or, for a row without a
        code, when as many assets with that project, location, year, name and owner exist as
        the file has rows of them before this one."""
        rows = [row for row in self.rows if row.record is not None]
        fields = ["project_id", "region_id", "year_formed", "name", "owner_organisation_id", "owner_household_id"]
        by_code = {values[0]: self.natural_key(*values[1:]) for values in Asset.objects.filter(
            code__in=self.explicit_codes).values_list("code", *fields)}
        existing: Counter[tuple] = Counter()
        codes: dict[tuple, list[str]] = defaultdict(list)
        for values in Asset.objects.filter(
                project_id__in={row.record.project_id for row in rows},
                region_id__in={row.record.region_id for row in rows}).values_list(*fields, "code").order_by("code"):
            key = self.natural_key(*values[:-1])
            existing[key] += 1
            codes[key].append(values[-1])
        for row in sorted(rows, key=lambda r: (not r.values["code"], r.number)):  # rows with a code first
            key = self._key(row.record)
            code = row.values["code"]
            if code and code in by_code:
                if by_code[code] != key:
                    self.problem(row.number, "code", _("Asset code %(value)s already exists.") % {"value": code})
                    continue
                row.skip = _("Asset %(code)s is already registered; row skipped.") % {"code": code}
                existing[key] -= 1
            elif not code and existing[key] > 0:
                taken = codes[key][len(codes[key]) - existing[key]]
                existing[key] -= 1
                row.skip = _("An asset with the same project, location, year formed, name and owner is already "
                             "registered (%(code)s); row skipped.") % {"code": taken}
        self._number_new_assets()

    def _number_new_assets(self) -> None:
        """Codes ZC-<region>-<year>-NNNN for new assets without one, after the highest taken
        (and never one the file itself gives another row)."""
        next_numbers: dict[str, int] = {}
        for row in self.to_save:
            if row.values["code"]:
                continue
            asset = row.record
            prefix = f"ZC-{asset.region.code}-{asset.year_formed}-"
            if prefix not in next_numbers:
                taken = [code[len(prefix):] for code in Asset.objects.filter(code__startswith=prefix).values_list(
                    "code", flat=True)]
                next_numbers[prefix] = max((int(t) for t in taken if t.isdigit()), default=0)
            next_numbers[prefix] += 1
            while f"{prefix}{next_numbers[prefix]:04d}" in self.explicit_codes:
                next_numbers[prefix] += 1
            asset.code = f"{prefix}{next_numbers[prefix]:04d}"

    def save(self, reason: str) -> int:
        rows = self.to_save
        assets = [row.record for row in rows]
        attrs = self.history_attrs()
        created = bulk_create_with_history(assets, Asset, batch_size=BATCH_SIZE, default_user=self.user,
                                           default_change_reason=reason, custom_historical_attrs=attrs)
        lines = [AssetFundingLine(asset=asset, source=line["source"], amount=line["amount"])
                 for asset, row in zip(created, rows, strict=True) for line in row.extra["lines"]]
        bulk_create_with_history(lines, AssetFundingLine, batch_size=BATCH_SIZE, default_user=self.user,
                                 default_change_reason=reason, custom_historical_attrs=attrs)
        ids = [asset.pk for asset in created]
        inside = Asset.objects.restrict(self.user, ADD).filter(pk__in=ids).count()
        if inside != len(ids):  # NetBox's post-save check, for the whole batch
            raise PermissionDenied(_("Some records would be outside your area of responsibility."))
        return len(created)


# --- households ---------------------------------------------------------------------------------


class HouseholdImporter(Importer):
    kind = ImportKind.HOUSEHOLDS
    scope_key = "household"
    field_columns = {"village": "village_code", "township": "village_code"}

    def load_references(self) -> None:
        codes = self.values_of("village_code")
        self.villages = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self.allowed = set(regions_for(self.user, "household", ADD).filter(code__in=codes).values_list(
            "pk", flat=True))
        for row in self.rows:
            if row.values.get("id_number"):
                row.values["id_number"] = str(row.values["id_number"]).upper()
        # registered ones are skipped (same village) or become a township case (another village,
        # never told to the uploader): find_existing and save
        self.duplicates("id_number", _("ID number %(value)s is also used in row %(row)s."))

    def validate_row(self, row: Row) -> None:
        v, n = row.values, row.number
        village = self.villages.get(v["village_code"]) if v["village_code"] else None
        if v["village_code"] and village is None:
            self.problem(n, "village_code", _("No region with code %(value)s.") % {"value": v["village_code"]})
        elif village is not None and village.level != RegionLevel.VILLAGE:
            self.problem(n, "village_code", _("Choose a village."))
            village = None
        elif village is not None and village.pk not in self.allowed:
            self.problem(n, "village_code", _("Region %(value)s is outside your area of responsibility.")
                         % {"value": v["village_code"]})
            village = None
        if village is None or not _ok(row, *v.keys()):
            return
        household = Household(
            head_name=v["head_name"], id_number=v["id_number"], village=village, township_id=village.township_id,
            is_poverty_alleviated=bool(v["is_poverty_alleviated"]), is_monitored=bool(v["is_monitored"]),
            members_count=v["members_count"], phone=v["phone"] or "", address=v["address"] or "",
        )
        try:
            household.full_clean(exclude=["village", "township"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            self.model_errors(row, exc)
            return
        if household.members_count < 1:
            self.problem(n, "members_count", _("A household has at least one member."))
            return
        row.record = household

    def find_existing(self) -> None:
        """A household is registered when its ID number is, in the same village (which the
        uploader may see). The same number in another village is not looked at here."""
        rows = [row for row in self.rows if row.record is not None]
        registered = same_village_duplicates((row.record.village_id, row.record.id_number) for row in rows)
        for row in rows:
            if (row.record.village_id, row.record.id_number) in registered:
                row.skip = _("A household with this ID number is already registered in this village; row skipped.")

    def save(self, reason: str) -> int:
        households = [row.record for row in self.to_save]
        created = bulk_create_with_history(households, Household, batch_size=BATCH_SIZE, default_user=self.user,
                                           default_change_reason=reason,
                                           custom_historical_attrs=self.history_attrs())
        ids = [household.pk for household in created]
        if Household.objects.restrict(self.user, ADD).filter(pk__in=ids).count() != len(ids):
            raise PermissionDenied(_("Some records would be outside your area of responsibility."))
        register_duplicate_cases(created, acting_user=self.user)  # other villages: a case, not a refusal
        return len(created)


# --- projects -----------------------------------------------------------------------------------


class ProjectImporter(Importer):
    """Projects are few (a county library holds hundreds): each is saved through
    ``do_create_project``, with its covered regions and their history, inside the one transaction."""

    kind = ImportKind.PROJECTS
    scope_key = "project"
    field_columns = {"implementing_organisation": "implementing_code", "region": "region_code",
                     "township": "region_code", "funding_lines": "fund_" + FundingSource.values[0],
                     "covered_regions": "covered_codes"}

    def load_references(self) -> None:
        for row in self.rows:
            raw = row.values.get("covered_codes") or ""
            parts = re.split(r"[,，、;；\s]+", str(raw))
            row.extra["covered"] = [code.strip() for code in parts if code.strip()]
        codes = self.values_of("region_code") | {code for row in self.rows for code in row.extra["covered"]}
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self.allowed = set(regions_for(self.user, "project", ADD).filter(code__in=codes).values_list("pk", flat=True))
        self.visible = set(Region.objects.restrict(self.user, VIEW).filter(code__in=codes).values_list("pk", flat=True))
        org_codes = self.values_of("implementing_code")
        self.known_orgs = set(Organisation.objects.filter(code__in=org_codes).values_list("code", flat=True))
        self.organisations = {o.code: o for o in Organisation.objects.restrict(self.user, VIEW).filter(
            code__in=org_codes)}
        # a code already registered is a skip or a conflict: find_existing
        self.duplicates("code", _("Project code %(value)s is also used in row %(row)s."))

    def validate_row(self, row: Row) -> None:
        v, n = row.values, row.number
        region = self.regions.get(v["region_code"]) if v["region_code"] else None
        if v["region_code"] and region is None:
            self.problem(n, "region_code", _("No region with code %(value)s.") % {"value": v["region_code"]})
        elif region is not None and region.pk not in self.allowed:
            self.problem(n, "region_code", _("Region %(value)s is outside your area of responsibility.")
                         % {"value": v["region_code"]})
            region = None
        organisation = self.organisations.get(v["implementing_code"]) if v["implementing_code"] else None
        if v["implementing_code"] and organisation is None:
            message = (_("Organisation %(value)s is outside your area of responsibility.")
                       if v["implementing_code"] in self.known_orgs else _("No organisation with code %(value)s."))
            self.problem(n, "implementing_code", message % {"value": v["implementing_code"]})
        covered = []
        for code in row.extra["covered"]:
            target = self.regions.get(code)
            if target is None or target.pk not in self.visible:
                self.problem(n, "covered_codes", _("No region with code %(value)s.") % {"value": code})
            else:
                covered.append(target.pk)
        if not _year_ok(self, n, "year", v["year"]):
            return
        if region is None or organisation is None or not _ok(row, *v.keys()):
            return
        data = {
            "code": v["code"], "name": v["name"], "year": v["year"], "implementing_organisation": organisation,
            "region": region, "poor_households_covered": v["poor_households_covered"] or 0,
            "monitored_households_covered": v["monitored_households_covered"] or 0,
            "total_investment": v["total_investment"], "completion_date": v["completion_date"],
            "acceptance_date": v["acceptance_date"],
            "needs_final_accounts": True if v["needs_final_accounts"] is None else v["needs_final_accounts"],
            "final_accounts_done": bool(v["final_accounts_done"]), "final_accounts_amount": v["final_accounts_amount"],
            "description": v["description"] or "",
        }
        project = Project(**data)
        project.township_id = region.township_id
        try:
            project.full_clean(exclude=["implementing_organisation", "region", "township"], validate_unique=False,
                               validate_constraints=False)
        except ValidationError as exc:
            self.model_errors(row, exc)
            return
        if project.final_accounts_done and project.final_accounts_amount is None:
            self.problem(n, "final_accounts_amount",
                         _("Give the final accounts amount when the final accounts are done."))
            return
        lines = _funding_lines(row)
        try:
            validate_funding_total(project.total_investment, [line["amount"] for line in lines],
                                   field=_("the total investment"))
        except ValidationError as exc:
            for message in exc.message_dict.get("funding_lines", []):
                self.problems.append(Problem(self.reader.title, n, str(self.reader.by_key[FUNDING_KEYS[0]].group),
                                             message))
            return
        row.record = data
        row.extra.update(lines=lines, covered_ids=covered)

    @staticmethod
    def natural_key(name: Any, year: Any, organisation_id: Any) -> tuple:
        return (" ".join(str(name).split()), year, organisation_id)

    def find_existing(self) -> None:
        """A project is registered when its code is, with the same name, year and implementing
        unit (another project behind the code is an error), or when a project of that name, year
        and implementing unit is, whatever its code."""
        rows = [row for row in self.rows if row.record is not None]
        fields = ["code", "name", "year", "implementing_organisation_id"]
        by_code = {values[0]: self.natural_key(*values[1:]) for values in Project.objects.filter(
            code__in={row.record["code"] for row in rows}).values_list(*fields)}
        by_key = {self.natural_key(*values[1:]): values[0] for values in Project.objects.filter(
            name__in={row.record["name"] for row in rows}).values_list(*fields).order_by("code")}
        for row in rows:
            data = row.record
            key = self.natural_key(data["name"], data["year"], data["implementing_organisation"].pk)
            if data["code"] in by_code:
                if by_code[data["code"]] != key:
                    self.problem(row.number, "code", _("Project code %(value)s already exists.") % {
                        "value": data["code"]})
                    continue
                row.skip = _("Project %(code)s is already registered; row skipped.") % {"code": data["code"]}
            elif key in by_key:
                row.skip = _("A project with the same name, year and implementing unit is already registered "
                             "(%(code)s); row skipped.") % {"code": by_key[key]}

    def save(self, reason: str) -> int:
        for row in self.to_save:
            try:
                do_create_project(row.record, funding_lines=row.extra["lines"],
                                  covered_region_ids=row.extra["covered_ids"], acting_user=self.user, reason=reason)
            except ValidationError as exc:
                self.model_errors(row, exc)
        if self.problems:
            raise ImportRejected(self.problems)
        return len(self.to_save)


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.ASSETS: AssetImporter,
    ImportKind.HOUSEHOLDS: HouseholdImporter,
    ImportKind.PROJECTS: ProjectImporter,
}

