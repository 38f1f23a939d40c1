"""`manage.py seed_demo`: the demo county, its accounts, histories, idempotence, both writers."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.test import Client

from assets.choices import AssetClass, AssetStatus, OrganisationKind, RegionLevel, Role
from assets.demo.seeder import DEFAULT_PASSWORD, REASON, VALUATION_REASON, DemoSeeder
from assets.models import (
    Asset,
    AssetBeneficiary,
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
from assets.models.households import validate_id_number

SEEDED = [Region, Organisation, User, RoleAssignment, Household, Project, ProjectFundingLine,
          Project.covered_regions.through, Asset, AssetFundingLine, AssetBeneficiary, AssetRegistration]
ACCOUNTS = {
    "county": (Role.COUNTY_AGRI, "agri_bureau"),
    "finance": (Role.FINANCE, "finance_bureau"),
    "auditor": (Role.AUDITOR, "audit_bureau"),
    "dept_water": (Role.DEPARTMENT_STAFF, "dept_water"),
}


def seed(assets: int, **options) -> str:
    """The register part of seed_demo; the demo workflows have their own tests
    (tests/workflows/test_demo.py) and test_workflows_are_seeded_too below."""
    out = StringIO()
    options.setdefault("no_workflows", True)
    call_command("seed_demo", assets=assets, stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every seeded table and of its history table."""
    counts = {m._meta.label: m.objects.count() for m in SEEDED}
    counts |= {f"{m._meta.label} history": m.history.count() for m in SEEDED if hasattr(m, "history")}
    return counts


def logs_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


