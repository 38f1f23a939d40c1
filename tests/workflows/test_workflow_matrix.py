"""The role × action matrix of the workflows, written out by hand like tests/test_matrix.py:
every role against ownership transfers, disposals and change registrations, on a record of its
own scope and one of another scope: list (and exactly what it lists), detail, apply, and each act
of the chain (approve, return, reject, withdraw). Expected: 200/201, 400 (the thing chosen does
not exist for you), 403 (your role may not), 404 (outside your scope), 409 (not in that state).

The expectations come from 五 and 四(四)/四(八), not from the code under test. Village 0
and 1 are in township 0, village 2 in township 1. Records:

* transfer "inside": village 0's workshop (商工局 supervises workshops) to village 0's collective,
  applied for by village1 and waiting for 县委财经委员会 (committee); "outside": village 2's
  drinking-water asset (水利局), applied for by village2;
* disposal "inside": village 0's drinking-water asset, applied for by village1 and waiting for
  the township review; "outside": village 2's workshop, by village2;
* change registration "inside": damage to village 0's drinking-water asset; "outside": damage
  to village 2's workshop.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from disposals.models import Disposal
from tests.factories import PASSWORD
from tests.workflows.helpers import collective, make_asset, post, snapshot, today
from transfers.actions import do_record_change_registration
from transfers.models import ChangeRegistration, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Evidence files of a test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"

ROLES = ["admin", "county", "finance", "committee", "auditor", "dept_water", "dept_commerce", "township1",
         "township2", "village1", "village1b", "village2", "norole"]

# role: (list, detail inside, detail outside, apply for an asset of village 0)
TRANSFER = {
    "admin": (200, 200, 200, 403),
    "county": (200, 200, 200, 201),        # the county agriculture bureau may propose any transfer
    "finance": (200, 200, 200, 403),       # finance decides, never applies
    "committee": (200, 200, 200, 403),
    "auditor": (200, 200, 200, 403),
    "dept_water": (200, 404, 200, 403),    # sees the project (it formed a drinking-water asset), did not implement it
    "dept_commerce": (200, 200, 404, 403),
    "township1": (200, 200, 404, 403),
    "township2": (200, 404, 200, 400),     # the project does not exist for it
    "village1": (200, 200, 404, 201),      # the implementing unit
    "village1b": (200, 404, 404, 400),
    "village2": (200, 404, 200, 400),
    "norole": (403, 403, 403, 403),
}
DISPOSAL = {
    "admin": (200, 200, 200, 403),
    "county": (200, 200, 200, 403),        # not the collective of the asset's village
    "finance": (200, 200, 200, 403),
    "committee": (200, 200, 200, 403),
    "auditor": (200, 200, 200, 403),
    "dept_water": (200, 200, 404, 400),    # the workshop applied for is not its asset
    "dept_commerce": (200, 404, 200, 403),
    "township1": (200, 200, 404, 403),
    "township2": (200, 404, 200, 400),
    "village1": (200, 200, 404, 201),
    "village1b": (200, 404, 404, 400),     # the same township, another village: nothing of village 0
    "village2": (200, 404, 200, 400),
    "norole": (403, 403, 403, 403),
}
# role: (list, detail inside, detail outside, record damage to village 0's asset)
CHANGE_REGISTRATION = {
    "admin": (200, 200, 200, 403),
    "county": (200, 200, 200, 201),
    "finance": (200, 200, 200, 201),
    "committee": (200, 200, 200, 201),
    "auditor": (200, 200, 200, 403),
    "dept_water": (200, 200, 404, 403),
    "dept_commerce": (200, 404, 200, 403),
    "township1": (200, 200, 404, 403),
    "township2": (200, 404, 200, 403),
    "village1": (200, 200, 404, 201),
    "village1b": (200, 404, 404, 400),
    "village2": (200, 404, 200, 400),
    "norole": (403, 403, 403, 403),
}
# who decides the step the "inside" items wait for; everyone else is refused
DECIDER = {"transfer": "committee", "disposal": "township1"}
APPLICANT = "village1"


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("damage.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


def new_transfer(api, name: str, asset) -> int:
    created = post(api(name), "/api/transfers/", {
        "project": asset.project_id, "proposal": "会议意见",
        "lines": [{"asset": asset.pk, "owner_organisation": asset.owner_organisation_id}]})
    assert created.status_code == 201, created.json()
    return created.json()["id"]


def new_disposal(api, name: str, asset) -> int:
    created = post(api(name), "/api/disposals/", {"asset": asset.pk, "reason": "damage", "method": "auction",
                                                  "description": "损毁"})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    added = api(name).post(f"/api/disposals/{pk}/evidence/", {"file": photo(), "description": "照片"},
                           format="multipart")
    assert added.status_code == 201, added.json()
    return pk


def submitted(api, kind: str, name: str, asset) -> int:
    pk = new_transfer(api, name, asset) if kind == "transfer" else new_disposal(api, name, asset)
    assert post(api(name), f"/api/{kind}s/{pk}/submit/").status_code == 200
    return pk


def inside_and_outside(flow, api, kind: str) -> tuple[int, int]:
    """The two submitted items of the module docstring."""
    inside, outside = (flow.assets[0][1], flow.assets[2][0]) if kind == "transfer" else (
        flow.assets[0][0], flow.assets[2][1])
    return submitted(api, kind, "village1", inside), submitted(api, kind, "village2", outside)


def listed(client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def visible(expected: tuple, inside: int, outside: int) -> set[int]:
    return {pk for pk, status in ((inside, expected[1]), (outside, expected[2])) if status == 200}


def web_client(role: str) -> Client:
    web = Client()
    assert web.login(username=role, password=PASSWORD)
    return web


def read_matrix(api, kind: str, inside: int, outside: int) -> tuple[dict, dict]:
    """Each role's (list, detail inside, detail outside) statuses and exactly what its list holds."""
    got, lists = {}, {}
    for role in ROLES:
        client = api(role)
        got[role] = (client.get(f"/api/{kind}/").status_code, client.get(f"/api/{kind}/{inside}/").status_code,
                     client.get(f"/api/{kind}/{outside}/").status_code)
        if got[role][0] == 200:
            lists[role] = listed(client, f"/api/{kind}/")
    return got, lists


