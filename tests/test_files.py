"""Stored files are served only by views that check the user's scope (issue 7, item 7): disposal
evidence, decision attachments, import files and export results. Anonymous users are sent to
the login page, users outside the record's scope get 404, a role without the permission 403,
the user in scope gets the file; nothing under /media/ serves anything, in any settings profile;
with nginx in front the view answers with X-Accel-Redirect. ./bin/serve runs with DEBUG off and
its error pages are Chinese and show no settings."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from disposals.models import DisposalEvidence
from ledgers.models import ImportBatch, LedgerExportJob
from tests.conftest import BASE_DIR, SETTINGS_ENV
from tests.factories import PASSWORD, build_world
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import chinese, collective, post
from transfers.models import Transfer

JPEG = b"\xff\xd8\xff\xe0evidence-photo"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def served(response, expected: bytes) -> bool:
    return response.status_code == 200 and content(response) == expected


def refused(response, status: int) -> bool:
    """No file: the status, and none of the file's bytes."""
    return response.status_code == status and b"evidence-photo" not in content(response)


def assert_private_download(response, expected: bytes) -> None:
    assert served(response, expected), response.status_code
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


# --- one record of each kind of stored file ----------------------------------------------------------


@pytest.fixture
def flow(db):
    return add_workflow_users(build_world())


@pytest.fixture
def evidence(flow) -> tuple[str, str]:
    """A disposal of village 1 with a photo: (download URL, stored name)."""
    api = APIClient()
    api.force_authenticate(flow.users["village1"])
    created = post(api, "/api/disposals/", {"asset": flow.assets[0][1].pk, "reason": "damage", "method": "auction",
                                            "description": "屋顶损毁，无法使用。", "appraised_value": "1000.00"})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    upload = api.post(f"/api/disposals/{pk}/evidence/",
                      {"file": SimpleUploadedFile("现场.jpg", JPEG, content_type="image/jpeg"),
                       "description": "现场照片"}, format="multipart")
    assert upload.status_code == 201, upload.json()
    record = DisposalEvidence.objects.get(pk=upload.json()["id"])
    return upload.json()["url"].split("testserver", 1)[-1], record.file.name