@pytest.mark.django_db
def test_seed_builds_the_county_with_history_and_is_idempotent():
    output = seed(500)
    assert "village1" in output and DEFAULT_PASSWORD in output

    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP)
    assert townships.count() >= 10 and Region.objects.filter(level=RegionLevel.VILLAGE).count() >= 150
    assert set(townships.values_list("township_kind", flat=True)) == {"xiang", "zhen", "farm"}
    for township in townships:
        assert Organisation.objects.get(code=f"twp-{township.code}").kind == OrganisationKind.TOWNSHIP_GOVERNMENT
    for village in Region.objects.filter(level=RegionLevel.VILLAGE):
        collective = Organisation.objects.get(code=f"col-{village.code}")
        assert collective.kind == OrganisationKind.VILLAGE_COLLECTIVE and collective.name.endswith("村股份经济合作社")
    assert Asset.objects.count() == 500
    assert set(Asset.objects.values_list("asset_class", flat=True)) == set(AssetClass.values)
    assert {AssetStatus.IN_USE, AssetStatus.IDLE} <= set(Asset.objects.values_list("status", flat=True))
    years = Project.objects.values_list("year", flat=True)
    assert min(years) >= 2013 and max(years) <= 2025
    assert Project.covered_regions.through.objects.values("project").annotate(n=Count("id")).filter(n__gt=1).exists()

    # households: valid IDs, both flags in use; household assets owned by households
    for id_number in Household.objects.values_list("id_number", flat=True):
        validate_id_number(id_number)
    assert Household.objects.filter(is_poverty_alleviated=True).exists()
    assert Household.objects.filter(is_monitored=True).exists()
    household_assets = Asset.objects.filter(asset_class=AssetClass.HOUSEHOLD)
    assert not household_assets.filter(owner_household__isnull=True).exists()
    assert not Asset.objects.exclude(asset_class=AssetClass.HOUSEHOLD).filter(owner_organisation__isnull=True).exists()
    assert household_assets.filter(unit="头", remarks__contains="良繁中心").exists()
    assert Asset.objects.filter(asset_class=AssetClass.OPERATING).exclude(operating_mode="").count() == \
        Asset.objects.filter(asset_class=AssetClass.OPERATING).count()
    assert not Asset.objects.filter(asset_class=AssetClass.PUBLIC_BENEFIT, caretaker="").exists()
    assert AssetBeneficiary.objects.exists() and AssetRegistration.objects.exists()

    # money: funding lines add up, for assets and projects; derived fields as the model derives them
    for value, total in Asset.objects.annotate(total=Sum("funding_lines__amount")).values_list(
            "original_value", "total"):
        assert value == total
    for investment, total in Project.objects.annotate(total=Sum("funding_lines__amount")).values_list(
            "total_investment", "total"):
        assert investment == total
    for asset in Asset.objects.select_related("region", "category"):
        stored = (asset.township_id, asset.supervising_department_id, asset.accumulated_depreciation, asset.net_value)
        asset.fill_derived()
        assert stored == (asset.township_id, asset.supervising_department_id, asset.accumulated_depreciation,
                          asset.net_value)

    # every row has history, attributed to admin with the demo reason; some assets changed later
    admin = User.objects.get(username="admin")
    assert not Asset.objects.exclude(pk__in=Asset.history.values("id")).exists()
    assert not AssetFundingLine.objects.exclude(pk__in=AssetFundingLine.history.values("id")).exists()
    assert set(Asset.history.values_list("history_user", flat=True)) == {admin.pk}
    assert set(Asset.history.filter(history_type="+").values_list("history_change_reason", flat=True)) == {REASON}
    revalued = Asset.history.filter(history_type="~", history_change_reason=VALUATION_REASON).first()
    assert revalued is not None
    change = {c.field: (c.old, c.new) for c in revalued.diff_against(revalued.prev_record).changes}
    assert change["valuation_basis"] == ("actual_expenditure", "final_accounts")
    assert change["original_value"][1] < change["original_value"][0]
    assert revalued.instance.original_value == revalued.instance.funding_lines.aggregate(s=Sum("amount"))["s"]
    assert apps.get_model("assets", "HistoricalProject_covered_regions").objects.count() == \
        Project.covered_regions.through.objects.count()

    # accounts: roles in the right organisations, password works
    assert User.objects.get(username="admin").is_superuser
    first_township = Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code").first()
    roles = {r.user.username: r for r in RoleAssignment.objects.select_related("user", "organisation__region")}
    for username, (role, org_code) in ACCOUNTS.items():
        assert (roles[username].role, roles[username].organisation.code) == (role, org_code)
    assert roles["township1"].organisation.code == f"twp-{first_township.code}"
    village1 = roles["village1"].organisation.region
    village2 = roles["village2"].organisation.region
    assert village1.township_id == first_township.pk != village2.township_id
    for username in ["admin", *roles]:
        assert logs_in(username, DEFAULT_PASSWORD), username

    # village1's village shows every class and households with livestock; dept_water has assets
    assert set(Asset.objects.filter(region=village1).values_list("asset_class", flat=True)) == set(AssetClass.values)
    assert Asset.objects.filter(region=village1, category__code="livestock", owner_household__isnull=False).exists()
    water = Asset.objects.filter(supervising_department__code="dept_water")
    assert {"drinking_water", "farm_water_infrastructure"} <= set(water.values_list("category__code", flat=True))

    # a second run changes nothing; a larger --assets tops up
    before = row_counts()
    assert "nothing (up to date)" in seed(500)
    assert row_counts() == before
    seed(600)
    after = row_counts()
    assert after["assets.Asset"] == 600
    assert after["assets.Household"] == before["assets.Household"]
    assert Asset.objects.values("code").annotate(n=Count("id")).filter(n__gt=1).count() == 0


@pytest.mark.django_db
def test_password_option_sets_the_demo_accounts_password():
    seed(0, password="Other@2026x")
    assert logs_in("village1", "Other@2026x") and logs_in("admin", "Other@2026x")
    assert not logs_in("county", DEFAULT_PASSWORD)
    # given explicitly on a later run, it is set on the existing accounts too
    seed(0, password="Third@2026y")
    assert logs_in("county", "Third@2026y")
    # without --password, existing accounts keep theirs
    seed(0)
    assert logs_in("county", "Third@2026y")


# --- the COPY writer writes what bulk_create_with_history writes ------------------------------------------


