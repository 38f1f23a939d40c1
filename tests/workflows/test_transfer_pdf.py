"""The transfer approval (资产移交批复) names as recipients the owners in its table (issue 7,
item 17): for a cross-village project the village collectives holding the shares, not the
county bureau that carries the transfer out. Read from the real PDF with pdftotext."""

from __future__ import annotations

import re

import pytest

from tests.workflows.helpers import collective, make_asset, make_project, org, pdf_text, post

pytestmark = pytest.mark.django_db


def approved_pdf(flow, api, tmp_path, *, lines: list[dict], project, share_basis: str = "",
                 applicant: str = "county") -> str:
    county = api(applicant)
    data = {"project": project.pk, "proposal": "县政府研究确定。", "lines": lines}
    if share_basis:
        data["share_basis"] = share_basis
    created = post(county, "/api/transfers/", data)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert post(county, f"/api/transfers/{pk}/submit/").status_code == 200
    assert post(api("committee"), f"/api/transfers/{pk}/approve/").status_code == 200
    approved = post(api("finance"), f"/api/transfers/{pk}/approve/", {"document_number": "麦财资〔2026〕31号"})
    assert approved.status_code == 200, approved.json()
    pdf = county.get(f"/transfers/{pk}/approval.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    return re.sub(r"\s+", "", pdf_text(pdf.content, tmp_path))  # CJK lines wrap anywhere


def test_cross_village_approval_names_the_share_holding_collectives(flow, api, tmp_path):
    project = make_project(flow, "XM-PDF-1", implementer=org("agri_bureau"), region=flow.townships[0],
                           covered=[flow.villages[0], flow.villages[1]])
    store = make_asset(flow, project, category="cold_store", village=flow.villages[0], code="ZC-PDF-1")
    first, second = collective(flow, 0), collective(flow, 1)
    lines = [{"asset": store.pk, "owner_organisation": first.pk,
              "shares": [{"organisation": first.pk, "percent": "60.00"},
                         {"organisation": second.pk, "percent": "40.00"}]}]

    text = approved_pdf(flow, api, tmp_path, lines=lines, project=project, share_basis="investment")

    sentence = re.search(r"一、同意将该项目形成的以下.*?移交给(.*?)：", text)
    assert sentence, text
    recipients = sentence.group(1)
    assert first.name in recipients and second.name in recipients, recipients
    assert org("agri_bureau").name not in recipients  # the bureau carries it out; it does not receive it
    copies = re.search(r"抄送：(.*?)。", text).group(1)
    assert first.name in copies and second.name in copies and org("agri_bureau").name in copies
    assert "60.00%" in text and "40.00%" in text, text


def test_village_only_approval_names_the_village_collective(flow, api, tmp_path):
    workshop = flow.assets[0][1]
    lines = [{"asset": workshop.pk, "owner_organisation": collective(flow, 0).pk}]
    text = approved_pdf(flow, api, tmp_path, lines=lines, project=flow.projects[0], applicant="village1")
    recipients = re.search(r"移交给(.*?)：", text).group(1)
    assert recipients == collective(flow, 0).name
