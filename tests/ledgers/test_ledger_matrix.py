"""The role × action matrix of the ledgers, written out by hand like tests/test_matrix.py:
every role asks for an export job, reads it and downloads its file, tries another user's job and
file, and reads the 账账相符 check runs; the rows of each file and the mismatches each role sees
are fixed sets from the test world, not ``restrict()``'s answer.

World: village 0 and 1 in township 0, village 2 and 3 in township 1; in each village a
drinking-water asset (水利局) and a workshop (商工局); here also a household asset in village 0
and village 2, and a project of 水利局 that formed less than it was funded for.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ledgers.checks import run_checks
from ledgers.exports.spec import LedgerRequest
from ledgers.exports.xlsx import write_ledger_xlsx
from ledgers.models import LedgerExportJob
from tests.ledgers.conftest import add_household_asset, codes, load
from tests.workflows.helpers import make_asset, make_project, org

pytestmark = pytest.mark.django_db

ROLES = ["admin", "county", "finance", "auditor", "dept_water", "township1", "township2", "village1", "village1b",
         "village2", "norole"]

# role: (ask for an export, see the check runs, start a check run on the web page)
LEDGER = {
    "admin": (202, 200, 302),
    "county": (202, 200, 302),
    "finance": (202, 200, 302),
    "auditor": (202, 200, 403),
    "dept_water": (202, 200, 403),
    "township1": (202, 200, 403),
    "township2": (202, 200, 403),
    "village1": (202, 403, 403),  # a village keeps its own ledger; the checks are the township's and up
    "village1b": (202, 403, 403),
    "village2": (202, 403, 403),
    "norole": (403, 403, 403),
}
# the assets of each role's scope: villages (water and workshop and household assets there), or
# "water" for 水利局: the drinking-water assets of the whole county
SCOPE = {"admin": [0, 1, 2, 3], "county": [0, 1, 2, 3], "finance": [0, 1, 2, 3], "auditor": [0, 1, 2, 3],
         "dept_water": "water", "township1": [0, 1], "township2": [2, 3], "village1": [0], "village1b": [1],
         "village2": [2]}
# the 账账相符 mismatches each role sees, by the project they are filed under: the four village
# projects (each formed 200,000 of 300,000 funded; township of the village, no single department)
# and 水利局's project (formed 200,000 of 500,000; 水利局, township 0)
MISMATCH_PROJECTS = {"admin": "all", "county": "all", "finance": "all", "auditor": "all",
                     "dept_water": ["water"], "township1": [0, 1, "water"], "township2": [2, 3]}


@pytest.fixture
def ledger_world(world):
    world.household_assets = {0: add_household_asset(world, 0), 2: add_household_asset(world, 2)}
    world.water_project = make_project(world, "XM-LEDGER-W", implementer=org("dept_water"), region=world.townships[0],
                                       covered=[world.villages[0]])
    world.water_asset = make_asset(world, world.water_project, category="drinking_water", village=world.villages[0],
                                   code="ZC-LEDGER-W")
    return world


def expected_codes(world, role: str, ledger: str) -> set[str]:
    """The asset codes a role's ledger holds, from the world's fixed data."""
    scope = SCOPE[role]
    water = [world.assets[i][0] for i in range(4)] + [world.water_asset]
    workshops = [world.assets[i][1] for i in range(4)]
    households = list(world.household_assets.items())
    if scope == "water":
        chosen = water
    else:
        chosen = [a for a in water + workshops if a.region_id in {world.villages[i].pk for i in scope}]
        chosen += [asset for index, asset in households if index in scope]
    if ledger == "department":
        chosen = [a for a in chosen if a.asset_class != "household"]
    if ledger == "household":
        chosen = [a for a in chosen if a.asset_class == "household"]
    return {a.code for a in chosen}


def api_for(world, role: str) -> APIClient:
    client = APIClient()
    client.force_login(world.users[role])
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)  # read to the end: the file is closed


@pytest.mark.parametrize("role", ROLES)
def test_export_jobs_and_their_files(ledger_world, eager_tasks, role):
    world = ledger_world
    expected = LEDGER[role]
    other = api_for(world, "county")
    theirs = other.post("/api/ledger-exports/", {"ledger": "county"}, format="json").json()["id"]
    client = api_for(world, role)
    response = client.post("/api/ledger-exports/", {"ledger": "township"}, format="json")
    assert response.status_code == expected[0], response.content
    web = Client()
    web.force_login(world.users[role])
    if expected[0] == 403:
        assert client.get("/api/ledger-exports/").status_code == 403
        assert client.get(f"/api/ledger-exports/{theirs}/").status_code == 403
        assert web.get("/ledgers/").status_code == 403
        assert web.get(f"/ledgers/exports/{theirs}/download/").status_code == 403
        return
    mine = response.json()["id"]
    # a job is private: its owner lists, reads and downloads it; nobody else, the county included
    own_jobs = [mine, theirs] if role == "county" else [mine]
    assert [row["id"] for row in client.get("/api/ledger-exports/").json()["results"]] == own_jobs
    detail = client.get(f"/api/ledger-exports/{mine}/").json()
    assert detail["status"] == "done", detail
    download = client.get(f"/api/ledger-exports/{mine}/download/")
    assert download.status_code == 200
    assert codes(load(body(download))) == expected_codes(world, role, "township")
    page = web.get(f"/ledgers/exports/{mine}/download/")
    assert page.status_code == 200 and codes(load(body(page))) == expected_codes(world, role, "township")
    if role != "county":
        assert client.get(f"/api/ledger-exports/{theirs}/").status_code == 404
        assert client.get(f"/api/ledger-exports/{theirs}/download/").status_code == 404
        assert web.get(f"/ledgers/exports/{theirs}/").status_code == 404
        assert web.get(f"/ledgers/exports/{theirs}/download/").status_code == 404
        assert web.get(f"/ledgers/exports/{theirs}/status/").status_code == 404
        assert other.get(f"/api/ledger-exports/{mine}/").status_code == 404
    assert LedgerExportJob.objects.get(pk=mine).created_by_id == world.users[role].pk


@pytest.mark.parametrize("role", [r for r in ROLES if r != "norole"])
def test_every_ledger_holds_exactly_the_roles_assets(ledger_world, role):
    for ledger in ("county", "township", "village", "department", "household"):
        buffer = io.BytesIO()
        write_ledger_xlsx(ledger_world.user(role), LedgerRequest(ledger=ledger), buffer)
        assert codes(load(buffer.getvalue())) == expected_codes(ledger_world, role, ledger), ledger


def mismatch_projects(world, role: str) -> set[int]:
    wanted = MISMATCH_PROJECTS.get(role, [])
    if wanted == "all":
        wanted = [0, 1, 2, 3, "water"]
    return {world.water_project.pk if key == "water" else world.projects[key].pk for key in wanted}


@pytest.mark.parametrize("role", ROLES)
def test_check_runs_and_the_mismatches_each_role_sees(ledger_world, role):
    world = ledger_world
    run = run_checks(started_by=world.user("county"))
    funds = run.mismatches.filter(check_kind="department_funds")
    water = funds.get(project=world.water_project)
    assert (water.department_id, water.township_id, water.difference) == (
        org("dept_water").pk, world.townships[0].pk, Decimal("-300000.00"))
    expected = LEDGER[role]
    client = api_for(world, role)
    assert client.get("/api/ledger-checks/").status_code == expected[1]
    assert client.get(f"/api/ledger-checks/{run.pk}/").status_code == expected[1]
    assert client.post("/api/ledger-checks/", {}, format="json").status_code in (403, 405)
    web = Client()
    web.force_login(world.users[role])
    assert web.get("/ledgers/checks/").status_code == expected[1]
    if expected[1] == 200:
        assert [row["id"] for row in client.get("/api/ledger-checks/").json()["results"]] == [run.pk]
        rows = client.get(f"/api/ledger-checks/{run.pk}/mismatches/").json()["results"]
        seen = {row["project"] for row in rows if row["check_kind"] == "department_funds"}
        assert seen == mismatch_projects(world, role)
        assert web.get(f"/ledgers/checks/{run.pk}/").status_code == 200
        for mismatch in funds:
            status = web.get(f"/ledgers/checks/mismatches/{mismatch.pk}/").status_code
            assert status == (200 if mismatch.project_id in mismatch_projects(world, role) else 404), mismatch
    started = web.post("/ledgers/checks/")
    assert started.status_code == expected[2]