def snapshot(before: dict[type[models.Model], int]) -> dict[str, Counter]:
    """Rows added since ``before`` (max id per table), with ids made relative to the first new
    id of their table, so that two runs can be compared whatever their sequences handed out."""
    tables = {**{m: m for m in SEEDED}, **{m.history.model: m.history.model for m in SEEDED if hasattr(m, "history")}}
    m2m_history = apps.get_model("assets", "HistoricalProject_covered_regions")
    tables[m2m_history] = m2m_history
    first = {}
    for model in tables:
        pk = model._meta.pk.attname
        ids = model.objects.filter(**{f"{pk}__gt": before.get(model, 0)}).values_list(pk, flat=True)
        first[model] = min(ids, default=0)

    def relative(model: type[models.Model], value: int | None) -> object:
        if model not in first or value is None or value <= before.get(model, 0):
            return ("old", value)
        return value - first[model]

    skip = {"created_at", "updated_at", "history_date", "history_request_id"}
    histories = {m.history.model for m in SEEDED if hasattr(m, "history")}
    result: dict[str, Counter] = {}
    for model in tables:
        pk = model._meta.pk
        rows = model.objects.filter(**{f"{pk.attname}__gt": before.get(model, 0)}).values()
        found: Counter = Counter()
        for row in rows:
            items = []
            for field in model._meta.concrete_fields:
                value = row[field.attname]
                if field.attname in skip:
                    continue
                if field.primary_key:
                    value = relative(model, value)
                elif field.is_relation:
                    value = relative(field.related_model, value)
                elif field.attname == "id" and model in histories:
                    value = relative(model.instance_type, value)
                elif field.attname == "id" and model is m2m_history:
                    value = relative(Project.covered_regions.through, value)
                items.append((field.attname, value))
            found[tuple(items)] += 1
        result[model._meta.label] = found
    return result


def max_ids() -> dict[type[models.Model], int]:
    tables = list(SEEDED) + [m.history.model for m in SEEDED if hasattr(m, "history")]
    tables.append(apps.get_model("assets", "HistoricalProject_covered_regions"))
    return {m: m.objects.aggregate(top=models.Max(m._meta.pk.attname))["top"] or 0 for m in tables}


@pytest.mark.django_db
def test_copy_writer_writes_what_bulk_create_with_history_writes():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY writer needs PostgreSQL")
    before = max_ids()
    with transaction.atomic():
        DemoSeeder(target_assets=300, writer="orm").run()
        orm = snapshot(before)
        transaction.set_rollback(True)
    before = max_ids()
    result = DemoSeeder(target_assets=300, writer="copy", background=False).run()
    assert result.writer == "copy"
    copied = snapshot(before)
    assert orm["assets.Asset"] and orm["assets.HistoricalAsset"]
    # places and accounts are saved one by one either way (users differ in password salts)
    written = [label for label in orm if label.split(".")[1].removeprefix("Historical") not in
               ("Region", "Organisation", "User", "RoleAssignment")]
    assert len(written) == 16  # 8 tables, 7 history tables, the covered_regions m2m history
    for label in written:
        assert copied[label] == orm[label], label


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copy_writer_in_a_background_thread():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY writer needs PostgreSQL")
    output = seed(300, writer="copy", batch_size=50)
    assert "copy writer" in output
    assert Asset.objects.count() == 300
    assert Asset.history.filter(history_type="+").count() == 300
    assert not Asset.objects.annotate(total=Sum("funding_lines__amount")).exclude(
        original_value=models.F("total")).exists()
    assert Asset.history.values("history_request_id").distinct().count() == 1
    before = row_counts()
    seed(300, writer="copy")
    assert row_counts() == before


def test_copy_writer_refused_without_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("runs on SQLite")
    with pytest.raises(CommandError):
        seed(10, writer="copy")


def test_workflows_are_seeded_too(db):
    """Without --no-workflows, every demo inbox has work (transfers and disposals in every state)."""
    from disposals.models import Disposal
    from transfers.models import Transfer

    output = seed(200, no_workflows=False)
    assert "committee" in output
    assert Transfer.objects.exists() and Disposal.objects.exists()
    assert len(set(Transfer.objects.values_list("status", flat=True))) > 2
    second = seed(200, no_workflows=False)
    assert "nothing (up to date)" in second
