"""Builds (and tops up) the demo county: places, accounts, households, projects and assets.

Deterministic: every household and every project draws from its own random generator seeded
by (seed, its index), so a run with a larger ``target_assets`` continues the same stream that a
smaller run started, and a repeated run finds everything in place and writes nothing.

Scale: projects and their assets are generated as a stream of plain rows (dicts of column
values; model instances cost more to build than the rest of the work) and written in batches,
one transaction each, so memory stays bounded. Every row gets its history row, attributed to
``admin`` with the reason 演示数据, through simple-history's ``bulk_create_with_history`` or, for
large loads on PostgreSQL, the same rows by COPY (assets/demo/writers.py). Later changes (the
final accounts arriving, the yearly inventory finding an asset idle) are real UPDATEs with "~"
history rows, so histories are not all single rows.
"""

from __future__ import annotations

import datetime
import math
import queue
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.db import connection, connections, models, transaction
from django.db.models import Count
from django.utils import timezone

from assets.choices import (
    AssetForm,
    AssetStatus,
    DepreciationMethod,
    OperatingMode,
    OrganisationKind,
    OwnershipType,
    RegionLevel,
    RegistrationSystem,
    Role,
    ValuationBasis,
)
from assets.demo import catalogue
from assets.demo.catalogue import CENT, Variant, weighted
from assets.demo.names import TOWNSHIPS, firm_name, person_name, phone_number, village_names
from assets.demo.writers import OrmWriter, Row, writer_for
from assets.history import change_context
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
from assets.models.households import id_number_check_digit
from assets.valuation import depreciation_to_date

REASON = "演示数据"
VALUATION_REASON = "竣工财务决算完成：原值由实际列支金额调整为决算金额"
IDLE_REASON = "年度清产核资：发现资产闲置"
DAMAGED_REASON = "年度清产核资：发现资产损坏"
DEFAULT_PASSWORD = "Demo@2026"
DEFAULT_SEED = 2026
DEFAULT_ASSETS = 20_000
PROJECT_CODE = re.compile(r"^XM-\d{4}-(\d{6})$")
# Households: about one per eight assets, at least MIN_HOUSEHOLDS in every village.
HOUSEHOLDS_PER_ASSET = 0.12
MIN_HOUSEHOLDS = 12
LAST_YEAR = 2025  # the demo register runs to the end of 2025

KIND_WEIGHTS = {"household": 15, "village_operating": 30, "village_public": 22, "department": 23,
                "township_operating": 10}
OPERATING_MODES = {OperatingMode.SELF_OPERATED: 3, OperatingMode.CONTRACTED: 3, OperatingMode.LEASED: 3,
                   OperatingMode.COOPERATIVE: 1, OperatingMode.ENTRUSTED: 1}
REGISTRATION_PREFIX = {RegistrationSystem.STATE_ASSET_SYSTEM: "GY", RegistrationSystem.COLLECTIVE_PLATFORM: "JT",
                       RegistrationSystem.REVITALIZATION_SYSTEM: "FP"}
HOUSEHOLD_PROJECT_LABELS = {"livestock": "脱贫户牛羊养殖到户项目", "animal_pen": "脱贫户棚圈建设项目",
                            "courtyard_economy": "庭院经济发展项目", "other_household": "小型农机具到户项目"}


@dataclass
class Place:
    region: Region
    organisation: Organisation  # township government or village collective
    township: Region
    villages: list[Place] = field(default_factory=list)  # a township's villages

    @property
    def name(self) -> str:
        return self.region.name


@dataclass
class Account:
    username: str
    role: str
    organisation: Organisation | None
    scope: str


@dataclass
class Batch:
    projects: list[Row] = field(default_factory=list)
    project_lines: list[Row] = field(default_factory=list)
    covered: list[Row] = field(default_factory=list)
    assets: list[Row] = field(default_factory=list)
    asset_lines: list[Row] = field(default_factory=list)
    beneficiaries: list[Row] = field(default_factory=list)
    registrations: list[Row] = field(default_factory=list)
    # asset, its funding lines, the original value once the final accounts arrive, document
    revaluations: list[tuple[Row, list[Row], Decimal, str]] = field(default_factory=list)
    # asset, the status the yearly inventory finds
    status_changes: list[tuple[Row, str]] = field(default_factory=list)


@dataclass
class SeedResult:
    accounts: list[Account]
    created: Counter
    totals: dict[str, int]
    seconds: float
    writer: str


def derive_asset(row: Row, region: Region, category: AssetCategory, today: datetime.date) -> None:
    """What ``Asset.fill_derived`` sets, for a row that is not a model instance (the test suite
    checks both agree on every seeded asset)."""
    row["township_id"] = region.township_id
    row["supervising_department_id"] = category.department_id
    if row.get("appraised_value") is not None:
        row["accumulated_depreciation"] = Decimal("0.00")
        row["net_value"] = row["appraised_value"]
    else:
        accumulated = depreciation_to_date(SimpleNamespace(**row), today)
        row["accumulated_depreciation"] = accumulated
        row["net_value"] = row["original_value"] - accumulated


