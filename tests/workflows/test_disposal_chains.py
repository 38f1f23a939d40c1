"""The disposal chains (四(八)) that the main walks do not take: a household asset walked end to
end (county approval included), an asset outside any township (the applicant closes the public
notice), and the scope of a village clerk inside his own township. Then the history rows of the
transfers and disposals themselves, and the auditors' history browser on them."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from assets.models import Asset
from disposals.models import Disposal
from tests.factories import PASSWORD
from tests.workflows.helpers import chinese, make_asset, make_project, org, post, snapshot, today
from transfers.models import ChangeRegistration, Transfer
from workflow.engine import Decision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Evidence and decision files of a test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(name: str = "damage.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


def apply_and_submit(client, asset: Asset, **extra) -> int:
    data = {"asset": asset.pk, "reason": "damage", "method": "auction", "description": "损毁，无法继续使用。",
            **extra}
    created = post(client, "/api/disposals/", data)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    evidence = client.post(f"/api/disposals/{pk}/evidence/", {"file": photo(), "description": "现场照片"},
                           format="multipart")
    assert evidence.status_code == 201, evidence.json()
    submitted = post(client, f"/api/disposals/{pk}/submit/")
    assert submitted.status_code == 200, submitted.json()
    return pk


def end_notice(pk: int) -> None:
    Disposal.objects.filter(pk=pk).update(notice_starts_on=today() - datetime.timedelta(days=8),
                                          notice_ends_on=today() - datetime.timedelta(days=1))


def state(pk: int) -> tuple[str, str, str, int | None]:
    item = Disposal.objects.get(pk=pk)
    return item.status, item.current_step, item.pending_role, item.pending_organisation_id


def test_household_asset_chain_end_to_end(flow, api):
    """A household's cattle (到户类, supervised by the township, no department): village
    application -> township review -> county approval (农业农村局) -> filing -> notice -> carried
    out; the proceeds belong to the household."""
    cattle = make_asset(flow, flow.projects[0], category="livestock", village=flow.villages[0], code="ZC-HH-1",
                        household=flow.households[0][0])
    assert (cattle.asset_class, cattle.ownership_type, cattle.supervising_department_id) == (
        "household", "household", None)
    village1, township1, county = api("village1"), api("township1"), api("county")
    agri = org("agri_bureau")
    pk = apply_and_submit(village1, cattle, reason="natural_wear", method="auction",
                          description="牛只老弱，按规定出售。")
    assert state(pk) == ("in_review", "township_review", "township_official",
                         org(f"twp-{flow.townships[0].code}").pk)
    assert post(township1, f"/api/disposals/{pk}/approve/", {"comment": "属实"}).status_code == 200
    # no department review for household assets, but the county must approve
    assert state(pk) == ("in_review", "county_approval", "county_agri", agri.pk)
    before = snapshot(Disposal, pk)
    for outsider in ("dept_water", "dept_commerce", "finance", "committee"):
        assert post(api(outsider), f"/api/disposals/{pk}/approve/").status_code in (403, 404), outsider
    assert post(township1, f"/api/disposals/{pk}/approve/").status_code in (403, 409)
    assert snapshot(Disposal, pk) == before
    approved = post(county, f"/api/disposals/{pk}/approve/", {"document_number": "麦农批〔2026〕9号"})
    assert approved.status_code == 200 and approved.json()["approval_number"] == "麦农批〔2026〕9号"
    assert state(pk) == ("in_review", "filing", "county_agri", agri.pk)
    post(county, f"/api/disposals/{pk}/approve/", {"comment": "已复核备案"})
    assert state(pk)[:2] == ("in_review", "notice")
    end_notice(pk)
    assert post(township1, f"/api/disposals/{pk}/approve/").json()["current_step"] == "carry_out"
    done = post(village1, f"/api/disposals/{pk}/approve/", {
        "carried_out_on": today().isoformat(), "proceeds": "9600.00", "counterparty": "本村养殖户"})
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "done" and body["proceeds"] == "9600.00"
    assert [(d["step"], d["user"]["username"]) for d in body["decisions"]] == [
        ("submit", "village1"), ("township_review", "township1"), ("county_approval", "county"),
        ("filing", "county"), ("notice", "township1"), ("carry_out", "village1")]
    disposal = Disposal.objects.get(pk=pk)
    assert disposal.proceeds_owner_household_id == cattle.owner_household_id
    assert disposal.proceeds_owner_organisation_id is None
    assert Asset.objects.get(pk=cattle.pk).status == "disposed"
    assert ChangeRegistration.objects.get(asset=cattle).kind == "sale"


def test_an_asset_outside_any_township_is_noticed_by_its_applicant(flow, api):
    """A state asset of 水利局 located at county level (no township): no township review, and the
    public notice falls to the applicant, who closes it once it has run."""
    project = make_project(flow, "XM-COUNTY-W", implementer=org("dept_water"), region=flow.county, covered=[])
    works = make_asset(flow, project, category="drinking_water", village=flow.county, code="ZC-COUNTY-W",
                       owner=org("dept_water"))
    assert works.township_id is None and works.ownership_type == "state"
    dept = api("dept_water")
    pk = apply_and_submit(dept, works, reason="normal_scrapping", method="scrapping", description="水厂设备报废。")
    # no township, and 水利局 applied itself: no township or department review
    assert state(pk)[:2] == ("in_review", "committee")
    post(api("committee"), f"/api/disposals/{pk}/approve/")
    post(api("finance"), f"/api/disposals/{pk}/approve/", {"document_number": "麦财资〔2026〕31号"})
    post(api("county"), f"/api/disposals/{pk}/approve/")
    assert state(pk) == ("in_review", "notice", "department_staff", org("dept_water").pk)
    early = post(dept, f"/api/disposals/{pk}/approve/")
    assert early.status_code == 409 and chinese(early.json()["detail"])
    end_notice(pk)
    before = snapshot(Disposal, pk)
    for other in ("township1", "township2", "finance"):
        assert post(api(other), f"/api/disposals/{pk}/approve/").status_code in (403, 404), other
    # the county just filed it: told that its step is decided (or refused outright), never let through
    assert post(api("county"), f"/api/disposals/{pk}/approve/").status_code in (403, 409)
    assert snapshot(Disposal, pk) == before
    closed = post(dept, f"/api/disposals/{pk}/approve/", {"comment": "公示期满无异议"})
    assert closed.status_code == 200 and closed.json()["current_step"] == "carry_out"
    done = post(dept, f"/api/disposals/{pk}/approve/", {"carried_out_on": today().isoformat(), "proceeds": "0"})
    assert done.json()["status"] == "done", done.json()
    assert [d["step"] for d in done.json()["decisions"]] == [
        "submit", "committee", "finance_approval", "filing", "notice", "carry_out"]
    notice = next(d for d in done.json()["decisions"] if d["step"] == "notice")
    assert (notice["user"]["username"], notice["organisation"]) == ("dept_water", org("dept_water").pk)


# --- a village clerk's scope inside his township -------------------------------------------------


def test_a_clerk_sees_no_disposal_of_another_village_of_his_township(flow, api):
    """village1b (village 1) and village1 (village 0) share township 0: neither the application
    nor its evidence files nor its decision files of village 0 exist for village1b."""
    village1 = api("village1")
    pk = apply_and_submit(village1, flow.assets[0][1])
    returned = api("township1").post(f"/api/disposals/{pk}/return/", {
        "comment": "请补充评估报告", "attachment": SimpleUploadedFile("意见.pdf", b"%PDF-1.4 x")}, format="multipart")
    assert returned.status_code == 200, returned.json()
    detail = village1.get(f"/api/disposals/{pk}/").json()
    evidence_url = detail["evidence"][0]["url"].split("testserver", 1)[-1]
    decision_url = next(d["attachment_url"] for d in detail["decisions"] if d["attachment_url"])
    decision_url = decision_url.split("testserver", 1)[-1]
    own = apply_and_submit(api("village1b"), flow.assets[1][1])

    neighbour = api("village1b")
    listed = neighbour.get("/api/disposals/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [own]
    assert neighbour.get(f"/api/disposals/{pk}/").status_code == 404
    web = Client()
    assert web.login(username="village1b", password=PASSWORD)
    assert web.get(reverse("disposals:detail", args=[pk])).status_code == 404
    assert flow.assets[0][1].code not in web.get(reverse("disposals:list")).content.decode()
    for url in (evidence_url, decision_url,
                reverse("disposals:evidence_file", args=[pk, Disposal.objects.get(pk=pk).evidence.get().pk])):
        assert neighbour.get(url).status_code == 404, url
        assert web.get(url).status_code == 404, url
    # the township official sees both; the clerk of village 0 sees his own only
    assert {row["id"] for row in api("township1").get("/api/disposals/").json()["results"]} == {pk, own}
    assert [row["id"] for row in village1.get("/api/disposals/").json()["results"]] == [pk]


# --- history rows of the workflow items themselves -------------------------------------------------


def history_trail(item) -> list[tuple[str, str]]:
    rows = type(item).history.filter(id=item.pk).order_by("history_date", "history_id")
    return [(row.history_user.username if row.history_user else "", row.history_change_reason) for row in rows]


def test_a_transfer_keeps_who_and_why_of_every_act_in_its_history(flow, api):
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "会议意见",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": flow.assets[0][1].owner_organisation_id}]})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    post(api("village1"), f"/api/transfers/{pk}/submit/")
    post(api("committee"), f"/api/transfers/{pk}/return/", {"comment": "请补充会议纪要"})
    transfer = Transfer.objects.get(pk=pk)
    reason = Transfer.workflow.reason
    trail = history_trail(transfer)
    assert trail == [("village1", _("Transfer proposed")),
                     ("village1", reason(transfer, Decision.SUBMITTED)),
                     ("committee", reason(transfer, Decision.RETURNED))]
    assert all(transfer.number in why for _user, why in trail[1:])
    post(api("village1"), f"/api/transfers/{pk}/withdraw/", {"comment": "不再移交"})
    assert history_trail(transfer)[-1] == ("village1", reason(transfer, Decision.WITHDRAWN))


def test_a_disposal_keeps_who_and_why_of_every_act_in_its_history(flow, api):
    pk = apply_and_submit(api("village1"), flow.assets[0][1])
    post(api("township1"), f"/api/disposals/{pk}/approve/")
    post(api("dept_commerce"), f"/api/disposals/{pk}/reject/", {"comment": "可维修后继续使用"})
    disposal = Disposal.objects.get(pk=pk)
    reason = Disposal.workflow.reason
    trail = history_trail(disposal)
    assert trail[-3:] == [("village1", reason(disposal, Decision.SUBMITTED)),
                          ("township1", reason(disposal, Decision.APPROVED)),
                          ("dept_commerce", reason(disposal, Decision.REJECTED))]
    assert trail[0] == ("village1", _("Disposal applied for"))
    # the asset's own history says the same: under disposal, then back in use, by whom
    asset_rows = Asset.history.filter(id=flow.assets[0][1].pk).order_by("-history_date", "-history_id")[:2]
    assert [(row.status, row.history_user.username, row.history_change_reason) for row in asset_rows] == [
        ("in_use", "dept_commerce", reason(disposal, Decision.REJECTED)),
        ("under_disposal", "village1", reason(disposal, Decision.SUBMITTED)),
    ]


def test_the_history_browser_shows_transfers_and_disposals(flow, api):
    pk = apply_and_submit(api("village1"), flow.assets[0][1])
    post(api("township1"), f"/api/disposals/{pk}/return/", {"comment": "请补充"})
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "会议意见",
        "lines": [{"asset": flow.assets[0][0].pk, "owner_organisation": flow.assets[0][0].owner_organisation_id}]})
    transfer = Transfer.objects.get(pk=created.json()["id"])
    post(api("village1"), f"/api/transfers/{transfer.pk}/submit/")
    disposal = Disposal.objects.get(pk=pk)
    auditor = Client()
    auditor.force_login(flow.users["auditor"])
    url = reverse("audits:history_browser")

    def entries(**params):
        response = auditor.get(url, {"page_size": 200, **params})
        assert response.status_code == 200
        return response

    response = entries(model="disposal")
    rows = response.context["entries"]
    assert {e.record.instance_type for e in rows} == {Disposal}
    assert [(e.user.username, e.reason) for e in rows][:2] == [
        ("township1", Disposal.workflow.reason(disposal, Decision.RETURNED)),
        ("village1", Disposal.workflow.reason(disposal, Decision.SUBMITTED))]
    content = response.content.decode()
    assert disposal.number in content and "township1" in content
    returned = next(e for e in rows if e.user.username == "township1")
    changes = {c.name: c.new for c in returned.changes}
    assert "status" in changes
    response = entries(model="transfer", user=flow.users["village1"].pk)
    rows = response.context["entries"]
    assert rows and {e.record.instance_type for e in rows} == {Transfer}
    assert {e.record.id for e in rows} == {transfer.pk}
    assert Transfer.workflow.reason(transfer, Decision.SUBMITTED) in [e.reason for e in rows]
    # filtered by region: township 1 holds none of them
    assert entries(model="disposal", region=flow.townships[1].pk).context["entries"] == []
    assert len(entries(model="disposal", region=flow.villages[0].pk).context["entries"]) == len(
        entries(model="disposal").context["entries"])
    # only auditors and administrators open it
    village = Client()
    village.force_login(flow.users["village1"])
    assert village.get(url, {"model": "disposal"}).status_code == 403
