"""A decided step tells the next approver, end to end through a real Celery worker on Redis:
nothing of the notification path is replaced. Written against what a user sees (the mail in the
next decider's inbox), so it holds however the act hands its notification to the broker."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from disposals.models import Disposal
from tests.factories import build_world
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import ensure_reference_data, post

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for_mails(count: int, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(mail.outbox)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_decided_disposal_step_notifies_the_next_approver(celery_worker, api):
    ensure_reference_data()
    world = add_workflow_users(build_world())
    village1, township1 = api("village1"), api("township1")
    created = post(village1, "/api/disposals/", {"asset": world.assets[0][1].pk, "reason": "damage",
                                                 "method": "auction", "description": "损毁"})
    pk = created.json()["id"]
    village1.post(f"/api/disposals/{pk}/evidence/", {
        "file": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff", content_type="image/jpeg"), "description": "照片"},
        format="multipart")
    assert mail.outbox == []  # a draft tells nobody
    assert post(village1, f"/api/disposals/{pk}/submit/").status_code == 200
    number = Disposal.objects.get(pk=pk).number
    first = wait_for_mails(1)
    assert [m.to for m in first] == [["township1@example.test"]]

    approved = post(township1, f"/api/disposals/{pk}/approve/", {"comment": "情况属实"})
    assert approved.status_code == 200 and approved.json()["current_step"] == "department_review"
    mails = wait_for_mails(2)
    # the workshop's department (商工局) decides next, and is told so, by the worker
    assert [m.to for m in mails] == [["township1@example.test"], ["dept_commerce@example.test"]]
    assert number in mails[1].subject and number in mails[1].body
    assert any("\u4e00" <= char <= "\u9fff" for char in mails[1].subject)  # in Chinese
    time.sleep(1)
    assert len(mail.outbox) == 2  # told once per act