class DemoSeeder:
    def __init__(self, *, target_assets: int = DEFAULT_ASSETS, seed: int = DEFAULT_SEED,
                 password: str | None = None, admin_password: str | None = None,
                 must_change_password: bool = False, batch_size: int = 5000, writer: str = "auto",
                 background: bool | None = None, progress: Callable[[str], None] | None = None) -> None:
        self.target_assets = target_assets
        self.seed = seed
        self.password = password or DEFAULT_PASSWORD
        self.password_given = password is not None
        # production (seed_demo --allow-production): the admin gets a password of its own, and the
        # accounts made with the shared demo password must change it at their first login
        self.admin_password = admin_password
        self.must_change_password = must_change_password
        self.batch_size = batch_size
        self.writer_choice = writer
        self.background = background  # None: write in a second thread with the COPY writer
        self.progress = progress or (lambda message: None)
        self.created: Counter = Counter()
        self.today = datetime.date.today()

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> SeedResult:
        started = time.monotonic()
        with transaction.atomic():
            self.admin = self._admin()
        with change_context(self.admin, REASON) as ctx:
            self.history_attrs = {"history_request_id": ctx.request_id}
            self.writer: OrmWriter = writer_for(
                self.writer_choice, planned=self.target_assets - Asset.objects.count(), user=self.admin,
                reason=REASON, history_attrs=self.history_attrs)
            with transaction.atomic():
                self._load_reference()
                self._places()
                accounts = self._accounts()
            self._households()
            self._projects_and_assets()
        totals = {
            "townships": Region.objects.filter(level=RegionLevel.TOWNSHIP).count(),
            "villages": Region.objects.filter(level=RegionLevel.VILLAGE).count(),
            "households": Household.objects.count(),
            "projects": Project.objects.count(),
            "assets": Asset.objects.count(),
        }
        return SeedResult(accounts, self.created, totals, time.monotonic() - started, self.writer.name)

    def _insert(self, rows: list[Row], model: type[models.Model], *, history: bool = True) -> None:
        if rows:
            self.created[model._meta.model_name] += len(rows)
            self.writer.insert(rows, model, history=history)

    # --- reference data, places, accounts -------------------------------------------------------

    def _admin(self) -> User:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", password=self.admin_password or self.password,
                                                  full_name="系统管理员")
            # the first account cannot have been created by anyone: attribute it to itself
            User.history.filter(id=admin.pk).update(history_user=admin, history_change_reason=REASON)
            self.created["user"] += 1
        elif not admin.is_superuser or not admin.is_staff:
            with change_context(admin, REASON):
                admin.is_superuser = admin.is_staff = True
                admin.save()
        return admin

    def _load_reference(self) -> None:
        self.county = Region.objects.get(level=RegionLevel.COUNTY)
        self.categories = {c.code: c for c in AssetCategory.objects.all()}
        missing = {code for code in catalogue.CATALOGUE if code not in self.categories}
        if missing:
            raise RuntimeError(f"Asset categories missing (reference data migration not applied?): {sorted(missing)}")
        self.organisations = {o.code: o for o in Organisation.objects.filter(region=self.county)}

    def _places(self) -> None:
        """Townships, villages and their organisations, created where their codes are missing."""
        prefix = self.county.code
        regions = {r.code: r for r in Region.objects.filter(code__startswith=prefix)}
        organisations = {o.code: o for o in Organisation.objects.filter(code__regex=r"^(twp|col)-")}
        names = village_names(self.seed)
        self.townships: list[Place] = []
        for spec in TOWNSHIPS:
            code = prefix + spec.code[6:]
            township = regions.get(code) or self._region(code, spec.name, RegionLevel.TOWNSHIP, self.county,
                                                         township_kind=spec.kind)
            government = organisations.get(f"twp-{code}") or self._organisation(
                f"twp-{code}", spec.government, OrganisationKind.TOWNSHIP_GOVERNMENT, township,
                short_name=spec.name)
            place = Place(township, government, township)
            for number, name in enumerate(names[spec.code]):
                village_code = f"{code}{200 + number:03d}"
                village = regions.get(village_code) or self._region(village_code, name, RegionLevel.VILLAGE, township)
                collective = organisations.get(f"col-{village_code}") or self._organisation(
                    f"col-{village_code}", f"{spec.name}{name}股份经济合作社", OrganisationKind.VILLAGE_COLLECTIVE,
                    village, short_name=f"{name}合作社")
                place.villages.append(Place(village, collective, township))
            self.townships.append(place)
        self.villages = [village for township in self.townships for village in township.villages]
        self.township_of = {v.region.pk: t for t in self.townships for v in t.villages}
        self.village1, self.village2 = self.townships[0].villages[0], self.townships[1].villages[0]

    def _region(self, code: str, name: str, level: str, parent: Region, **extra: Any) -> Region:
        region = Region(code=code, name=name, level=level, parent=parent, **extra)
        region.save()
        self.created["region"] += 1
        return region

    def _organisation(self, code: str, name: str, kind: str, region: Region, **extra: Any) -> Organisation:
        organisation = Organisation.objects.create(code=code, name=name, kind=kind, region=region, **extra)
        self.created["organisation"] += 1
        return organisation

    def _accounts(self) -> list[Account]:
        first, second = self.townships[0], self.townships[1]
        village1, village2 = self.village1, self.village2
        water = self.organisations["dept_water"]
        water_categories = "、".join(c.name for c in self.categories.values() if c.department_id == water.pk)
        wanted = [
            ("county", Role.COUNTY_AGRI, self.organisations["agri_bureau"], "county-wide"),
            ("finance", Role.FINANCE, self.organisations["finance_bureau"], "county-wide"),
            ("auditor", Role.AUDITOR, self.organisations["audit_bureau"], "county-wide, read-only"),
            ("dept_water", Role.DEPARTMENT_STAFF, water, f"categories {water_categories}, county-wide"),
            ("township1", Role.TOWNSHIP_OFFICIAL, first.organisation, f"township {first.name}"),
            ("village1", Role.VILLAGE_CLERK, village1.organisation, f"village {first.name} {village1.name}"),
            ("village2", Role.VILLAGE_CLERK, village2.organisation, f"village {second.name} {village2.name}"),
        ]
        if self.admin_password is None:
            self._ensure_password(self.admin)
        accounts = [Account("admin", Role.ADMIN, None, "superuser: users, organisations, regions")]
        for username, role, organisation, scope in wanted:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username, password=self.password,
                                                full_name=f"{organisation.name}（演示）",
                                                must_change_password=self.must_change_password)
                self.created["user"] += 1
            else:
                self._ensure_password(user)
            _, made = RoleAssignment.objects.get_or_create(user=user, role=role, organisation=organisation)
            if made:
                self.created["roleassignment"] += 1
            accounts.append(Account(username, role, organisation, scope))
        return accounts

    def _ensure_password(self, user: User) -> None:
        """An explicit --password is applied to existing accounts; otherwise they are left alone."""
        if self.password_given and not user.check_password(self.password):
            user.set_password(self.password)
            user.must_change_password = self.must_change_password
            user.save()
            self.created["password"] += 1

    # --- households ---------------------------------------------------------------------------

    def _households(self) -> None:
        per_village = max(MIN_HOUSEHOLDS, math.ceil(self.target_assets * HOUSEHOLDS_PER_ASSET / len(self.villages)))
        existing = dict(Household.objects.values_list("village_id").annotate(n=Count("id")))
        pending: list[Row] = []
        for index, village in enumerate(self.villages):
            for number in range(existing.get(village.region.pk, 0), per_village):
                pending.append(self._household(index, village, number))
                if len(pending) >= self.batch_size:
                    self._write_households(pending)
                    pending = []
        self._write_households(pending)
        # (pk, head of household) per village: everyone, and 脱贫户/监测对象 who get household assets first
        self.everyone: dict[int, list[tuple[int, str]]] = {v.region.pk: [] for v in self.villages}
        self.supported: dict[int, list[tuple[int, str]]] = {v.region.pk: [] for v in self.villages}
        rows = Household.objects.filter(village_id__in=self.everyone).order_by("pk").values_list(
            "pk", "village_id", "head_name", "is_poverty_alleviated", "is_monitored")
        for pk, village_id, head, poor, monitored in rows.iterator(chunk_size=10_000):
            self.everyone[village_id].append((pk, head))
            if poor or monitored:
                self.supported[village_id].append((pk, head))
        for village_id, supported in self.supported.items():
            if not supported:
                supported.extend(self.everyone[village_id])

    def _household(self, village_index: int, village: Place, number: int) -> Row:
        rng = random.Random(f"{self.seed}-hh-{village.region.code}-{number}")
        poor = rng.random() < 0.7
        return {
            "head_name": person_name(rng),
            "id_number": self._id_number(village_index, number),
            "village_id": village.region.pk,
            "township_id": village.township.pk,
            "is_poverty_alleviated": poor,
            "is_monitored": rng.random() < (0.08 if poor else 0.12),
            "members_count": rng.choices(range(1, 9), weights=(4, 8, 12, 20, 20, 16, 10, 6))[0],
            "phone": phone_number(rng) if rng.random() < 0.75 else "",
            "address": f"{village.township.name}{village.name}{rng.randint(1, 8)}组{rng.randint(1, 80)}号",
        }

    def _id_number(self, village_index: int, number: int) -> str:
        """A unique, valid resident ID (GB 11643): county code, birth date, sequence, check digit.

        (village, number) maps one-to-one onto (birth date, sequence) through a permutation of
        17,136,000 slots (51 years x 12 months x 28 days x 1000), so no two demo households
        share a number and neighbours do not share a birthday."""
        slots = 51 * 12 * 28 * 1000
        # multiplying by a number prime to ``slots`` (about 0.618 x slots) permutes the slots
        slot = (village_index * 60_000 + number) * 10_590_049 % slots
        day_index, sequence = divmod(slot, 1000)
        year, rest = divmod(day_index, 12 * 28)
        month, day = divmod(rest, 28)
        first17 = f"{self.county.code[:6]}{1950 + year}{month + 1:02d}{day + 1:02d}{sequence:03d}"
        return first17 + id_number_check_digit(first17)

    def _write_households(self, rows: list[Row]) -> None:
        if not rows:
            return
        taken = set(Household.objects.filter(id_number__in=[h["id_number"] for h in rows])
                    .values_list("id_number", flat=True))
        with transaction.atomic():
            self._insert([h for h in rows if h["id_number"] not in taken], Household)

    # --- projects and assets ------------------------------------------------------------------

    def _projects_and_assets(self) -> None:
        have = Asset.objects.count()
        todo = self.target_assets - have
        if todo <= 0:
            return
        indexes = [int(m.group(1)) for code in Project.objects.filter(code__startswith="XM-")
                   .values_list("code", flat=True).iterator(chunk_size=20_000) if (m := PROJECT_CODE.match(code))]
        index = max(indexes, default=-1) + 1
        self.code_counters: Counter = Counter()
        self.check_codes = have > 0  # on a top-up, codes entered by users may be in the way
        if have:
            for region_id, year, n in Asset.objects.values_list("region_id", "year_formed").annotate(n=Count("id")):
                self.code_counters[(region_id, year)] = n
        self.progress(f"  writing {todo:,} assets with the {self.writer.name} writer")
        self.written, self.started = 0, time.monotonic()
        self.shown, self.have = 0.0, have
        # With COPY the database's work (indexes, foreign-key checks at commit) is the larger
        # half: a second thread writes one batch while this one generates the next.
        background = self.writer.name == "copy" if self.background is None else self.background
        sink = BackgroundFlusher(self._flush) if background else None
        try:
            done, batch = 0, Batch()
            while done < todo:
                done += self._project(index, batch, todo - done)
                index += 1
                if len(batch.assets) >= self.batch_size or done >= todo:
                    if self.check_codes:
                        self._avoid_taken_codes(batch.assets)
                    if sink:
                        sink.put(batch)
                    else:
                        self._flush(batch)
                    batch = Batch()
        finally:
            if sink:
                sink.close()

    def _flush(self, batch: Batch) -> None:
        with transaction.atomic():
            self._insert(batch.projects, Project)
            for child in (*batch.project_lines, *batch.covered, *batch.assets):
                child["project_id"] = child["_project"]["id"]
            self._insert(batch.project_lines, ProjectFundingLine)
            self._write_covered(batch.covered)
            self._insert(batch.assets, Asset)
            for child in (*batch.asset_lines, *batch.beneficiaries, *batch.registrations):
                child["asset_id"] = child["_asset"]["id"]
            self._insert(batch.asset_lines, AssetFundingLine)
            self._insert(batch.beneficiaries, AssetBeneficiary)
            self._insert(batch.registrations, AssetRegistration)
            self._record_revaluations(batch.revaluations)
            self._record_status_changes(batch.status_changes)
        self.written += len(batch.assets)
        elapsed = time.monotonic() - self.started
        if elapsed - self.shown >= 5 or self.have + self.written >= self.target_assets:
            self.shown = elapsed
            self.progress(f"  assets {self.have + self.written:>10,} / {self.target_assets:,}   "
                          f"{self.written / max(elapsed, 1e-9):>8,.0f}/s   {elapsed:6.1f} s")

    def _write_covered(self, covered: list[Row]) -> None:
        """covered_regions rows, and their m2m history rows beside each project's "+" history row
        (bulk inserts write no m2m history by themselves)."""
        if not covered:
            return
        self._insert(covered, Project.covered_regions.through, history=False)
        m2m = apps.get_model("assets", "HistoricalProject_covered_regions")._meta
        through = Project.covered_regions.through._meta
        history = Project.history.model._meta
        request_id = history.get_field("history_request_id").get_db_prep_value(
            self.history_attrs["history_request_id"], connection)
        project_ids = [row["project_id"] for row in covered]
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {q(m2m.db_table)} (id, history_id, project_id, region_id) "
                f"SELECT t.id, h.history_id, t.project_id, t.region_id FROM {q(through.db_table)} t "
                f"JOIN {q(history.db_table)} h ON h.id = t.project_id "
                "WHERE t.project_id BETWEEN %s AND %s AND h.history_type = '+' AND h.history_request_id = %s",
                [min(project_ids), max(project_ids), request_id])

    def _avoid_taken_codes(self, assets: list[Row]) -> None:
        """Renumber assets whose code someone already used; a renumbered code is past every code
        issued so far for its region and year, so it cannot clash inside the batch."""
        while taken := set(Asset.objects.filter(code__in=[a["code"] for a in assets]).values_list("code", flat=True)):
            for asset in assets:
                if asset["code"] in taken:
                    asset["code"] = self._next_code(asset["_region"], asset["year_formed"])

    def _record_revaluations(self, revaluations: list[tuple[Row, list[Row], Decimal, str]]) -> None:
        """The final accounts arrive: the original value becomes the final-accounts amount, as a
        recorded change (四(三)), and the biggest funding line absorbs the difference."""
        if not revaluations:
            return
        now = timezone.now()
        assets, lines = [], []
        for asset, funding, value, document in revaluations:
            biggest = max(funding, key=lambda line: line["amount"])
            biggest["amount"] -= asset["original_value"] - value
            lines.append(biggest)
            asset.update(original_value=value, valuation_basis=ValuationBasis.FINAL_ACCOUNTS,
                         valuation_document=document, updated_at=now)
            derive_asset(asset, asset["_region"], asset["_category"], self.today)
            assets.append(asset)
        self._update(Asset, assets, ["original_value", "valuation_basis", "valuation_document",
                                     "accumulated_depreciation", "net_value", "updated_at"], VALUATION_REASON)
        self._update(AssetFundingLine, lines, ["amount"], VALUATION_REASON)

    def _record_status_changes(self, changes: list[tuple[Row, str]]) -> None:
        """The yearly inventory finds assets idle or damaged."""
        now = timezone.now()
        for status, reason in ((AssetStatus.IDLE, IDLE_REASON), (AssetStatus.DAMAGED, DAMAGED_REASON)):
            assets = [asset for asset, new in changes if new == status]
            for asset in assets:
                asset.update(status=status, updated_at=now)
            self._update(Asset, assets, ["status", "updated_at"], reason)

    def _update(self, model: type[models.Model], rows: list[Row], fields: list[str], reason: str) -> None:
        """What ``bulk_update_with_history`` does (UPDATE, then "~" history rows), with one
        UPDATE ... FROM (VALUES ...) per chunk instead of Django's CASE WHEN per field and row,
        which is slow to build."""
        if not rows:
            return
        q = connection.ops.quote_name
        table = q(model._meta.db_table)
        columns = [model._meta.get_field(name) for name in fields]
        postgres = connection.vendor == "postgresql"
        cells = ", ".join(["%s"] + [f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s" for f in columns])
        names = ", ".join(q(f.column) for f in columns)
        assignments = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in columns)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                chunk = rows[start:start + 500]
                params = [p for row in chunk for p in [row["id"], *(
                    f.get_db_prep_save(row[f.attname], connection) for f in columns)]]
                cursor.execute(f"WITH v (id, {names}) AS (VALUES {', '.join(f'({cells})' for _ in chunk)}) "
                               f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id", params)
        self.writer.record_changes(rows, model, reason=reason)
        self.created[f"{model._meta.model_name} change"] += len(rows)

    # --- one project --------------------------------------------------------------------------

    def _project(self, index: int, batch: Batch, room: int) -> int:
        """Draft project ``index`` with at most ``room`` assets into ``batch``; return the asset count."""
        rng = random.Random(self.seed * 1_000_003 + index)
        kind, township, village, extra = self._pick(index, rng)
        year = weighted(rng, catalogue.YEAR_WEIGHTS)
        draft = ProjectDraft(self, rng, index, year, township, village)
        getattr(draft, kind)(**extra)
        return draft.emit(batch, room)

    def _pick(self, index: int, rng: random.Random) -> tuple[str, Place, Place | None, dict]:
        """The first projects put a bit of everything into the demo accounts' villages; the rest
        are spread over the county."""
        first, second = self.townships[0], self.townships[1]
        v1, v2 = self.village1, self.village2
        showcase = [
            ("village_operating", first, v1, {"category": "workshop"}),
            ("department", first, v1, {"department": "dept_water", "category": "drinking_water"}),
            ("household", first, v1, {"category": "livestock"}),
            ("village_operating", first, v1, {"category": "cold_store"}),
            ("village_public", first, v1, {"category": "public_welfare_facility"}),
            ("department", first, v1, {"department": "dept_water", "category": "farm_water_infrastructure"}),
            ("household", first, v1, {"category": "animal_pen"}),
            ("village_operating", second, v2, {"category": "facility_agriculture"}),
            ("household", second, v2, {"category": "livestock"}),
            ("department", second, v2, {"department": "dept_transport", "category": "rural_road"}),
            ("village_operating", first, v1, {"category": "cooperative"}),
            ("township_operating", first, None, {"category": "breeding_center"}),
            ("department", second, v2, {"department": "dept_water", "category": "drinking_water"}),
        ]
        if index < len(showcase):
            return showcase[index]
        kind = weighted(rng, KIND_WEIGHTS)
        village = rng.choice(self.villages)
        return kind, self.township_of[village.region.pk], village, {}

    def _next_code(self, region: Region, year: int) -> str:
        """ZC-<region code>-<year>-<n>, the format of assets.actions.next_asset_code."""
        key = (region.pk, year)
        self.code_counters[key] += 1
        return f"ZC-{region.code}-{year}-{self.code_counters[key]:04d}"


class BackgroundFlusher:
    """Runs ``flush`` on batches in a second thread, with its own database connection. At most
    one batch waits, so memory stays bounded; the first error stops the run."""

    def __init__(self, flush: Callable[[Batch], None]) -> None:
        self.flush = flush
        self.queue: queue.Queue[Batch | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-writer", daemon=True)
        self.thread.start()

    def put(self, batch: Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:  # after an error, keep draining so that put() never blocks
                    try:
                        self.flush(batch)
                    except BaseException as exc:
                        self.error = exc
        finally:
            connections.close_all()  # this thread's connection


@dataclass
class AssetDraft:
    row: Row
    lines: list[Row]
    beneficiaries: list[int] = field(default_factory=list)
    registrations: list[Row] = field(default_factory=list)
    final_value: Decimal | None = None  # set when the final accounts arrive later
    new_status: str | None = None


class ProjectDraft:
    """One project and the assets it formed, drawn from the project's own generator."""

    def __init__(self, seeder: DemoSeeder, rng: random.Random, index: int, year: int,
                 township: Place, village: Place | None) -> None:
        self.s, self.rng, self.index, self.year = seeder, rng, index, year
        self.township, self.village = township, village
        self.assets: list[AssetDraft] = []
        self.covered: list[Place] = [village] if village else []
        self.recipients = 0
        self.needs_final_accounts = True
        done_share = {2023: 0.7, 2024: 0.4, 2025: 0.1}.get(year, 0.92)
        self.final_accounts_done = rng.random() < done_share

    # kinds of project ---------------------------------------------------------------------------

    def village_operating(self, category: str | None = None) -> None:
        village = self.village
        items = [category] if category else [weighted(self.rng, catalogue.VILLAGE_OPERATING)
                                             for _ in range(self.rng.choice((1, 1, 1, 2)))]
        self.implementer, self.region = village.organisation, village.region
        variants = [self.rng.choice(catalogue.CATALOGUE[code]) for code in items]
        for code, variant in zip(items, variants, strict=True):
            self._operating(code, variant, village.region, village.organisation, OwnershipType.COLLECTIVE,
                            f"{village.name}{variant.label}", self._beneficiaries([village], 2, 6))
        self.name = f"{self.year}年{self.township.name}{village.name}{variants[0].subcategory}建设项目"

    def township_operating(self, category: str | None = None) -> None:
        code = category or weighted(self.rng, catalogue.TOWNSHIP_OPERATING)
        variant = self.rng.choice(catalogue.CATALOGUE[code])
        self.covered = self._villages_of_township(2, 5)
        self.implementer, self.region = self.township.organisation, self.township.region
        if self.rng.random() < 0.5:
            owner, ownership, remarks = self.township.organisation, OwnershipType.STATE, ""
        else:
            lead = self.covered[0]
            owner, ownership = lead.organisation, OwnershipType.COLLECTIVE
            remarks = f"跨村项目：按投资比例量化到{len(self.covered)}个村，由{lead.name}股份经济合作社持有"
        draft = self._operating(code, variant, self.township.region, owner, ownership,
                                f"{self.township.name}{variant.label}", self._beneficiaries(self.covered, 3, 8))
        draft.row["remarks"] = remarks
        self.name = f"{self.year}年{self.township.name}{variant.label}建设项目（{len(self.covered)}个村）"

    def village_public(self, category: str | None = None) -> None:
        village = self.village
        code = category or weighted(self.rng, catalogue.VILLAGE_PUBLIC)
        by_township = self.rng.random() < 0.3
        self.implementer = self.township.organisation if by_township else village.organisation
        self.region = village.region
        variant = self.rng.choice(catalogue.CATALOGUE[code])
        ownership = OwnershipType.STATE if by_township else OwnershipType.COLLECTIVE
        self._public(code, variant, village.region, self.implementer, ownership, f"{village.name}{variant.label}")
        self.name = f"{self.year}年{self.township.name}{village.name}{variant.label}项目"

    def department(self, department: str | None = None, category: str | None = None) -> None:
        department = department or weighted(self.rng, catalogue.DEPARTMENT_WEIGHTS)
        code = category or weighted(self.rng, catalogue.DEPARTMENT_WORKS[department])
        variant = self.rng.choice(catalogue.CATALOGUE[code])
        self.covered = self._villages_of_township(2, 6)
        self.implementer, self.region = self.s.organisations[department], self.township.region
        handed = self.rng.random()
        for village in self.covered:
            # public-benefit assets belong to the implementing level unless handed over (四(四))
            if handed < 0.5:
                owner, ownership = self.implementer, OwnershipType.STATE
            elif handed < 0.75:
                owner, ownership = self.township.organisation, OwnershipType.STATE
            else:
                owner, ownership = village.organisation, OwnershipType.COLLECTIVE
            self._public(code, variant, village.region, owner, ownership, f"{village.name}{variant.label}")
        category_name = self.s.categories[code].name
        self.name = f"{self.year}年{self.township.name}{category_name}工程（{len(self.covered)}个村）"

    def household(self, category: str | None = None) -> None:
        code = category or weighted(self.rng, catalogue.HOUSEHOLD_ITEMS)
        self.needs_final_accounts = self.final_accounts_done = False
        if self.village is not None and (category or self.rng.random() < 0.4):
            self.covered = [self.village]
            self.implementer, self.region = self.township.organisation, self.village.region
        else:
            self.covered = self._villages_of_township(1, 3)
            self.implementer, self.region = self.township.organisation, self.township.region
        for place in self.covered:
            pool = self.s.supported[place.region.pk]
            for pk, head in self.rng.sample(pool, min(len(pool), self.rng.randint(3, 12))):
                self.recipients += 1
                self._household_item(code, place, pk, head)
                if code == "livestock" and self.rng.random() < 0.3:
                    self._household_item("animal_pen", place, pk, head)
        where = self.covered[0].name if len(self.covered) == 1 else f"{len(self.covered)}个村"
        self.name = f"{self.year}年{self.township.name}{HOUSEHOLD_PROJECT_LABELS[code]}（{where}）"

    # assets ------------------------------------------------------------------------------------

    def _new_asset(self, code: str, variant: Variant, region: Region, name: str) -> AssetDraft:
        rng = self.rng
        category = self.s.categories[code]
        quantity, cost = variant.draw(rng)
        year_formed = min(self.year + (1 if rng.random() < 0.3 else 0), LAST_YEAR)
        equity = category.default_form == AssetForm.EQUITY
        row: Row = {
            "_region": region, "_category": category,
            "name": name[:200], "asset_class": category.asset_class, "category_id": category.pk,
            "subcategory": variant.subcategory, "form": category.default_form, "region_id": region.pk,
            "year_formed": year_formed, "quantity": quantity, "unit": variant.unit, "original_value": cost,
            "depreciation_method": DepreciationMethod.NONE if equity else category.default_depreciation_method,
            "useful_life_years": None if equity else category.default_useful_life_years,
            "valuation_document": "", "appraised_value": None, "status": AssetStatus.IN_USE,
            "operating_mode": "", "operating_entity": "", "contract_start": None, "contract_end": None,
            "caretaker": "", "maintenance_funding": None, "remarks": "",
            "owner_organisation_id": None, "owner_household_id": None,
        }
        draft = AssetDraft(row, [])
        if equity:
            row["valuation_basis"] = ValuationBasis.EQUITY_AGREEMENT
        elif self.final_accounts_done and rng.random() < 0.12:
            # entered at actual expenditure; the final accounts (a little lower) arrive later
            row["valuation_basis"] = ValuationBasis.ACTUAL_EXPENDITURE
            draft.final_value = (cost * Decimal(rng.randint(920, 995)) / 1000).quantize(CENT)
        elif self.final_accounts_done:
            row["valuation_basis"] = ValuationBasis.FINAL_ACCOUNTS
            row["valuation_document"] = self._final_accounts_document()
        else:
            row["valuation_basis"] = ValuationBasis.ACTUAL_EXPENDITURE
        draft.lines = [{"_asset": row, "source": source, "amount": amount}
                       for source, amount in catalogue.split_funding(rng, cost, self.year)]
        if year_formed <= 2023 and row["form"] == AssetForm.FIXED:
            roll = rng.random()
            draft.new_status = AssetStatus.IDLE if roll < 0.04 else AssetStatus.DAMAGED if roll < 0.06 else None
        self.assets.append(draft)
        return draft

    def _final_accounts_document(self) -> str:
        return f"麦财决〔{min(self.year + 1, LAST_YEAR)}〕{self.rng.randint(1, 180)}号"

    def _operating(self, code: str, variant: Variant, region: Region, owner: Organisation, ownership: str,
                   name: str, beneficiaries: list[int]) -> AssetDraft:
        draft = self._new_asset(code, variant, region, name)
        rng, row = self.rng, draft.row
        row["owner_organisation_id"], row["ownership_type"] = owner.pk, ownership
        draft.beneficiaries = beneficiaries
        if row["form"] == AssetForm.EQUITY:
            row["operating_mode"] = rng.choice((OperatingMode.COOPERATIVE, OperatingMode.ENTRUSTED))
        else:
            row["operating_mode"] = weighted(rng, OPERATING_MODES)
        if row["operating_mode"] == OperatingMode.SELF_OPERATED:
            row["operating_entity"] = owner.name
        else:
            row["operating_entity"] = firm_name(rng)
            start = datetime.date(min(row["year_formed"] + rng.randint(0, 1), LAST_YEAR), rng.randint(1, 12), 1)
            years = rng.choices((3, 5, 8, 10, 15, 20), weights=(4, 6, 3, 3, 1, 1))[0]
            row["contract_start"] = start
            row["contract_end"] = end = start.replace(year=start.year + years) - datetime.timedelta(days=1)
            if row["form"] == AssetForm.EQUITY:
                row["remarks"] = f"入股{row['operating_entity']}，保底分红{rng.choice((5, 6, 8))}%，到期返还本金"
                if end < datetime.date(LAST_YEAR, 12, 31) and rng.random() < 0.6:
                    # the agreement ended: the net value is the appraised value (四(三))
                    row["valuation_basis"] = ValuationBasis.APPRAISAL
                    share = Decimal(rng.randint(80, 105)) / 100
                    row["appraised_value"] = (row["original_value"] * share).quantize(CENT)
                    row["valuation_document"] = f"麦评字〔{end.year + 1}〕{rng.randint(1, 60)}号"
        self._register(draft)
        return draft

    def _public(self, code: str, variant: Variant, region: Region, owner: Organisation, ownership: str,
                name: str) -> None:
        draft = self._new_asset(code, variant, region, name)
        rng, row = self.rng, draft.row
        row["owner_organisation_id"], row["ownership_type"] = owner.pk, ownership
        row["caretaker"] = person_name(rng) + ("（公益性岗位）" if rng.random() < 0.5 else "")
        if rng.random() < 0.6:
            row["maintenance_funding"] = Decimal(rng.randrange(2_000, 30_000, 500))
        self._register(draft)

    def _household_item(self, code: str, place: Place, household_id: int, head: str) -> None:
        variant = self.rng.choice(catalogue.CATALOGUE[code])
        draft = self._new_asset(code, variant, place.region, f"{head}户{variant.label}")
        row = draft.row
        row["ownership_type"], row["owner_household_id"] = OwnershipType.HOUSEHOLD, household_id
        draft.beneficiaries = [household_id]
        if variant.unit == "头" and self.rng.random() < 0.25:
            row["remarks"] = f"托养于{self.township.name}肉牛良繁中心（养殖小区），收益归农户"
        self._register(draft)

    def _register(self, draft: AssetDraft) -> None:
        """Some assets are already registered in the systems of 四(四) their ownership calls for."""
        rng, row = self.rng, draft.row
        if rng.random() > (0.7 if row["year_formed"] <= 2022 else 0.3):
            return
        systems = {OwnershipType.STATE: [RegistrationSystem.STATE_ASSET_SYSTEM],
                   OwnershipType.COLLECTIVE: [RegistrationSystem.COLLECTIVE_PLATFORM],
                   OwnershipType.HOUSEHOLD: []}[row["ownership_type"]]
        if row["ownership_type"] == OwnershipType.HOUSEHOLD or rng.random() < 0.5:
            systems.append(RegistrationSystem.REVITALIZATION_SYSTEM)
        for system in systems:
            # the national monitoring system's asset module exists since 2021
            first = 2021 if system == RegistrationSystem.REVITALIZATION_SYSTEM else 2013
            year = max(min(row["year_formed"] + 1, LAST_YEAR), first)
            draft.registrations.append({
                "_asset": row, "system": system,
                "registered_on": datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                "number": f"{REGISTRATION_PREFIX[system]}{self.s.county.code}{year}{rng.randrange(10**6):06d}",
            })

    # helpers -----------------------------------------------------------------------------------

    def _villages_of_township(self, low: int, high: int) -> list[Place]:
        villages = self.township.villages
        chosen = self.rng.sample(villages, min(len(villages), self.rng.randint(low, high)))
        if self.village is not None and self.village not in chosen:
            chosen[0] = self.village
        return sorted(chosen, key=lambda v: v.region.code)

    def _beneficiaries(self, places: list[Place], low: int, high: int) -> list[int]:
        """Households of these villages that benefit from an operating asset, 脱贫户/监测对象 first."""
        wanted = self.rng.randint(low, high)
        chosen: dict[int, None] = {}
        for _ in range(wanted * 2):
            pool = self.s.supported[self.rng.choice(places).region.pk]
            if pool:
                chosen[self.rng.choice(pool)[0]] = None
            if len(chosen) >= wanted:
                break
        return list(chosen)

    # output ------------------------------------------------------------------------------------

    def emit(self, batch: Batch, room: int) -> int:
        """Put the project and at most ``room`` of its assets into ``batch``."""
        drafts = self.assets[:room]
        rng, s = self.rng, self.s
        completion = datetime.date(min(self.year + (1 if rng.random() < 0.3 else 0), LAST_YEAR),
                                   rng.randint(5, 11), rng.randint(1, 28))
        completed = not (self.year == LAST_YEAR and rng.random() < 0.5)
        done = self.final_accounts_done and completed
        by_source: dict[str, Decimal] = {}
        for draft in drafts:
            for line in draft.lines:
                by_source[line["source"]] = by_source.get(line["source"], Decimal(0)) + line["amount"]
        project: Row = {
            "code": f"XM-{self.year}-{self.index:06d}", "name": self.name[:200], "year": self.year,
            "implementing_organisation_id": self.implementer.pk, "region_id": self.region.pk,
            "township_id": self.region.township_id,
            "total_investment": sum(by_source.values(), Decimal(0)),
            "completion_date": completion if completed else None,
            "acceptance_date": completion + datetime.timedelta(days=rng.randint(15, 90)) if completed else None,
            "needs_final_accounts": self.needs_final_accounts,
            "final_accounts_done": done,
            "final_accounts_amount": sum((d.final_value or d.row["original_value"] for d in drafts), Decimal(0))
            if done else None,
            "description": f"{self.implementer.name}实施，覆盖{len(self.covered) or 1}个村，形成资产{len(drafts)}项。",
            "poor_households_covered": self.recipients or rng.randint(10, 150),
            "monitored_households_covered": rng.randint(0, max(1, self.recipients // 5)) if self.recipients
            else rng.randint(0, 15),
        }
        batch.projects.append(project)
        for draft in drafts:
            row = draft.row
            row["_project"] = project
            row["code"] = s._next_code(row["_region"], row["year_formed"])
            derive_asset(row, row["_region"], row["_category"], s.today)
            batch.assets.append(row)
            batch.asset_lines.extend(draft.lines)
            batch.beneficiaries.extend({"_asset": row, "household_id": pk} for pk in draft.beneficiaries)
            batch.registrations.extend(draft.registrations)
            if draft.final_value is not None and done:
                batch.revaluations.append((row, draft.lines, draft.final_value, self._final_accounts_document()))
            if draft.new_status:
                batch.status_changes.append((row, draft.new_status))
        batch.project_lines.extend({"_project": project, "source": source, "amount": amount}
                                   for source, amount in by_source.items())
        batch.covered.extend({"_project": project, "region_id": place.region.pk} for place in self.covered)
        return len(drafts)
