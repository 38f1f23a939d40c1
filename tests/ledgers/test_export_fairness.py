"""Fairness of the export queue and quick recovery from a dead worker:

* one user may have only so many exports queued or running (a clear Chinese message; 429 in the
  API), also when the requests arrive at once;
* exports go to a small or a large queue by their row count, so that a village's export does not
  wait behind county ledgers, and the deployment's worker consumes both;
* a killed worker's export runs again as soon as somebody looks at it, not minutes later.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from ledgers import jobs
from ledgers.choices import JobStatus
from ledgers.exports.spec import LedgerRequest
from ledgers.models import LedgerExportJob
from ledgers.tasks import export_ledger
from tests.factories import PASSWORD
from tests.ledgers.conftest import codes, load
from tests.ledgers.test_jobs import _forget_queue, _worker_process, wait_for

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def api_for(user) -> APIClient:
    client = APIClient()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def queued(user, n: int) -> None:
    for _ in range(n):
        jobs.create_job(user, LedgerRequest(ledger="county"))


@pytest.mark.django_db
def test_a_user_may_have_only_so_many_exports_queued_or_running(world, settings, monkeypatch):
    settings.LEDGER_EXPORT_MAX_ACTIVE_PER_USER = 2
    monkeypatch.setattr(jobs, "SMALL_EXPORT_ROWS", 0)  # not built in the request: it goes through the queue
    auditor = world.user("auditor")
    queued(auditor, 2)
    api = api_for(auditor)

    refused = api.post("/api/ledger-exports/", {"ledger": "county"}, format="json")
    assert refused.status_code == 429
    message = refused.json()["detail"]
    assert CHINESE.search(message) and "2" in message
    assert LedgerExportJob.objects.filter(created_by=auditor).count() == 2  # nothing recorded

    # the web form says the same, on the page, with the form still there
    web = Client()
    assert web.login(username="auditor", password=PASSWORD)
    page = web.post("/ledgers/", {"ledger": "county", "file_format": "xlsx"}, follow=False)
    assert page.status_code == 429 and message in page.content.decode()

    # somebody else is not held up by the auditor's queue
    other = api_for(world.user("county")).post("/api/ledger-exports/", {"ledger": "county"}, format="json")
    assert other.status_code == 202, other.json()
    # and once one of the auditor's exports is finished, the auditor may ask again
    LedgerExportJob.objects.filter(created_by=auditor).filter(pk=LedgerExportJob.objects.filter(
        created_by=auditor).order_by("pk").values("pk")[:1]).update(status=JobStatus.DONE)
    assert api.post("/api/ledger-exports/", {"ledger": "county"}, format="json").status_code == 202


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_requests_at_once_queue_no_more_than_the_limit(live_world, settings):
    """The load test's case: a read-only user fired 20 county exports in 0.8 s."""
    settings.LEDGER_EXPORT_MAX_ACTIVE_PER_USER = 3
    tag = uuid.uuid4().hex[:8]
    settings.LEDGER_EXPORT_QUEUES = {"small": f"fair-{tag}-s", "large": f"fair-{tag}-l"}
    auditor = live_world.user("auditor")
    statuses: list[int] = []
    start = threading.Barrier(8)

    def ask(times: int) -> None:
        client = api_for(auditor)
        start.wait()
        try:
            for _ in range(times):
                statuses.append(client.post("/api/ledger-exports/", {"ledger": "county"}, format="json").status_code)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=ask, args=(3 if n < 4 else 2,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(statuses) == [202] * 3 + [429] * 17, statuses
        assert LedgerExportJob.objects.filter(created_by=auditor, status=JobStatus.PENDING).count() == 3
    finally:
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(*settings.LEDGER_EXPORT_QUEUES.values())
        client.close()


@pytest.mark.django_db
def test_small_and_large_exports_go_to_separate_queues(world, settings):
    settings.LEDGER_EXPORT_LARGE_ROWS = 5  # the test county has 8 assets, a township 4
    tag = uuid.uuid4().hex[:8]
    settings.LEDGER_EXPORT_QUEUES = queues = {"small": f"exports-small-{tag}", "large": f"exports-large-{tag}"}
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        county = jobs.start_job(world.user("county"), LedgerRequest(ledger="county"))
        township = jobs.start_job(world.user("township1"), LedgerRequest(ledger="township"))
        assert (county.rows_total, township.rows_total) == (8, 4)  # the estimate, shown before it starts

        def job_ids(queue: str) -> list[int]:
            import base64
            import json

            bodies = [json.loads(message) for message in client.lrange(queue, 0, -1)]
            return [json.loads(base64.b64decode(body["body"]))[0][0] for body in bodies]

        assert job_ids(queues["large"]) == [county.pk]
        assert job_ids(queues["small"]) == [township.pk]
    finally:
        client.delete(*queues.values())
        client.close()


def test_the_deployment_worker_consumes_both_export_queues():
    from config.settings import base  # the deployment's names (the tests run on queues of their own)

    queues = set(base.LEDGER_EXPORT_QUEUES.values())
    assert queues == {"exports_small", "exports_large"}
    compose = (ROOT / "docker-compose.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    for text in (compose, readme, (ROOT / "bin" / "smoke-production").read_text()):
        assert all(queue in text for queue in queues | {"celery"})
    assert re.search(r"celery -A config worker[^\n]*-Q celery,exports_small,exports_large", readme)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the killed worker runs in a second process")
def test_a_killed_workers_export_runs_again_as_soon_as_it_is_looked_at(celery_worker, live_world, tmp_path):
    """No sweeper and no waiting for the stale limit: the status page (on the worker's host) sees
    that the worker's process is gone, queues the export again, and the live worker finishes it."""
    queue = f"bangfu-kill-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "worker.log"
    worker = _worker_process(queue, log)
    county = live_world.user("county")
    try:
        job = jobs.create_job(county, LedgerRequest(ledger="county"))
        export_ledger.apply_async(args=[job.pk], queue=queue)
        try:
            job = wait_for(job, lambda j: j.status == "running" and j.rows_done >= 2)
        except AssertionError as exc:
            raise AssertionError(log.read_text(errors="replace")[-3000:]) from exc
        assert job.worker.endswith(f":{worker.pid}")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

        client = Client()
        assert client.login(username="county", password=PASSWORD)
        started = time.monotonic()
        state = client.get(f"/ledgers/exports/{job.pk}/status/").json()
        while not state["finished"] and time.monotonic() - started < 20:
            time.sleep(0.3)
            state = client.get(f"/ledgers/exports/{job.pk}/status/").json()
        assert state["status"] == "done", state
        assert time.monotonic() - started < 20  # not the minutes of the stale limit and the sweep
        job.refresh_from_db()
        assert job.attempts == 2 and job.worker != f"{os.uname().nodename}:{worker.pid}"
        assert codes(load(job.result.path)) == {a.code for assets in live_world.assets.values() for a in assets}
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        _forget_queue(queue)


@pytest.mark.django_db
def test_a_silent_worker_is_given_up_within_seconds_not_minutes(world):
    """Without a pid to check (the worker on another host), the heartbeat decides: it is written
    every few seconds by a thread of its own, so the stale limit can be short."""
    assert jobs.HEARTBEAT_SECONDS * 3 <= jobs.STALE_AFTER.total_seconds() <= 60
    from config.celery import app

    assert app.conf.beat_schedule["sweep-stale-ledger-exports"]["schedule"] <= 30
    job = jobs.create_job(world.user("county"), LedgerRequest(ledger="county"))
    from django.utils import timezone

    LedgerExportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, worker="another-host:12345",
        heartbeat_at=timezone.now() - jobs.STALE_AFTER + jobs.STALE_AFTER / 3)
    job.refresh_from_db()
    assert jobs.recover_if_lost(job).status == "running"  # alive as far as anyone can tell
    LedgerExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER)
    job.refresh_from_db()
    assert jobs.recover(job.pk) == "requeued"