def test_transfers(flow, api):
    """One world, every role (a dict per column, so that a failure shows every role's answer)."""
    inside, outside = inside_and_outside(flow, api, "transfer")
    got, lists = read_matrix(api, "transfers", inside, outside)
    assert got == {role: expected[:3] for role, expected in TRANSFER.items()}
    assert lists == {role: visible(TRANSFER[role], inside, outside) for role in lists}
    pages = {role: (web_client(role).get("/transfers/").status_code,
                    web_client(role).get(f"/transfers/{inside}/").status_code) for role in ROLES}
    assert pages == {role: expected[:2] for role, expected in TRANSFER.items()}
    water = flow.assets[0][0]  # village 0's workshop is in the open transfer already
    applied = {}
    for role in ROLES:
        client = api(role)
        response = post(client, "/api/transfers/", {
            "project": water.project_id, "proposal": "会议意见",
            "lines": [{"asset": water.pk, "owner_organisation": water.owner_organisation_id}]})
        applied[role] = response.status_code
        if response.status_code == 201:  # withdrawn again, so that the next role may apply too
            assert post(client, f"/api/transfers/{response.json()['id']}/withdraw/").status_code == 200
    assert applied == {role: expected[3] for role, expected in TRANSFER.items()}
    assert set(Transfer.objects.filter(lines__asset=water).values_list("created_by__username", flat=True)) == {
        role for role, expected in TRANSFER.items() if expected[3] == 201}


def test_disposals(flow, api):
    inside, outside = inside_and_outside(flow, api, "disposal")
    got, lists = read_matrix(api, "disposals", inside, outside)
    assert got == {role: expected[:3] for role, expected in DISPOSAL.items()}
    assert lists == {role: visible(DISPOSAL[role], inside, outside) for role in lists}
    evidence = Disposal.objects.get(pk=inside).evidence.get()
    pages = {}
    for role in ROLES:
        web = web_client(role)
        # the evidence file of the inside application follows the application
        download = web.get(f"/disposals/{inside}/evidence/{evidence.pk}/")
        if download.status_code == 200:
            assert b"".join(download.streaming_content).startswith(b"\xff\xd8")  # read to the end: closed
        pages[role] = (web.get("/disposals/").status_code, web.get(f"/disposals/{inside}/").status_code,
                       download.status_code)
    assert pages == {role: (*expected[:2], expected[1]) for role, expected in DISPOSAL.items()}
    workshop = make_asset(flow, flow.projects[0], category="workshop", village=flow.villages[0], code="ZC-MX-1",
                          owner=collective(flow, 0))
    applied = {role: post(api(role), "/api/disposals/", {"asset": workshop.pk, "reason": "damage",
                                                         "method": "auction", "description": "损毁"}).status_code
               for role in ROLES}
    assert applied == {role: expected[3] for role, expected in DISPOSAL.items()}
    assert list(Disposal.objects.filter(asset=workshop).values_list("created_by__username", flat=True)) == [
        "village1"]


