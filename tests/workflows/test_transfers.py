"""Ownership confirmation and transfer (确权移交登记, 四(四)), walked through the API by the demo
roles: each ownership rule, the approval PDF, the owner's change in the asset's history, and
return -> edit -> resubmit with the trail of both rounds."""

from __future__ import annotations

import pytest
from django.core import mail

from assets.models import Asset, AssetRegistration, Household, OutboxMessage
from tests.workflows.helpers import (
    chinese,
    collective,
    make_asset,
    make_project,
    org,
    pdf_text,
    post,
    snapshot,
    today,
)
from transfers.choices import ChangeKind
from transfers.models import ChangeRegistration, Transfer
from workflow.engine import ItemStatus
from workflow.tasks import notify_next

pytestmark = pytest.mark.django_db


def registrations(transfer_json: dict) -> list[dict]:
    return [
        {"asset": line["asset"], "system": system, "number": f"DJ-{line['asset']}-{system[:4]}",
         "registered_on": today().isoformat()}
        for line in transfer_json["lines"] for system in line["registration_systems"]
    ]


def inbox_numbers(client) -> set[str]:
    response = client.get("/api/transfers/inbox/")
    assert response.status_code == 200
    return {row["number"] for row in response.json()["results"]}


def test_village_only_project_goes_to_the_village_collective(flow, api, tmp_path):
    """村集体 implements a village-only project: no separate consent step; committee, finance
    bureau, registration by the village; the asset's registrations and history name the transfer."""
    village1, committee, finance = api("village1"), api("committee"), api("finance")
    workshop = flow.assets[0][1]
    assert workshop.category.code == "workshop"
    created = post(village1, "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村两委会议：帮扶车间确权给本村集体。",
        "lines": [{"asset": workshop.pk, "owner_organisation": collective(flow, 0).pk}],
    })
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["receiving_organisation"] == collective(flow, 0).pk
    assert body["lines"][0]["rule"] == "village_only" and body["lines"][0]["ownership_type"] == "collective"
    pk = body["id"]

    submitted = post(village1, f"/api/transfers/{pk}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["current_step"] == "committee"  # consensus skipped: the village keeps it
    assert body["number"] in inbox_numbers(committee)
    assert body["number"] not in inbox_numbers(finance)

    assert post(committee, f"/api/transfers/{pk}/approve/", {"comment": "同意", "step": "committee"}).status_code == 200
    approved = post(finance, f"/api/transfers/{pk}/approve/",
                    {"comment": "同意移交", "document_number": "麦财资〔2026〕18号", "step": "approval"})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["approval_number"] == "麦财资〔2026〕18号"
    assert approved.json()["current_step"] == "registration"
    assert body["number"] in inbox_numbers(village1)

    pdf = village1.get(f"/transfers/{pk}/approval.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "资产移交批复" in text and "麦财资〔2026〕18号" in text and workshop.code in text

    done = post(village1, f"/api/transfers/{pk}/approve/", {"registrations": registrations(approved.json())})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"

    workshop.refresh_from_db()
    assert workshop.owner_organisation == collective(flow, 0) and workshop.ownership_type == "collective"
    systems = set(AssetRegistration.objects.filter(asset=workshop).values_list("system", flat=True))
    assert systems == {"collective_platform", "revitalization_system"}
    latest = workshop.history.first()
    assert latest.history_user_id == flow.users["village1"].pk
    assert body["number"] in latest.history_change_reason and "麦财资〔2026〕18号" in latest.history_change_reason
    registration = AssetRegistration.history.filter(asset_id=workshop.pk).first()
    assert body["number"] in registration.history_change_reason

    trail = [(d["step"], d["decision"], d["user"]["username"]) for d in done.json()["decisions"]]
    assert trail == [("submit", "submitted", "village1"), ("committee", "approved", "committee"),
                     ("approval", "approved", "finance"), ("registration", "approved", "village1")]


def test_public_benefit_asset_from_a_department_to_a_village_collective(flow, api):
    """A department implements a drinking-water project; for ease of management the asset goes to
    the village collective (四(四)2 三), which must agree before the county decides."""
    village = flow.villages[0]
    project = make_project(flow, "XM-WATER-1", implementer=org("dept_water"), region=flow.townships[0],
                           covered=[village])
    asset = make_asset(flow, project, category="drinking_water", village=village, code="ZC-WATER-1")
    dept, village1, township1 = api("dept_water"), api("village1"), api("township1")
    lines = [{"asset": asset.pk, "owner_organisation": collective(flow, 0).pk}]
    created = post(dept, "/api/transfers/", {"project": project.pk, "proposal": "水利局会议：移交村集体管护。",
                                             "lines": lines})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert post(dept, f"/api/transfers/{pk}/submit/").json()["current_step"] == "consensus"

    # the township may read it but the consent is the receiving collective's
    before = snapshot(Transfer, pk)
    refused = post(township1, f"/api/transfers/{pk}/approve/")
    assert refused.status_code == 403
    assert "测试乡11村股份经济合作社" in refused.json()["detail"]
    assert snapshot(Transfer, pk) == before

    assert post(village1, f"/api/transfers/{pk}/approve/", {"comment": "同意接收"}).json()["current_step"] == \
        "committee"
    assert post(api("committee"), f"/api/transfers/{pk}/approve/").status_code == 200
    approved = post(api("finance"), f"/api/transfers/{pk}/approve/", {"document_number": "麦财资〔2026〕19号"})
    done = post(village1, f"/api/transfers/{pk}/approve/", {"registrations": registrations(approved.json())})
    assert done.json()["status"] == "done"
    asset.refresh_from_db()
    assert (asset.owner_organisation, asset.ownership_type) == (collective(flow, 0), "collective")


def test_cross_village_project_is_decided_by_the_county_in_shares(flow, api):
    """A township-level project covering two villages: the county decides, the shares add up to
    100% (by investment ratio) and one of the shareholders holds the asset."""
    project = make_project(flow, "XM-CROSS-1", implementer=org("agri_bureau"), region=flow.townships[0],
                           covered=[flow.villages[0], flow.villages[1]])
    store = make_asset(flow, project, category="cold_store", village=flow.villages[0], code="ZC-CROSS-1")
    county = api("county")
    lines = [{"asset": store.pk, "owner_organisation": collective(flow, 0).pk,
              "shares": [{"organisation": collective(flow, 0).pk, "percent": "60.00"},
                         {"organisation": collective(flow, 1).pk, "percent": "30.00"}]}]
    short = post(county, "/api/transfers/", {"project": project.pk, "proposal": "县政府研究确定。",
                                            "share_basis": "investment", "lines": lines})
    assert short.status_code == 400
    assert "90.00%" in str(short.json()) and "100%" in str(short.json())

    outsider = [{"asset": store.pk, "owner_organisation": collective(flow, 2).pk,
                 "shares": [{"organisation": collective(flow, 2).pk, "percent": "100"}]}]
    refused = post(county, "/api/transfers/", {"project": project.pk, "proposal": "x", "share_basis": "investment",
                                              "lines": outsider})
    assert refused.status_code == 400 and collective(flow, 2).name in str(refused.json())

    lines[0]["shares"][1]["percent"] = "40.00"
    created = post(county, "/api/transfers/", {"project": project.pk, "proposal": "县政府研究确定，按投资比例量化。",
                                              "share_basis": "investment", "lines": lines})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["lines"][0]["rule"] == "cross_village"
    assert {s["percent"] for s in body["lines"][0]["shares"]} == {"60.00", "40.00"}
    assert body["receiving_organisation"] == org("agri_bureau").pk
    pk = body["id"]
    assert post(county, f"/api/transfers/{pk}/submit/").json()["current_step"] == "committee"
    post(api("committee"), f"/api/transfers/{pk}/approve/")
    approved = post(api("finance"), f"/api/transfers/{pk}/approve/", {"document_number": "麦财资〔2026〕20号"})
    done = post(county, f"/api/transfers/{pk}/approve/", {"registrations": registrations(approved.json())})
    assert done.json()["status"] == "done", done.json()
    store.refresh_from_db()
    assert store.owner_organisation == collective(flow, 0)


def test_household_assets_go_to_the_household(flow, api):
    project = flow.projects[0]
    household = flow.households[0][1]
    cattle = make_asset(flow, project, category="livestock", village=flow.villages[0], code="ZC-CATTLE-1",
                        household=flow.households[0][0])
    village1 = api("village1")
    wrong = post(village1, "/api/transfers/", {"project": project.pk, "proposal": "到户",
                                               "lines": [{"asset": cattle.pk,
                                                          "owner_organisation": collective(flow, 0).pk}]})
    assert wrong.status_code == 400 and cattle.code in str(wrong.json()) and chinese(str(wrong.json()))
    created = post(village1, "/api/transfers/", {
        "project": project.pk, "proposal": "到户类资产归农户所有。",
        "lines": [{"asset": cattle.pk, "owner_household": household.pk, "beneficiary_ids": [household.pk]}],
    })
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["lines"][0]["registration_systems"] == ["revitalization_system"]
    post(village1, f"/api/transfers/{pk}/submit/")
    post(api("committee"), f"/api/transfers/{pk}/approve/")
    approved = post(api("finance"), f"/api/transfers/{pk}/approve/", {"document_number": "麦财资〔2026〕21号"})
    missing = post(village1, f"/api/transfers/{pk}/approve/", {"registrations": []})
    assert missing.status_code == 400 and chinese(missing.json()["registrations"][0])
    done = post(village1, f"/api/transfers/{pk}/approve/", {"registrations": registrations(approved.json())})
    assert done.json()["status"] == "done"
    cattle.refresh_from_db()
    assert (cattle.owner_household, cattle.ownership_type) == (household, "household")
    assert set(cattle.beneficiaries.values_list("pk", flat=True)) == {household.pk}
    change = ChangeRegistration.objects.get(asset=cattle)
    assert change.kind == ChangeKind.OWNERSHIP and change.transfer_id == pk
    assert change.document_number == "麦财资〔2026〕21号"


@pytest.mark.parametrize("case", ["other_village_owner", "other_project", "two_units"])
def test_ownership_rules_are_enforced(flow, api, case):
    village1 = api("village1")
    water, workshop = flow.assets[0]
    project = flow.projects[0]
    if case == "two_units":  # a department's project over two villages, one asset in each
        village1 = api("dept_water")
        project = make_project(flow, "XM-WATER-2", implementer=org("dept_water"), region=flow.townships[0],
                               covered=[flow.villages[0], flow.villages[1]])
        water = make_asset(flow, project, category="drinking_water", village=flow.villages[0], code="ZC-W-0")
        water_b = make_asset(flow, project, category="drinking_water", village=flow.villages[1], code="ZC-W-1")
    if case == "other_project":  # another project of the same village, which the clerk can see
        second = make_project(flow, "XM-V0-2", implementer=collective(flow, 0), region=flow.villages[0],
                              covered=[flow.villages[0]])
        workshop = make_asset(flow, second, category="workshop", village=flow.villages[0], code="ZC-V0-2")
    lines = {
        "other_village_owner": [{"asset": workshop.pk, "owner_organisation": collective(flow, 1).pk}],
        "other_project": [{"asset": workshop.pk, "owner_organisation": collective(flow, 0).pk}],
        "two_units": ([{"asset": water.pk, "owner_organisation": collective(flow, 0).pk},
                       {"asset": water_b.pk, "owner_organisation": collective(flow, 1).pk}]
                      if case == "two_units" else []),
    }[case]
    response = post(village1, "/api/transfers/", {"project": project.pk, "proposal": "x", "lines": lines})
    assert response.status_code == 400
    message = " ".join(response.json()["lines"])
    assert chinese(message)
    expected = {"other_village_owner": [workshop.code, collective(flow, 1).name],
                "other_project": [workshop.code],
                "two_units": [collective(flow, 0).name, collective(flow, 1).name]}[case]
    assert all(text in message for text in expected), message
    assert not Transfer.objects.exists()


def test_assets_outside_the_proposers_projects_do_not_exist(flow, api):
    response = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[2][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert response.status_code == 400
    assert flow.assets[2][1].code not in str(response.json())  # not even its code leaks
    assert not Transfer.objects.exists()


def test_only_the_implementing_unit_or_the_county_proposes(flow, api):
    # village 1b sees nothing of village 0's project; township1 sees it but did not implement it
    response = post(api("township1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert response.status_code == 403 and collective(flow, 0).name in response.json()["detail"]
    response = post(api("village1b"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert response.status_code == 400 and "project" in response.json()
    assert post(api("finance"), "/api/transfers/", {}).status_code == 403  # finance reads, does not apply
    assert not Transfer.objects.exists()


@pytest.fixture
def submitted(flow, api) -> int:
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村集体会议意见。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    pk = created.json()["id"]
    assert post(api("village1"), f"/api/transfers/{pk}/submit/").status_code == 200
    return pk


@pytest.mark.parametrize(("who", "data", "status", "message"), [
    ("township1", {}, 403, "县委财经委员会"),            # wrong role: reads it, may not decide
    ("finance", {}, 403, "县委财经委员会"),              # the next step's decider, too early
    ("finance", {"step": "approval"}, 409, "YJ-"),       # wrong step, said explicitly
    ("auditor", {}, 403, "县委财经委员会"),              # read-only
    ("township2", {}, 404, None),                        # outside scope: the item does not exist
    ("village2", {}, 404, None),
    ("norole", {}, 403, None),
])
def test_wrong_deciders_are_refused_and_nothing_changes(flow, api, submitted, who, data, status, message):
    before = snapshot(Transfer, submitted)
    response = post(api(who), f"/api/transfers/{submitted}/approve/", data)
    assert response.status_code == status, response.json()
    if message:
        assert message in response.json()["detail"] and chinese(response.json()["detail"])
    assert snapshot(Transfer, submitted) == before


def test_repeated_decision_is_refused_with_who_and_when(flow, api, submitted):
    committee = api("committee")
    assert post(committee, f"/api/transfers/{submitted}/approve/", {"step": "committee"}).status_code == 200
    before = snapshot(Transfer, submitted)
    again = post(committee, f"/api/transfers/{submitted}/approve/", {"step": "committee"})
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert chinese(detail) and "committee" in detail and "县委财经委员会" in detail and str(today().year) in detail
    # without naming the step: the user's own earlier decision in this round
    assert post(committee, f"/api/transfers/{submitted}/approve/").status_code == 409
    assert post(api("village1"), f"/api/transfers/{submitted}/submit/").status_code == 409
    assert snapshot(Transfer, submitted) == before


def test_document_number_and_reasons_are_required(flow, api, submitted):
    post(api("committee"), f"/api/transfers/{submitted}/approve/")
    before = snapshot(Transfer, submitted)
    finance = api("finance")
    no_number = post(finance, f"/api/transfers/{submitted}/approve/", {"comment": "同意"})
    assert no_number.status_code == 400 and chinese(no_number.json()["document_number"][0])
    assert post(finance, f"/api/transfers/{submitted}/return/", {"comment": ""}).status_code == 400
    assert post(finance, f"/api/transfers/{submitted}/reject/", {}).status_code == 400
    assert snapshot(Transfer, submitted) == before


def test_return_edit_resubmit_keeps_the_trail_of_every_round(flow, api, submitted):
    committee, village1 = api("committee"), api("village1")
    returned = post(committee, f"/api/transfers/{submitted}/return/", {"comment": "请补充受益户。"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    number = returned.json()["number"]
    assert number in inbox_numbers(village1) and number not in inbox_numbers(committee)
    assert post(committee, f"/api/transfers/{submitted}/approve/").status_code == 409

    # only the applicant edits; then resubmits
    assert api("village1b").patch(f"/api/transfers/{submitted}/", {"proposal": "x"}, format="json").status_code == 404
    edited = village1.patch(f"/api/transfers/{submitted}/", {
        "proposal": "村集体会议意见（已补充受益户）。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk,
                   "beneficiary_ids": [h.pk for h in flow.households[0]]}],
    }, format="json")
    assert edited.status_code == 200, edited.json()
    assert edited.json()["lines"][0]["beneficiary_ids"] == sorted(h.pk for h in flow.households[0])
    resubmitted = post(village1, f"/api/transfers/{submitted}/submit/", {"comment": "已补充"})
    assert resubmitted.json()["round"] == 2 and resubmitted.json()["current_step"] == "committee"
    assert post(committee, f"/api/transfers/{submitted}/approve/").status_code == 200

    trail = [(d["round"], d["step"], d["decision"]) for d in village1.get(f"/api/transfers/{submitted}/").json()
             ["decisions"]]
    assert trail == [(1, "submit", "submitted"), (1, "committee", "returned"),
                     (2, "submit", "submitted"), (2, "committee", "approved")]
    assert Transfer.objects.get(pk=submitted).decisions.get(round=1, step="committee").comment == "请补充受益户。"


def test_reject_ends_it_and_frees_the_assets(flow, api, submitted):
    committee = api("committee")
    rejected = post(committee, f"/api/transfers/{submitted}/reject/", {"comment": "资产未竣工验收。"})
    assert rejected.json()["status"] == "rejected"
    before = snapshot(Transfer, submitted)
    assert post(api("village1"), f"/api/transfers/{submitted}/submit/").status_code == 409
    assert api("village1").patch(f"/api/transfers/{submitted}/", {"proposal": "x"}, format="json").status_code == 409
    assert snapshot(Transfer, submitted) == before
    # the asset may be proposed again in a new transfer
    again = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "重新申请。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert again.status_code == 201


def test_an_asset_is_in_one_open_transfer_at_a_time(flow, api, submitted):
    response = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert response.status_code == 400 and Transfer.objects.get(pk=submitted).number in str(response.json())


def test_inbox_and_mine(flow, api, submitted):
    number = Transfer.objects.get(pk=submitted).number
    assert inbox_numbers(api("committee")) == {number}
    assert inbox_numbers(api("village1")) == set()
    mine = api("village1").get("/api/transfers/mine/").json()["results"]
    assert [row["number"] for row in mine] == [number]
    post(api("committee"), f"/api/transfers/{submitted}/approve/")
    assert [r["number"] for r in api("committee").get("/api/transfers/mine/").json()["results"]] == [number]
    assert inbox_numbers(api("committee")) == set()
    assert inbox_numbers(api("finance")) == {number}


def test_next_deciders_are_told_after_commit(flow, api, django_capture_on_commit_callbacks):
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    pk = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(api("village1"), f"/api/transfers/{pk}/submit/")
    # the act wrote its notification into the outbox, to be handed to the broker after the commit
    assert len(callbacks) == 1
    assert list(OutboxMessage.objects.values_list("task", "kwargs")) == [
        ("transfers.tasks.notify_next", {"workflow_key": "transfer", "pk": pk})]
    assert notify_next("transfer", pk) == 1
    assert mail.outbox[-1].to == ["committee@example.test"]
    assert Transfer.objects.get(pk=pk).number in mail.outbox[-1].subject


def test_withdraw_a_draft(flow, api):
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "x",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    pk = created.json()["id"]
    assert post(api("village1b"), f"/api/transfers/{pk}/withdraw/").status_code == 404
    withdrawn = post(api("village1"), f"/api/transfers/{pk}/withdraw/", {"comment": "暂不移交"})
    assert withdrawn.json()["status"] == ItemStatus.WITHDRAWN
    assert Transfer.objects.filter(pk=pk).exists()  # nothing is deleted


def test_damage_is_a_change_registration(flow, api):
    asset = flow.assets[0][0]
    response = post(api("village1"), "/api/change-registrations/", {
        "asset": asset.pk, "kind": "damage", "occurred_on": today().isoformat(), "description": "洪水冲毁管道"})
    assert response.status_code == 201, response.json()
    asset.refresh_from_db()
    assert asset.status == "damaged"
    sale = post(api("village1"), "/api/change-registrations/", {
        "asset": asset.pk, "kind": "sale", "occurred_on": today().isoformat(), "description": "卖了"})
    assert sale.status_code == 400
    outside = post(api("village2"), "/api/change-registrations/", {
        "asset": asset.pk, "kind": "damage", "occurred_on": today().isoformat(), "description": "x"})
    assert outside.status_code == 400
    assert post(api("township1"), "/api/change-registrations/", {}).status_code == 403
    assert api("township1").get("/api/change-registrations/").json()["count"] == 1
    assert api("village2").get("/api/change-registrations/").json()["count"] == 0
    assert Asset.objects.filter(status="damaged").count() == 1 and Household.objects.exists()


def test_a_colleague_who_comes_late_is_told_who_decided(flow, api, submitted):
    from tests.factories import make_user

    make_user("committee2", "finance", org("finance_committee"))
    assert post(api("committee"), f"/api/transfers/{submitted}/approve/").status_code == 200
    late = post(api("committee2"), f"/api/transfers/{submitted}/approve/")
    assert late.status_code == 409 and "committee" in late.json()["detail"]


def test_the_list_costs_the_same_for_more_transfers(flow, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county = api("county")

    def propose(index: int) -> None:
        asset = make_asset(flow, flow.projects[0], category="workshop", village=flow.villages[0], code=f"ZC-N-{index}")
        response = post(county, "/api/transfers/", {
            "project": flow.projects[0].pk, "proposal": "x",
            "lines": [{"asset": asset.pk, "owner_organisation": collective(flow, 0).pk,
                       "beneficiary_ids": [flow.households[0][0].pk]}]})
        assert response.status_code == 201, response.json()
        post(county, f"/api/transfers/{response.json()['id']}/submit/")

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert county.get("/api/transfers/").status_code == 200
        return len(queries)

    for index in range(2):
        propose(index)
    few = list_queries()
    for index in range(2, 7):
        propose(index)
    assert list_queries() == few
