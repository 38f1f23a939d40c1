"""账账相符: each check finds what it should, with amounts, difference and the assets behind it,
per township and department; the pages show each user only their own township's or department's
mismatches; the nightly run is scheduled."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from assets.models import Asset, AssetCategory, Organisation, Project
from ledgers.checks import run_checks
from ledgers.choices import CheckKind
from ledgers.models import ConsistencyMismatch, ConsistencyRun
from ledgers.tasks import run_consistency_check
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def findings(run, kind: str) -> list[ConsistencyMismatch]:
    return list(run.mismatches.filter(check_kind=kind).order_by("township_id", "department_id", "pk"))


def login(world, name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def test_the_test_world_differs_only_where_projects_formed_fewer_assets_than_funded(world):
    run = run_checks(started_by=world.user("county"))

    assert run.status == "done" and run.asset_count == 8
    assert run.totals["public_benefit"] == {"count": 4, "original": "400000.00", "net": "280000.00"}
    # each village project was funded 300,000 yuan and formed two assets of 100,000 each
    funds = findings(run, CheckKind.DEPARTMENT_FUNDS)
    assert {m.project_id for m in funds} == {p.pk for p in world.projects.values()}
    for mismatch in funds:
        assert (mismatch.expected_amount, mismatch.actual_amount, mismatch.difference) == (
            Decimal("300000.00"), Decimal("200000.00"), Decimal("-100000.00"))
        assert mismatch.township_id == Project.objects.get(pk=mismatch.project_id).township_id
        assert set(mismatch.asset_ids) == set(Asset.objects.filter(project_id=mismatch.project_id).values_list(
            "pk", flat=True))
    assert run.mismatch_count == len(funds) == 4


def test_a_category_given_to_another_department_splits_township_and_department_figures(world):
    # an administrator hands drinking water to 交通运输局; the assets still carry 水利局
    transport = Organisation.objects.get(code="dept_transport")
    water = Organisation.objects.get(code="dept_water")
    AssetCategory.objects.filter(code="drinking_water").update(department=transport)
    run = run_checks()

    cells = {(m.township_id, m.department_id): m for m in findings(run, CheckKind.TOWNSHIP_DEPARTMENT)}
    for township in world.townships:
        water_assets = {a.pk for a in Asset.objects.filter(township=township, supervising_department=water)}
        by_water = cells[(township.pk, water.pk)]
        assert (by_water.actual_amount, by_water.expected_amount, by_water.difference) == (
            Decimal("0.00"), Decimal("200000.00"), Decimal("-200000.00"))
        by_transport = cells[(township.pk, transport.pk)]
        assert (by_transport.actual_amount, by_transport.expected_amount) == (Decimal("200000.00"), Decimal("0.00"))
        assert set(by_water.asset_ids) == set(by_transport.asset_ids) == water_assets
    assert len(cells) == 4


def test_assets_outside_townships_without_owner_or_valid_basis_are_listed(world):
    county_level, orphan, stale = world.assets[0][0], world.assets[1][0], world.assets[2][1]
    Asset.objects.filter(pk=county_level.pk).update(region=world.county, township=None)
    Asset.objects.filter(pk=orphan.pk).update(owner_organisation=None, ownership_type="")
    # final accounts done, the asset still valued by actual expenditure (四(三): update it)
    Project.objects.filter(pk=stale.project_id).update(final_accounts_done=True,
                                                       final_accounts_amount=Decimal("290000.00"))
    Asset.objects.filter(pk=world.assets[3][0].pk).update(original_value=Decimal("120000.00"),
                                                          net_value=Decimal("90000.00"))
    run = run_checks()

    outside = findings(run, CheckKind.SUB_LEDGER_TOWNSHIP)
    assert len(outside) == 1 and outside[0].asset_ids == [county_level.pk]
    assert outside[0].expected_amount - outside[0].actual_amount == Decimal("100000.00")
    assert [m.asset_ids for m in findings(run, CheckKind.MISSING_REGION)] == [[county_level.pk]]
    assert [m.asset_ids for m in findings(run, CheckKind.MISSING_OWNER)] == [[orphan.pk]]
    no_owner = findings(run, CheckKind.MISSING_OWNER)[0]
    assert no_owner.township_id == world.townships[0].pk and no_owner.department_id == orphan.supervising_department_id
    basis = findings(run, CheckKind.MISSING_VALUATION_BASIS)
    assert sorted(pk for m in basis for pk in m.asset_ids) == sorted(a.pk for a in world.assets[2])
    unbalanced = findings(run, CheckKind.ASSET_FUNDING)
    assert len(unbalanced) == 1 and unbalanced[0].asset_ids == [world.assets[3][0].pk]
    assert (unbalanced[0].expected_amount, unbalanced[0].actual_amount) == (Decimal("120000.00"),
                                                                             Decimal("100000.00"))


def test_pages_show_each_user_the_mismatches_of_their_township_or_department(world):
    AssetCategory.objects.filter(code="drinking_water").update(department=Organisation.objects.get(code="dept_transport"))
    county = login(world, "county")
    response = county.post("/ledgers/checks/")
    run_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert response.status_code == 302

    page = county.get(f"/ledgers/checks/{run_id}/").content.decode()
    assert "乡镇数据与行业单位数据不一致" in page and world.townships[1].name in page and "县交通运输局" in page
    township1 = login(world, "township1").get(f"/ledgers/checks/{run_id}/").content.decode()
    assert world.townships[0].name in township1 and f"<td>{world.townships[1].name}</td>" not in township1
    water = login(world, "dept_water").get(f"/ledgers/checks/{run_id}/").content.decode()
    assert "县水利局" in water and "县交通运输局</td>" not in water
    # the rows behind a mismatch, as far as the user may see them
    mismatch = ConsistencyMismatch.objects.filter(run_id=run_id, check_kind=CheckKind.TOWNSHIP_DEPARTMENT,
                                                  township=world.townships[0]).first()
    rows = login(world, "township1").get(f"/ledgers/checks/mismatches/{mismatch.pk}/").content.decode()
    assert world.assets[0][0].code in rows
    assert login(world, "township2").get(f"/ledgers/checks/mismatches/{mismatch.pk}/").status_code == 404
    # who may look, who may run
    assert login(world, "village1").get("/ledgers/checks/").status_code == 403
    assert login(world, "auditor").get("/ledgers/checks/").status_code == 200
    assert login(world, "auditor").post("/ledgers/checks/").status_code == 403
    assert login(world, "township1").post("/ledgers/checks/").status_code == 403


def test_nightly_run_is_scheduled_and_stored_without_a_user(world):
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"ledgers.run_consistency_check", "ledgers.sweep_stale_exports"} <= tasks
    run_id = run_consistency_check()
    run = ConsistencyRun.objects.get(pk=run_id)
    assert run.trigger == "nightly" and run.started_by is None and run.status == "done"


def test_checks_api_lists_runs_and_scoped_mismatches(world):
    AssetCategory.objects.filter(code="drinking_water").update(department=Organisation.objects.get(code="dept_transport"))
    run = run_checks()
    client = login(world, "township2")
    assert client.get(f"/api/ledger-checks/{run.pk}/").json()["mismatch_count"] == run.mismatch_count
    rows = client.get(f"/api/ledger-checks/{run.pk}/mismatches/").json()["results"]
    assert rows and {row["township"] for row in rows} == {world.townships[1].pk}
    assert login(world, "village1").get("/api/ledger-checks/").status_code == 403