@pytest.mark.parametrize("kind", ["transfer", "disposal"])
def test_acts_on_an_item_waiting_for_someone_else(flow, api, kind):
    """Approve, return, reject (with a reason), withdraw and submit on the inside item by each
    role but its decider: only the step's decider may decide, only the applicant may withdraw (and
    not while in review); nothing changes."""
    pk = inside_and_outside(flow, api, kind)[0]
    model = Transfer if kind == "transfer" else Disposal
    matrix = TRANSFER if kind == "transfer" else DISPOSAL
    before = snapshot(model, pk)
    base = f"/api/{kind}s/{pk}"
    got, expected = {}, {}
    for role in ROLES:
        if role == DECIDER[kind]:
            continue
        client = api(role)
        got[role] = tuple(post(client, f"{base}/{act}/", {"comment": "矩阵测试"}).status_code
                          for act in ("approve", "return", "reject", "withdraw", "submit"))
        refused = matrix[role][1] if matrix[role][1] != 200 else 403
        expected[role] = (refused,) * 3 + ((409,) * 2 if role == APPLICANT else (refused,) * 2)
    assert got == expected
    assert snapshot(model, pk) == before


@pytest.mark.parametrize("act", ["approve", "return", "reject"])
@pytest.mark.parametrize("kind", ["transfer", "disposal"])
def test_the_decider_takes_each_decision(flow, api, kind, act):
    pk = inside_and_outside(flow, api, kind)[0]
    model = Transfer if kind == "transfer" else Disposal
    response = post(api(DECIDER[kind]), f"/api/{kind}s/{pk}/{act}/", {"comment": "矩阵测试"})
    assert response.status_code == 200, response.json()
    item = model.objects.get(pk=pk)
    last = item.decisions.latest("decided_at")
    assert (last.decision, last.user.username, last.comment) == (
        {"approve": "approved", "return": "returned", "reject": "rejected"}[act], DECIDER[kind], "矩阵测试")
    next_step = {"transfer": "approval", "disposal": "department_review"}[kind]
    assert (item.status, item.current_step) == {
        "approve": ("in_review", next_step), "return": ("returned", ""), "reject": ("rejected", "")}[act]
    # afterwards: the applicant alone may withdraw a returned item; a closed or moving one, nobody
    others = {role: post(api(role), f"/api/{kind}s/{pk}/withdraw/").status_code
              for role in ROLES if role not in (APPLICANT, "norole")}
    assert set(others.values()) <= {403, 404}, others
    expected = {"approve": 409, "return": 200, "reject": 409}[act]
    assert post(api(APPLICANT), f"/api/{kind}s/{pk}/withdraw/", {"comment": "撤回"}).status_code == expected


def test_change_registrations(flow, api):
    water0, workshop2 = flow.assets[0][0], flow.assets[2][1]
    inside = do_record_change_registration(water0, {"kind": "damage", "occurred_on": today(),
                                                    "description": "管道冻裂"}, acting_user=flow.user("village1"))
    outside = do_record_change_registration(workshop2, {"kind": "damage", "occurred_on": today(),
                                                        "description": "屋顶漏水"}, acting_user=flow.user("village2"))
    got, lists = read_matrix(api, "change-registrations", inside.pk, outside.pk)
    assert got == {role: expected[:3] for role, expected in CHANGE_REGISTRATION.items()}
    assert lists == {role: visible(CHANGE_REGISTRATION[role], inside.pk, outside.pk) for role in lists}
    pages = {role: web_client(role).get("/transfers/change-registrations/").status_code for role in ROLES}
    assert pages == {role: expected[0] for role, expected in CHANGE_REGISTRATION.items()}
    workshop0 = flow.assets[0][1]
    recorded, sales = {}, {}
    for role in ROLES:
        client = api(role)
        recorded[role] = post(client, "/api/change-registrations/", {
            "asset": workshop0.pk, "kind": "damage", "occurred_on": today().isoformat(),
            "description": "大风损毁"}).status_code
        if recorded[role] == 201:
            # never by hand: sales, transfers and scrappings come from a carried-out disposal
            sale = post(client, "/api/change-registrations/", {
                "asset": water0.pk, "kind": "sale", "occurred_on": today().isoformat(), "description": "x"})
            sales[role] = (sale.status_code, "kind" in sale.json())
    assert recorded == {role: expected[3] for role, expected in CHANGE_REGISTRATION.items()}
    writers = {role for role, expected in CHANGE_REGISTRATION.items() if expected[3] == 201}
    assert sales == {role: (400, True) for role in writers}
    assert set(ChangeRegistration.objects.filter(asset=workshop0).values_list("recorded_by__username",
                                                                              flat=True)) == writers