@pytest.fixture
def attachment(flow) -> tuple[str, str]:
    """A transfer of village 1 approved by the committee with an attached file."""
    clerk, committee = APIClient(), APIClient()
    clerk.force_authenticate(flow.users["village1"])
    committee.force_authenticate(flow.users["committee"])
    created = post(clerk, "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村集体会议意见。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    pk = created.json()["id"]
    assert post(clerk, f"/api/transfers/{pk}/submit/").status_code == 200
    approved = committee.post(f"/api/transfers/{pk}/approve/",
                              {"comment": "同意", "attachment": SimpleUploadedFile("会议纪要.pdf", JPEG)},
                              format="multipart")
    assert approved.status_code == 200, approved.json()
    decision = next(d for d in approved.json()["decisions"] if d["attachment_url"])
    stored = Transfer.objects.get(pk=pk).decisions.get(pk=decision["id"]).attachment.name
    return decision["attachment_url"].split("testserver", 1)[-1], stored


@pytest.fixture
def export_job(flow) -> LedgerExportJob:
    response = login("village1").post("/ledgers/", {"ledger": "village", "file_format": "xlsx"})
    assert response.status_code == 200
    content(response)
    job = LedgerExportJob.objects.get(created_by__username="village1")
    assert job.result
    return job


@pytest.fixture
def import_batch(flow) -> ImportBatch:
    return ImportBatch.objects.create(kind="assets", uploaded_by=flow.users["village1"], original_name="资产导入.xlsx",
                                      sha256="a" * 64, size=len(JPEG), file=ContentFile(JPEG, name="资产导入.xlsx"))


# --- who gets which file ---------------------------------------------------------------------------------


def test_disposal_evidence_only_in_scope(evidence):
    url, name = evidence
    assert_private_download(login("township1").get(url), JPEG)  # the village's township: in scope
    assert served(login("village1").get(url), JPEG)
    assert refused(Client().get(url), 302)                     # anonymous: to the login page
    assert refused(login("village2").get(url), 404)            # another township's village
    assert refused(login("dept_water").get(url), 404)          # a department that does not supervise it
    assert refused(login("norole").get(url), 403)              # no role at all
    for client in (Client(), login("village1")):
        assert refused(client.get(f"/media/{name}"), 404)


def test_decision_attachments_only_in_scope(attachment):
    url, name = attachment
    assert_private_download(login("village1").get(url), JPEG)
    assert refused(Client().get(url), 302)
    assert refused(login("village2").get(url), 404)
    assert refused(login("norole").get(url), 403)
    assert refused(login("village1").get(f"/media/{name}"), 404)


def test_export_results_only_for_whoever_asked(export_job):
    web = f"/ledgers/exports/{export_job.pk}/download/"
    api = f"/api/ledger-exports/{export_job.pk}/download/"
    expected = export_job.result.open("rb").read()
    export_job.result.close()
    for url in (web, api):
        assert_private_download(login("village1").get(url), expected)
        assert login("village1b").get(url).status_code == 404  # another user's export
        assert login("county").get(url).status_code == 404     # even a county-wide role
    assert Client().get(web).status_code == 302
    assert Client().get(api).status_code in (401, 403)
    assert login("village1").get(f"/media/{export_job.result.name}").status_code == 404


def test_import_files_only_for_whoever_uploaded(import_batch):
    url = f"/ledgers/import/{import_batch.pk}/file/"
    response = login("village1").get(url)
    assert_private_download(response, JPEG)
    assert "filename*=UTF-8''%E8%B5%84%E4%BA%A7" in response["Content-Disposition"]
    assert refused(login("village1b").get(url), 404)
    assert refused(login("county").get(url), 404)
    assert refused(Client().get(url), 302)
    assert refused(login("village1").get(f"/media/{import_batch.file.name}"), 404)


def test_behind_nginx_the_view_answers_with_x_accel_redirect(settings, evidence):
    settings.FILES_X_ACCEL_REDIRECT = "/protected-media/"
    url, name = evidence
    response = login("township1").get(url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + quote(name)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "X-Accel-Redirect" not in login("village2").get(url)
    assert login("village2").get(url).status_code == 404


def test_templates_link_to_the_download_views(evidence, attachment):
    url, _name = evidence
    page = login("village1").get(url.rsplit("/evidence/", 1)[0] + "/").content.decode()
    assert f'href="{url}"' in page and "/media/" not in page
    url, _name = attachment
    transfer_page = login("village1").get(url.rsplit("/decisions/", 1)[0] + "/").content.decode()
    assert "/media/" not in transfer_page


# --- ./bin/serve's environment: DEBUG off, no /media/, Chinese error pages ------------------------------


def serve_environment(**shell: str) -> dict[str, str]:
    """The variables ./bin/serve sets (bin/_common.sh: serve_environment), from a shell that has the
    real services' variables and DJANGO_DEBUG=1 set."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    env.update(shell)
    script = 'source bin/_common.sh && serve_environment 2>/dev/null && env -0'
    result = subprocess.run(["bash", "-c", script], cwd=BASE_DIR, env=env, capture_output=True, check=True)
    pairs = (item.split(b"=", 1) for item in result.stdout.split(b"\0") if b"=" in item)
    values = {key.decode(): value.decode() for key, value in pairs}
    return {key: values[key] for key in SETTINGS_ENV if key in values}


SERVE_CHECK = """
import json, os
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

media = settings.MEDIA_ROOT / "ledgers" / "exports"
media.mkdir(parents=True)
(media / "county.xlsx").write_bytes(b"evidence-photo")
call_command("collectstatic", interactive=False, verbosity=0)
out = {"debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "database": str(settings.DATABASES["default"]["NAME"])}
client = Client(raise_request_exception=False, HTTP_HOST="localhost")
media_response = client.get("/media/ledgers/exports/county.xlsx")
out["media"] = [media_response.status_code, b"evidence-photo" in media_response.content]
static = client.get("/static/css/bangfu.css")
out["static"] = static.status_code
page = client.get("/no-such-page/")
out["404"] = [page.status_code, page.content.decode()]
api = client.get("/api/no-such-endpoint/")
out["api404"] = [api.status_code, api["Content-Type"], api.content.decode()]
bad_host = client.get("/login/", HTTP_HOST="evil.example.com")
out["bad_host"] = [bad_host.status_code, bad_host.content.decode()]
with override_settings(ROOT_URLCONF="tests.failing_urls"):
    failure = client.get("/test-failure/")
    out["500"] = [failure.status_code, failure.content.decode()]
    api_failure = client.get("/api/test-failure/")
    out["api500"] = [api_failure.status_code, api_failure["Content-Type"], api_failure.content.decode()]
print(json.dumps(out, ensure_ascii=False))
"""


def test_bin_serve_runs_with_debug_off_and_chinese_error_pages(run_python, tmp_path):
    env = serve_environment(DJANGO_DEBUG="1", DATABASE_URL="postgres://bangfu:s3cret@db.example.org/bangfu",
                            REDIS_URL="redis://cache.example.org:6379/0",
                            DJANGO_SETTINGS_MODULE="config.settings.base")
    assert env["DJANGO_DEBUG"] == "0" and "DATABASE_URL" not in env and "REDIS_URL" not in env
    result = run_python(SERVE_CHECK, BANGFU_STATIC_ROOT=str(tmp_path / "static"), **env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["debug"] is False
    assert out["hosts"] == ["127.0.0.1", "localhost"]
    status, html = out["bad_host"]
    assert status == 400 and "请求无效" in html and "evil.example.com" not in html
    assert out["database"].endswith("bangfu.sqlite3")  # the embedded default, not the shell's database
    assert out["media"] == [404, False]
    assert out["static"] == 200  # WhiteNoise serves the collected files with DEBUG off
    status, html = out["404"]
    assert status == 404 and chinese(html) and "不存在" in html
    status, html = out["500"]
    assert status == 500 and "系统错误" in html and "请稍后再试" in html
    for html in (out["404"][1], out["500"][1], out["api500"][2]):
        for secret in ("DATABASE", "REDIS_URL", "SECRET_KEY", "Traceback", "postgres://", "settings"):
            assert secret not in html, secret
    status, content_type, body = out["api404"]
    assert status == 404 and content_type.startswith("application/json") and chinese(json.loads(body)["detail"])
    status, content_type, body = out["api500"]
    assert status == 500 and content_type.startswith("application/json") and chinese(json.loads(body)["detail"])


def test_no_media_route_even_with_debug_on(run_python):
    code = """
import django
django.setup()
from django.conf import settings
from django.test import Client
(settings.MEDIA_ROOT / "leak.txt").parent.mkdir(parents=True, exist_ok=True)
(settings.MEDIA_ROOT / "leak.txt").write_bytes(b"evidence-photo")
r = Client(raise_request_exception=False).get("/media/leak.txt")
print(settings.DEBUG, r.status_code, b"evidence-photo" in r.content)
"""
    for env in ({"DJANGO_DEBUG": "1"}, {}):
        result = run_python(code, **env)
        assert result.returncode == 0, result.stderr[-3000:]
        debug, status, leaked = result.stdout.split()
        assert debug == ("True" if env else "False")  # DEBUG off unless asked for
        assert status == "404" and leaked == "False", (env, result.stdout)


def test_403_and_404_pages_are_chinese_and_say_why(flow):
    forbidden = login("norole").get("/ledgers/")
    assert forbidden.status_code == 403
    html = forbidden.content.decode()
    assert "无权访问" in html and "您的角色无权进行此操作" in html
    missing = login("village1").get("/transfers/999999/")
    assert missing.status_code == 404 and "该页面或记录不存在" in missing.content.decode()
    # an item that is not the user's to change: the page gives the reason
    clerk = APIClient()
    clerk.force_authenticate(flow.users["village1"])
    created = post(clerk, "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村集体会议意见。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    pk = created.json()["id"]
    edit = login("county").get(f"/transfers/{pk}/edit/")
    assert edit.status_code == 403 and "只有申请人可以修改草稿或被退回的移交申请" in edit.content.decode()


PRODUCTION_API_ERRORS = """
import json
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings
override_settings(ROOT_URLCONF="tests.failing_urls", STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
c = Client(raise_request_exception=False, HTTP_HOST="example.org", HTTP_X_FORWARDED_PROTO="https")
out = {}
for name, response in [("404", c.get("/api/no-such-endpoint/")), ("500", c.get("/api/test-failure/")),
                       ("405", c.delete("/api/test-failure/")), ("401", c.get("/api/assets/"))]:
    out[name] = [response.status_code, response["Content-Type"], response.content.decode()]
print(json.dumps(out, ensure_ascii=False))
"""


def test_production_api_errors_are_json(run_python):
    from tests.test_security import PRODUCTION

    result = run_python(PRODUCTION_API_ERRORS, DJANGO_SECRET_KEY=secrets.token_urlsafe(45), **PRODUCTION)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for name, (_status, content_type, body) in out.items():
        assert content_type.startswith("application/json"), (name, body[:300])
        assert chinese(json.loads(body)["detail"]), (name, body)
        assert "postgres://" not in body and "Traceback" not in body
    assert [out[name][0] for name in ("404", "500", "405")] == [404, 500, 405]
    assert out["401"][0] in (401, 403)
