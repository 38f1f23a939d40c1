"""Disposal (处置, 四(八)) walked through the API by the demo roles: the collective chain and the
state-owned chain, the asset's status on the way, proceeds against the owner, the earning-asset
flag, the public notice page (no login) and its PDF."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from assets.actions import do_update_asset
from assets.models import Asset
from disposals.models import Disposal
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
from transfers.models import ChangeRegistration
from workflow.engine import ItemStatus

pytestmark = pytest.mark.django_db


def photo(name: str = "damage.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


def apply(client, asset: Asset, **extra) -> dict:
    data = {"asset": asset.pk, "reason": "damage", "method": "auction",
            "description": "车间屋顶被大风掀翻，设备锈蚀，已不能生产。", "appraised_value": "35000.00", **extra}
    response = post(client, "/api/disposals/", data)
    assert response.status_code == 201, response.json()
    return response.json()


def add_evidence(client, pk: int) -> None:
    response = client.post(f"/api/disposals/{pk}/evidence/", {"file": photo(), "description": "损毁现场照片"},
                           format="multipart")
    assert response.status_code == 201, response.json()


def close_file_response(response) -> None:
    """Close a FileResponse's file without ending the test's database connection (closing a
    response sends request_finished, which Django's test client only mutes during the request)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def end_notice(pk: int) -> None:
    """Let the public notice period run out (the clock, not a shortcut through the chain)."""
    Disposal.objects.filter(pk=pk).update(notice_starts_on=today() - datetime.timedelta(days=8),
                                          notice_ends_on=today() - datetime.timedelta(days=1))


def test_collective_asset_chain_end_to_end(flow, api, tmp_path):
    village1, township1, commerce, county = api("village1"), api("township1"), api("dept_commerce"), api("county")
    workshop = flow.assets[0][1]
    body = apply(village1, workshop)
    pk, number = body["id"], body["number"]
    assert body["status"] == "draft" and not body["earning_flag"]
    no_evidence = post(village1, f"/api/disposals/{pk}/submit/")
    assert no_evidence.status_code == 400 and chinese(no_evidence.json()["evidence"][0])
    add_evidence(village1, pk)

    submitted = post(village1, f"/api/disposals/{pk}/submit/")
    assert submitted.json()["current_step"] == "township_review"
    workshop.refresh_from_db()
    assert workshop.status == "under_disposal"
    assert submitted.json()["previous_asset_status"] == "in_use"

    assert post(township1, f"/api/disposals/{pk}/approve/", {"comment": "情况属实"}).json()["current_step"] == \
        "department_review"
    # 商工局 supervises workshops; 水利局 does not
    assert post(api("dept_water"), f"/api/disposals/{pk}/approve/").status_code == 404
    assert post(commerce, f"/api/disposals/{pk}/approve/").json()["current_step"] == "county_approval"
    approved = post(county, f"/api/disposals/{pk}/approve/", {"document_number": "麦农批〔2026〕7号"})
    assert approved.json()["current_step"] == "filing" and approved.json()["approval_number"] == "麦农批〔2026〕7号"
    in_notice = post(county, f"/api/disposals/{pk}/approve/", {"comment": "已复核备案"}).json()
    assert in_notice["current_step"] == "notice"
    assert in_notice["notice_starts_on"] == today().isoformat()
    assert in_notice["notice_ends_on"] == (today() + datetime.timedelta(days=6)).isoformat()

    # the public notice: no login, the township's and the village's pages, and the PDF
    public = Client()
    for code in (flow.townships[0].code, flow.villages[0].code):
        page = public.get(f"/disposals/public/{code}/")
        assert page.status_code == 200 and number in page.content.decode()
    assert number not in public.get(f"/disposals/public/{flow.villages[1].code}/").content.decode()
    pdf = public.get(f"/disposals/public/notice/{number}.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content, tmp_path)
    assert "处置公示" in text and number in text and "麦农批〔2026〕7号" in text

    early = post(township1, f"/api/disposals/{pk}/approve/")
    assert early.status_code == 409 and in_notice["notice_ends_on"] in early.json()["detail"]
    end_notice(pk)
    assert post(township1, f"/api/disposals/{pk}/approve/").json()["current_step"] == "carry_out"

    missing = post(village1, f"/api/disposals/{pk}/approve/", {"carried_out_on": today().isoformat()})
    assert missing.status_code == 400 and {"proceeds", "counterparty"} <= set(missing.json())
    done = post(village1, f"/api/disposals/{pk}/approve/", {
        "carried_out_on": today().isoformat(), "proceeds": "38200.50", "counterparty": "喀什某再生资源公司"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["proceeds"] == "38200.50"
    assert done.json()["proceeds_owner"] == collective(flow, 0).name

    workshop.refresh_from_db()
    assert workshop.status == "disposed" and Asset.objects.filter(pk=workshop.pk).exists()
    assert number in workshop.history.first().history_change_reason
    change = ChangeRegistration.objects.get(asset=workshop)
    assert (change.kind, str(change.amount), change.disposal_id) == ("sale", "38200.50", pk)

    page = public.get(f"/disposals/public/{flow.villages[0].code}/").content.decode()
    assert number in page and "38,200.50" in page
    for household in flow.households[0]:  # never a personal ID number on a public page
        assert household.id_number not in page
    steps = [d["step"] for d in done.json()["decisions"]]
    assert steps == ["submit", "township_review", "department_review", "county_approval", "filing", "notice",
                     "carry_out"]


def test_state_owned_asset_goes_through_committee_and_finance(flow, api):
    """水利局 owns a drinking-water asset (state): it applies itself (so no department review of
    its own), 县委财经委员会 passes, 财政局 issues the 批复."""
    water = flow.assets[0][0]
    do_update_asset(water, {"ownership_type": "state", "owner_organisation": org("dept_water")},
                    acting_user=flow.user("county"), reason="确权至水利局")
    dept = api("dept_water")
    body = apply(dept, water, reason="normal_scrapping", method="scrapping", description="管网老化报废。")
    pk = body["id"]
    add_evidence(dept, pk)
    assert post(dept, f"/api/disposals/{pk}/submit/").json()["current_step"] == "township_review"
    assert post(api("township1"), f"/api/disposals/{pk}/approve/").json()["current_step"] == "committee"
    # the county agriculture bureau does not approve state-owned assets
    assert post(api("county"), f"/api/disposals/{pk}/approve/").status_code == 403
    assert post(api("committee"), f"/api/disposals/{pk}/approve/").json()["current_step"] == "finance_approval"
    assert post(api("finance"), f"/api/disposals/{pk}/approve/").status_code == 400  # no 批复 number
    after = post(api("finance"), f"/api/disposals/{pk}/approve/", {"document_number": "麦财资〔2026〕30号"}).json()
    assert after["current_step"] == "filing" and after["approval_number"] == "麦财资〔2026〕30号"
    post(api("county"), f"/api/disposals/{pk}/approve/")
    end_notice(pk)
    post(api("township1"), f"/api/disposals/{pk}/approve/")
    done = post(dept, f"/api/disposals/{pk}/approve/", {"carried_out_on": today().isoformat(), "proceeds": "0"})
    assert done.json()["status"] == "done", done.json()
    assert done.json()["proceeds_owner"] == org("dept_water").name
    assert ChangeRegistration.objects.get(asset=water).kind == "scrapping"
    chain = [row["step"] for row in done.json()["decisions"]]
    assert "department_review" not in chain and "county_approval" not in chain


def test_disposing_of_an_earning_asset_is_flagged(flow, api):
    workshop = flow.assets[0][1]
    do_update_asset(workshop, {"operating_mode": "leased", "operating_entity": "麦盖提县某农副产品公司",
                               "contract_start": today() - datetime.timedelta(days=400),
                               "contract_end": today() + datetime.timedelta(days=700)},
                    acting_user=flow.user("county"), reason="租赁经营")
    refused = post(api("village1"), "/api/disposals/", {
        "asset": workshop.pk, "reason": "market_risk", "method": "transfer", "description": "市场行情不好"})
    assert refused.status_code == 400 and "运营良好" in str(refused.json())
    assert not Disposal.objects.exists()
    body = apply(api("village1"), workshop, reason="market_risk", method="transfer",
                 earning_justification="承租方经营范围调整，经村民代表会议同意转让。")
    assert body["earning_flag"] and "麦盖提县某农副产品公司" in body["earning_note"]
    page = api("township1").get(f"/disposals/{body['id']}/")
    assert page.status_code == 200
    assert "麦盖提县某农副产品公司" in page.content.decode() and "运营良好" in page.content.decode()
    plain = apply(api("village1"), flow.assets[0][0], reason="natural_wear", method="scrapping")
    assert not plain["earning_flag"]

    def numbers(query: str) -> list[str]:
        response = api("county").get(f"/api/disposals/?{query}")
        assert response.status_code == 200
        return [row["number"] for row in response.json()["results"]]

    assert numbers("earning_flag=true") == [body["number"]]
    assert numbers("earning_flag=false") == [plain["number"]]
    assert sorted(numbers("")) == sorted([body["number"], plain["number"]])


def test_applicants_and_the_asset_rules(flow, api):
    workshop = flow.assets[0][1]
    outside = post(api("village2"), "/api/disposals/", {
        "asset": workshop.pk, "reason": "damage", "method": "auction", "description": "x"})
    assert outside.status_code == 400  # the asset does not exist for village 2
    not_owner = post(api("township1"), "/api/disposals/", {
        "asset": workshop.pk, "reason": "damage", "method": "auction", "description": "x"})
    assert not_owner.status_code == 403 and chinese(not_owner.json()["detail"])
    assert post(api("finance"), "/api/disposals/", {}).status_code == 403
    first = apply(api("village1"), workshop)
    second = post(api("village1"), "/api/disposals/", {
        "asset": workshop.pk, "reason": "damage", "method": "auction", "description": "x"})
    assert second.status_code == 400 and first["number"] in str(second.json())
    equity = post(api("village1"), "/api/disposals/", {
        "asset": flow.assets[0][0].pk, "reason": "damage", "method": "equity_exit", "description": "x"})
    assert equity.status_code == 400 and chinese(equity.json()["method"][0])


def test_reject_and_withdraw_give_the_asset_its_status_back(flow, api):
    village1 = api("village1")
    workshop, water = flow.assets[0][1], flow.assets[0][0]
    body = apply(village1, workshop)
    add_evidence(village1, body["id"])
    post(village1, f"/api/disposals/{body['id']}/submit/")
    assert Asset.objects.get(pk=workshop.pk).status == "under_disposal"
    rejected = post(api("township1"), f"/api/disposals/{body['id']}/reject/", {"comment": "维修后可继续使用。"})
    assert rejected.json()["status"] == "rejected"
    assert Asset.objects.get(pk=workshop.pk).status == "in_use"

    other = apply(village1, water, reason="natural_wear", method="scrapping", description="管道老化")
    add_evidence(village1, other["id"])
    post(village1, f"/api/disposals/{other['id']}/submit/")
    post(api("township1"), f"/api/disposals/{other['id']}/return/", {"comment": "请补充照片"})
    assert Asset.objects.get(pk=water.pk).status == "under_disposal"  # still applied for while returned
    withdrawn = post(village1, f"/api/disposals/{other['id']}/withdraw/", {"comment": "不再处置"})
    assert withdrawn.json()["status"] == ItemStatus.WITHDRAWN
    assert Asset.objects.get(pk=water.pk).status == "in_use"
    assert Disposal.objects.count() == 2


def test_return_edit_resubmit(flow, api):
    village1, township1 = api("village1"), api("township1")
    body = apply(village1, flow.assets[0][1])
    pk = body["id"]
    add_evidence(village1, pk)
    post(village1, f"/api/disposals/{pk}/submit/")
    post(township1, f"/api/disposals/{pk}/approve/")
    returned = post(api("dept_commerce"), f"/api/disposals/{pk}/return/", {"comment": "请附评估报告。"})
    assert returned.json()["status"] == "returned"
    before = snapshot(Disposal, pk)
    assert post(township1, f"/api/disposals/{pk}/approve/").status_code == 409
    assert api("township1").patch(f"/api/disposals/{pk}/", {"description": "x"}, format="json").status_code == 403
    assert snapshot(Disposal, pk) == before
    edited = village1.patch(f"/api/disposals/{pk}/", {"appraised_value": "30000.00", "description": "补充评估"},
                            format="json")
    assert edited.status_code == 200, edited.json()
    response = village1.post(f"/api/disposals/{pk}/evidence/",
                             {"file": photo("appraisal.pdf"), "description": "资产评估报告"}, format="multipart")
    assert response.json()["round"] == 2
    again = post(village1, f"/api/disposals/{pk}/submit/").json()
    assert (again["round"], again["current_step"]) == (2, "township_review")  # the chain starts again
    assert len(again["evidence"]) == 2
    rounds = [(d["round"], d["step"], d["decision"]) for d in again["decisions"]]
    assert rounds == [(1, "submit", "submitted"), (1, "township_review", "approved"),
                      (1, "department_review", "returned"), (2, "submit", "submitted")]


def test_evidence_files_are_scoped(flow, api):
    village1 = api("village1")
    body = apply(village1, flow.assets[0][1])
    add_evidence(village1, body["id"])
    url = api("village1").get(f"/api/disposals/{body['id']}/").json()["evidence"][0]["url"]
    path = url.split("testserver", 1)[-1]
    download = api("township1").get(path)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff\xd8")
    close_file_response(download)
    assert api("village2").get(path).status_code == 404
    assert Client().get(path).status_code == 302  # to the login page
    bad = village1.post(f"/api/disposals/{body['id']}/evidence/",
                        {"file": SimpleUploadedFile("x.exe", b"MZ"), "description": "程序"}, format="multipart")
    assert bad.status_code == 400


def public_index_rows(client) -> dict[str, tuple[str, str]]:
    """Township name -> (count, villages cell) of the public index, as the page shows them."""
    import re

    index = client.get("/disposals/public/")
    assert index.status_code == 200
    html = index.content.decode()
    rows = re.findall(r'<tr>\s*<td><a href="/disposals/public/\d+/">([^<]+)</a></td>\s*<td class="num">(\d+)</td>'
                      r"\s*<td>(.*?)</td>\s*</tr>", html, re.S)
    return {name: (count, re.sub(r"<[^>]+>", "", villages).strip()) for name, count, villages in rows}


def test_public_index_lists_only_notices_and_done(flow, api):
    body = apply(api("village1"), flow.assets[0][1])
    add_evidence(api("village1"), body["id"])
    post(api("village1"), f"/api/disposals/{body['id']}/submit/")
    public = Client()
    t1, t2 = flow.townships[0].name, flow.townships[1].name
    # in review, not yet in public notice: nothing to show anywhere
    assert public_index_rows(public) == {t1: ("0", "—"), t2: ("0", "—")}
    assert body["number"] not in public.get(f"/disposals/public/{flow.villages[0].code}/").content.decode()
    assert public.get(f"/disposals/public/notice/{body['number']}.pdf").status_code == 404
    assert public.get("/api/disposals/").status_code in (401, 403)
    # through the reviews into the notice: the township and its village are listed, with the count
    pk = body["id"]
    post(api("township1"), f"/api/disposals/{pk}/approve/")
    post(api("dept_commerce"), f"/api/disposals/{pk}/approve/")
    post(api("county"), f"/api/disposals/{pk}/approve/")
    assert post(api("county"), f"/api/disposals/{pk}/approve/").json()["current_step"] == "notice"
    assert public_index_rows(public) == {t1: ("1", f"{flow.villages[0].name}（1）"), t2: ("0", "—")}
    assert body["number"] in public.get(f"/disposals/public/{flow.villages[0].code}/").content.decode()


def test_a_project_in_two_townships_is_visible_to_both(flow, api):
    project = make_project(flow, "XM-TWO-1", implementer=org("agri_bureau"), region=flow.county,
                           covered=[flow.townships[0], flow.townships[1]])
    asset = make_asset(flow, project, category="cold_store", village=flow.villages[2], code="ZC-TWO-1",
                       owner=collective(flow, 2))
    body = apply(api("village2"), asset)
    assert api("township2").get(f"/api/disposals/{body['id']}/").status_code == 200
    assert api("township1").get(f"/api/disposals/{body['id']}/").status_code == 404
