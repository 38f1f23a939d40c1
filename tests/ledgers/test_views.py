"""Ledger pages and API: who may ask, small exports at once, large ones as jobs with progress,
the asset list's "export" for the whole filtered list, and the village PDF."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ledgers import jobs
from ledgers.models import LedgerExportJob
from tests.factories import PASSWORD
from tests.ledgers.conftest import codes, load

pytestmark = pytest.mark.django_db


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def body(response) -> bytes:
    # consuming the stream closes the file (the test client wraps it); no second close()
    return b"".join(response.streaming_content)


def test_who_may_open_the_ledger_page(world):
    assert Client().get("/ledgers/").status_code == 302
    assert login("norole").get("/ledgers/").status_code == 403
    page = login("township1").get("/ledgers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="/static/ledgers/ledgers.js"' in html and "<script>" not in html
    # the region choices are the user's own
    assert f'value="{world.villages[0].pk}"' in html and f'value="{world.villages[2].pk}"' not in html


def test_a_small_export_downloads_at_once_and_is_recorded(world):
    client = login("village1")
    response = client.post("/ledgers/", {"ledger": "village", "file_format": "xlsx"})

    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert codes(load(body(response))) == {a.code for a in world.assets[0]}
    job = LedgerExportJob.objects.get(created_by__username="village1")
    assert job.status == "done" and job.attempts == 1


def test_a_large_export_becomes_a_job_with_a_progress_page(world, eager_tasks, monkeypatch):
    monkeypatch.setattr(jobs, "SMALL_EXPORT_ROWS", 0)
    client = login("county")
    response = client.post("/ledgers/", {"ledger": "county", "file_format": "xlsx", "as_of": ""})
    job = LedgerExportJob.objects.get(created_by__username="county")

    assert response.status_code == 302 and response["Location"] == f"/ledgers/exports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f'data-status-url="/ledgers/exports/{job.pk}/status/"' in page and "<progress" in page
    assert f'href="/ledgers/exports/{job.pk}/download/"' in page
    state = client.get(f"/ledgers/exports/{job.pk}/status/").json()
    assert state["status"] == "done" and state["progress"] == 100 and state["rows_done"] == 8
    listing = client.get("/ledgers/").content.decode()
    assert f"/ledgers/exports/{job.pk}/download/" in listing


def test_invalid_requests_are_refused_with_the_reason(world):
    client = login("county")
    response = client.post("/ledgers/", {"ledger": "county", "file_format": "pdf"})
    assert response.status_code == 400 and "只有村台账可以打印为 PDF" in response.content.decode()
    response = client.post("/ledgers/", {"ledger": "household", "file_format": "xlsx", "asset_class": "operating"})
    assert response.status_code == 400


def test_village_pdf_from_the_page(world):
    response = login("village1").post("/ledgers/", {"ledger": "village", "file_format": "pdf",
                                                    "region": world.villages[0].pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert body(response).startswith(b"%PDF")
    # a village outside the clerk's scope is not a choice
    outside = login("village1").post("/ledgers/", {"ledger": "village", "file_format": "pdf",
                                                   "region": world.villages[2].pk})
    assert outside.status_code == 400


def test_asset_list_export_takes_the_whole_filtered_list(world):
    client = login("county")
    query = f"asset_class=public_benefit&region={world.townships[0].pk}&page=2&page_size=1"
    page = client.get(f"/ledgers/export-list/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "（共 2 项资产）" in html  # the whole filtered list, not the page of one (nor 12)

    response = client.post(f"/ledgers/export-list/?{query}")
    assert response.status_code == 200
    exported = codes(load(body(response)))
    assert exported == {a.code for i in (0, 1) for a in world.assets[i] if a.asset_class == "public_benefit"}
    job = LedgerExportJob.objects.get(created_by__username="county")
    assert job.ledger == "list" and "page" not in job.filters["list_query"]


def test_api_starts_a_job_reports_progress_and_offers_the_file(world, eager_tasks):
    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "township1", "password": PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")

    response = api.post("/api/ledger-exports/", {"ledger": "township", "as_of": None}, format="json")
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"].endswith(f"/api/ledger-exports/{job['id']}/")
    detail = api.get(f"/api/ledger-exports/{job['id']}/").json()
    assert detail["status"] == "done" and detail["progress"] == 100
    assert detail["download_url"].endswith(f"/api/ledger-exports/{job['id']}/download/")
    download = api.get(f"/api/ledger-exports/{job['id']}/download/")
    assert download.status_code == 200
    assert codes(load(body(download))) == {a.code for i in (0, 1) for a in world.assets[i]}
    assert [row["id"] for row in api.get("/api/ledger-exports/").json()["results"]] == [job["id"]]

    bad = api.post("/api/ledger-exports/", {"ledger": "township", "region": "000"}, format="json")
    assert bad.status_code == 400 and "region" in bad.json()
    other = APIClient()
    other.force_authenticate(world.user("county"))
    assert other.get(f"/api/ledger-exports/{job['id']}/").status_code == 404
    nobody = APIClient()
    nobody.force_authenticate(world.user("norole"))
    assert nobody.post("/api/ledger-exports/", {"ledger": "county"}, format="json").status_code == 403
    assert APIClient().get("/api/ledger-exports/").status_code == 401
