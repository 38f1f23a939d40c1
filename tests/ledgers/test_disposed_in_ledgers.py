"""Disposed assets (已处置) in the ledgers: out of the totals of the assets held, listed in a
section of their own with the disposal's number and approval document (xlsx and the village PDF)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from disposals.models import Disposal
from ledgers.exports.pdf import village_ledger_context, write_village_pdf
from ledgers.exports.spec import LedgerRequest
from ledgers.exports.xlsx import write_ledger_xlsx
from tests.factories import PASSWORD, build_world
from tests.ledgers.conftest import asset_rows, labelled_rows, load
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import pdf_text, post, today

pytestmark = pytest.mark.django_db
APPROVAL = "麦农批〔2026〕9号"


def client_for(name: str) -> APIClient:
    client = APIClient()
    assert client.login(username=name, password=PASSWORD)
    return client


def dispose(asset) -> Disposal:
    """The collective chain, walked by the roles through the API, to the end (carried out)."""
    village1 = client_for("village1")
    body = post(village1, "/api/disposals/", {
        "asset": asset.pk, "reason": "damage", "method": "auction", "description": "车间屋顶被大风掀翻，已不能生产。",
        "appraised_value": "35000.00"})
    assert "id" in body.json(), body.json()
    pk = body.json()["id"]
    evidence = village1.post(f"/api/disposals/{pk}/evidence/", {
        "file": SimpleUploadedFile("damage.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg"),
        "description": "损毁现场照片"}, format="multipart")
    assert evidence.status_code == 201, evidence.json()
    assert post(village1, f"/api/disposals/{pk}/submit/").status_code == 200
    assert post(client_for("township1"), f"/api/disposals/{pk}/approve/").status_code == 200
    assert post(client_for("dept_commerce"), f"/api/disposals/{pk}/approve/").status_code == 200
    county = client_for("county")
    assert post(county, f"/api/disposals/{pk}/approve/", {"document_number": APPROVAL}).status_code == 200
    assert post(county, f"/api/disposals/{pk}/approve/").status_code == 200  # re-check and filing
    Disposal.objects.filter(pk=pk).update(notice_starts_on=today() - datetime.timedelta(days=8),
                                          notice_ends_on=today() - datetime.timedelta(days=1))
    assert post(client_for("township1"), f"/api/disposals/{pk}/approve/").status_code == 200
    done = post(village1, f"/api/disposals/{pk}/approve/", {
        "carried_out_on": today().isoformat(), "proceeds": "38200.50", "counterparty": "喀什某再生资源公司"})
    assert done.json()["status"] == "done", done.json()
    asset.refresh_from_db()
    assert asset.status == "disposed"
    return Disposal.objects.get(pk=pk)


@pytest.fixture
def disposed_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = add_workflow_users(build_world())
    workshop = world.assets[0][1]  # operating: 扶贫车间 of the first village, 100,000 yuan
    return world, workshop, dispose(workshop)


def test_the_county_ledger_lists_disposed_assets_apart_and_out_of_the_totals(disposed_world, tmp_path):
    world, workshop, disposal = disposed_world
    path = tmp_path / "county.xlsx"
    result = write_ledger_xlsx(world.user("county"), LedgerRequest(ledger="county"), path)

    operating_held = sum(1 for assets in world.assets.values() for a in assets
                         if a.asset_class == "operating" and a.pk != workshop.pk)
    totals = result.class_totals["operating"]
    assert totals["count"] == operating_held
    assert totals["original_value"] == Decimal("100000.00") * operating_held
    assert result.disposed["operating"][0] == 1 and result.disposed["operating"][1] == Decimal("100000.00")

    workbook = load(path)
    ws = workbook["经营性资产"]
    (total,) = labelled_rows(ws, "合计")
    assert f"（{operating_held} 项）" in total[2]
    rows = asset_rows(ws)
    codes_in_order = [row["资产编号"] for row in rows]
    assert codes_in_order[-1] == workshop.code  # after the total, in its own section
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("已处置" in c and "不计入" in c for c in cells)
    document = next(row for row in ws.iter_rows(values_only=True) if row[1] == workshop.code)[-1]
    assert disposal.number in document and APPROVAL in document
    # the summary's total is the assets held; the disposed ones have a row of their own
    summary = workbook.worksheets[0]
    summary_rows = {row[0]: row for row in summary.iter_rows(min_row=5, values_only=True) if row[0]}
    assert summary_rows["合计"][1] == operating_held
    assert any(label.startswith("已处置") and row[1] == 1 for label, row in summary_rows.items())


def test_the_village_pdf_lists_disposed_assets_apart(disposed_world, tmp_path):
    world, workshop, disposal = disposed_world
    request = LedgerRequest(ledger="village", file_format="pdf", region_id=world.villages[0].pk)
    context = village_ledger_context(world.user("county"), request)
    held = [a for a in world.assets[0] if a.pk != workshop.pk]
    assert context["grand"]["count"] == len(held)
    assert context["grand"]["original"] == sum((a.original_value for a in held), Decimal(0))
    assert context["disposed"]["count"] == 1

    path = Path(tmp_path / "village.pdf")
    write_village_pdf(world.user("county"), request, path)
    text = "".join(pdf_text(path.read_bytes(), tmp_path).split())  # narrow cells wrap their text
    assert "已处置资产" in text and disposal.number in text and APPROVAL in text
