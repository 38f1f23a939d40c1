"""The public notice PDF of a disposal (公示, no login) is laid out once per version of the notice
and then served from the cache; when the notice changes, the next request gets the new version."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.workflows.helpers import pdf_text, post, today
from tests.workflows.test_disposals import add_evidence, apply, end_notice
from workflow import pdf

pytestmark = pytest.mark.django_db


def test_a_notice_pdf_is_rendered_once_per_version(flow, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # a cache of this test's own (the shared Redis may hold another run's PDF of the same number)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"notice-{uuid.uuid4().hex}"}}
    village1, township1, county = api("village1"), api("township1"), api("county")
    body = apply(village1, flow.assets[0][1])
    pk, number = body["id"], body["number"]
    add_evidence(village1, pk)
    post(village1, f"/api/disposals/{pk}/submit/")
    post(township1, f"/api/disposals/{pk}/approve/")
    post(api("dept_commerce"), f"/api/disposals/{pk}/approve/")
    post(county, f"/api/disposals/{pk}/approve/", {"document_number": "麦农批〔2026〕8号"})
    assert post(county, f"/api/disposals/{pk}/approve/").json()["current_step"] == "notice"

    public = Client()
    url = f"/disposals/public/notice/{number}.pdf"
    before = pdf.renders
    first = public.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert pdf.renders == before + 1
    for _ in range(5):  # anonymous readers: no layout, the same document
        again = public.get(url)
        assert again.status_code == 200 and again.content == first.content
    assert pdf.renders == before + 1
    assert "38,200.50" not in pdf_text(first.content, tmp_path)

    # the notice changes: the disposal is carried out, with its proceeds
    end_notice(pk)
    post(township1, f"/api/disposals/{pk}/approve/")
    done = post(village1, f"/api/disposals/{pk}/approve/", {
        "carried_out_on": today().isoformat(), "proceeds": "38200.50", "counterparty": "喀什某再生资源公司"})
    assert done.json()["status"] == "done", done.json()
    changed = public.get(url)
    assert changed.status_code == 200 and changed.content != first.content
    assert pdf.renders == before + 2
    assert "38,200.50" in pdf_text(changed.content, tmp_path)
    assert public.get(url).content == changed.content and pdf.renders == before + 2
