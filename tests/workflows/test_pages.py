"""The web pages of the workflows, in Chinese: apply, review with the asset at hand, decide,
follow the trail, the inbox count in the menu; refused acts come back as messages and change
nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from disposals.models import Disposal
from tests.factories import PASSWORD
from tests.workflows.helpers import chinese, collective, snapshot, today
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    def client_for(name: str) -> Client:
        client = Client()
        assert client.login(username=name, password=PASSWORD)
        return client

    return client_for


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_transfer_pages_walk(flow, web):
    village1 = web("village1")
    project = flow.projects[0]
    workshop = flow.assets[0][1]
    choose = village1.get("/transfers/new/")
    assert choose.status_code == 200 and project.name in choose.content.decode()
    form = village1.get(f"/transfers/new/?project={project.pk}")
    assert form.status_code == 200
    page = form.content.decode()
    assert workshop.code in page and "单独到村" in page

    # a refused form comes back with the reason and what was typed
    bad = village1.post(f"/transfers/new/?project={project.pk}", {
        "project": project.pk, "proposal": "会议意见", f"line-{workshop.pk}-include": "on",
        f"line-{workshop.pk}-owner": collective(flow, 1).pk})
    assert bad.status_code == 200 and collective(flow, 1).name in bad.content.decode()
    assert not Transfer.objects.exists()

    saved = village1.post(f"/transfers/new/?project={project.pk}", {
        "project": project.pk, "proposal": "村两委会议：车间确权给本村集体。", "meeting_date": "2026-03-01",
        f"line-{workshop.pk}-include": "on", f"line-{workshop.pk}-owner": collective(flow, 0).pk,
        f"line-{workshop.pk}-beneficiaries": [h.pk for h in flow.households[0]]}, follow=True)
    transfer = Transfer.objects.get()
    assert saved.redirect_chain[-1][0] == f"/transfers/{transfer.pk}/"
    assert transfer.lines.get().beneficiary_ids == sorted(h.pk for h in flow.households[0])
    detail = saved.content.decode()
    assert transfer.number in detail and "草稿" in detail

    village1.post(f"/transfers/{transfer.pk}/submit/")
    committee = web("committee")
    home = committee.get("/").content.decode()
    assert 'data-inbox-count="1"' in home
    inbox = committee.get("/transfers/inbox/")
    assert transfer.number in inbox.content.decode()
    review = committee.get(f"/transfers/{transfer.pk}/").content.decode()
    assert 'name="decision" value="approve"' in review and workshop.code in review
    assert 'class="history"' in review and "county" in review  # the asset's history is at hand

    # a return without a reason is refused, with a message, and changes nothing
    before = snapshot(Transfer, transfer.pk)
    refused = committee.post(f"/transfers/{transfer.pk}/decide/", {"decision": "return", "step": "committee"},
                             follow=True)
    assert chinese(" ".join(messages_of(refused))) and snapshot(Transfer, transfer.pk) == before

    committee.post(f"/transfers/{transfer.pk}/decide/", {"decision": "approve", "step": "committee",
                                                         "comment": "同意"})
    again = committee.post(f"/transfers/{transfer.pk}/decide/", {"decision": "approve", "step": "committee"},
                           follow=True)
    assert "committee" in " ".join(messages_of(again))  # already decided by committee at ...
    web("finance").post(f"/transfers/{transfer.pk}/decide/", {
        "decision": "approve", "step": "approval", "document_number": "麦财资〔2026〕40号",
        "attachment": SimpleUploadedFile("批复.pdf", b"%PDF-1.4 fake", content_type="application/pdf")})
    registration = village1.get(f"/transfers/{transfer.pk}/").content.decode()
    assert f'name="reg-{workshop.pk}-collective_platform-number"' in registration
    data = {"decision": "approve", "step": "registration"}
    for system in ("collective_platform", "revitalization_system"):
        data[f"reg-{workshop.pk}-{system}-number"] = f"N-{system}"
        data[f"reg-{workshop.pk}-{system}-date"] = today().isoformat()
    done = village1.post(f"/transfers/{transfer.pk}/decide/", data, follow=True)
    transfer.refresh_from_db()
    assert transfer.status == "done", messages_of(done)
    page = done.content.decode()
    assert "麦财资〔2026〕40号" in page and f"/transfers/{transfer.pk}/approval.pdf" in page
    decision = transfer.decisions.get(step="approval")
    assert decision.attachment
    file_url = f"/transfers/{transfer.pk}/decisions/{decision.pk}/file/"
    assert file_url in page
    assert web("village2").get(file_url).status_code == 404
    mine = village1.get("/transfers/mine/").content.decode()
    assert transfer.number in mine


def test_disposal_pages_walk(flow, web):
    village1 = web("village1")
    workshop = flow.assets[0][1]
    choose = village1.get("/disposals/new/").content.decode()
    assert workshop.code in choose and flow.assets[2][0].code not in choose
    saved = village1.post(f"/disposals/new/?asset={workshop.code}", {
        "asset": workshop.code, "reason": "damage", "method": "scrapping", "description": "屋顶坍塌",
        "notice_days": "7", "evidence_file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff"),
        "evidence_description": "现场照片"}, follow=True)
    disposal = Disposal.objects.get()
    assert saved.redirect_chain[-1][0] == f"/disposals/{disposal.pk}/"
    assert disposal.evidence.count() == 1
    village1.post(f"/disposals/{disposal.pk}/submit/")
    disposal.refresh_from_db()
    assert disposal.status == "in_review"

    township1 = web("township1")
    review = township1.get(f"/disposals/{disposal.pk}/").content.decode()
    assert workshop.name in review and 'value="approve"' in review and "现场照片" in review
    assert village1.get(f"/disposals/{disposal.pk}/").status_code == 200
    assert 'value="approve"' not in village1.get(f"/disposals/{disposal.pk}/").content.decode()
    assert web("township2").get(f"/disposals/{disposal.pk}/").status_code == 404

    # the village clerk posting a decision anyway: refused with a message, nothing changes
    before = snapshot(Disposal, disposal.pk)
    refused = village1.post(f"/disposals/{disposal.pk}/decide/", {"decision": "approve",
                                                                   "step": "township_review"}, follow=True)
    assert chinese(" ".join(messages_of(refused))) and snapshot(Disposal, disposal.pk) == before

    township1.post(f"/disposals/{disposal.pk}/decide/", {"decision": "return", "step": "township_review",
                                                          "comment": "请补充评估报告"})
    returned = village1.get(f"/disposals/{disposal.pk}/").content.decode()
    assert "请补充评估报告" in returned and f"/disposals/{disposal.pk}/edit/" in returned
    edit = village1.post(f"/disposals/{disposal.pk}/edit/", {
        "reason": "damage", "method": "scrapping", "description": "屋顶坍塌，已评估", "notice_days": "10",
        "appraised_value": "5000"})
    assert edit.status_code == 302
    village1.post(f"/disposals/{disposal.pk}/submit/")
    disposal.refresh_from_db()
    assert (disposal.round, disposal.notice_days, disposal.status) == (2, 10, "in_review")

    for name in ("township1", "dept_commerce", "county", "county"):
        client = web(name)
        disposal.refresh_from_db()
        response = client.post(f"/disposals/{disposal.pk}/decide/", {"decision": "approve",
                                                                       "step": disposal.current_step}, follow=True)
        assert response.status_code == 200
    disposal.refresh_from_db()
    assert disposal.in_notice and disposal.notice_ends_on == today() + datetime.timedelta(days=9)
    public = Client().get(f"/disposals/public/{flow.villages[0].code}/").content.decode()
    assert disposal.number in public
    assert Client().get("/disposals/public/").status_code == 200
    lists = township1.get("/disposals/?status=in_review").content.decode()
    assert disposal.number in lists
    assert township1.get("/transfers/").status_code == 200
    assert web("norole").get("/disposals/").status_code == 403


def test_damage_page(flow, web):
    asset = flow.assets[0][0]
    village1 = web("village1")
    assert village1.get(f"/transfers/change-registrations/damage/?asset={asset.code}").status_code == 200
    response = village1.post("/transfers/change-registrations/damage/", {
        "asset": asset.code, "occurred_on": today().isoformat(), "description": "管道冻裂"})
    assert response.status_code == 302
    listing = village1.get("/transfers/change-registrations/").content.decode()
    assert asset.code in listing and "管道冻裂" in listing
    assert web("village2").get(f"/transfers/change-registrations/damage/?asset={asset.code}").status_code == 404
