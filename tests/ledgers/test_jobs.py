"""Export jobs on a real Celery worker (Redis): the file holds exactly the requester's rows; a
re-delivered task does nothing; a killed worker's job is retried or ends failed with a message;
with the broker unreachable the site says clearly that the queue is unavailable."""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from ledgers import jobs
from ledgers.choices import JobStatus
from ledgers.exports.spec import LedgerRequest
from ledgers.models import LedgerExportJob
from ledgers.tasks import export_ledger, sweep_stale_exports
from tests.factories import PASSWORD
from tests.ledgers.conftest import codes, load

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90


def wait_for(job: LedgerExportJob, predicate, timeout: float = TIMEOUT) -> LedgerExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if predicate(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} stuck: {job.status} {job.progress}% {job.error}")


def finished(job: LedgerExportJob) -> bool:
    return job.is_finished


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_township_export_on_the_worker_holds_exactly_the_township_assets(celery_worker, live_world):
    user = live_world.user("township1")
    job = jobs.start_job(user, LedgerRequest(ledger="township"))
    job = wait_for(job, finished)

    assert job.status == JobStatus.DONE, job.error
    assert job.progress == 100 and job.rows_done == job.rows_total == 4 and job.attempts == 1
    assert job.task_id and job.started_at and job.finished_at and job.result.name.endswith(".xlsx")
    client = login(user)
    status = client.get(f"/ledgers/exports/{job.pk}/status/").json()
    assert status["status"] == "done" and status["download_url"] == f"/ledgers/exports/{job.pk}/download/"
    response = client.get(status["download_url"])
    assert response.status_code == 200
    workbook = load(b"".join(response.streaming_content))
    assert codes(workbook) == {a.code for i in (0, 1) for a in live_world.assets[i]}
    # somebody else's job does not exist for another user, not even for the county
    assert login(live_world.user("county")).get(status["download_url"]).status_code == 404
    assert login(live_world.user("township2")).get(f"/ledgers/exports/{job.pk}/status/").status_code == 404


def test_a_task_delivered_again_after_the_job_finished_does_nothing(celery_worker, live_world):
    job = jobs.start_job(live_world.user("county"), LedgerRequest(ledger="county"))
    job = wait_for(job, finished)
    name, finished_at = job.result.name, job.finished_at

    redelivered = export_ledger.apply_async(args=[job.pk], queue=celery_worker.queue, ignore_result=False)
    assert redelivered.get(timeout=TIMEOUT) == "nothing to do"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.name, job.finished_at) == ("done", 1, name, finished_at)
    # and a delivery while a live worker holds the job leaves it to that worker
    running = jobs.create_job(live_world.user("county"), LedgerRequest(ledger="county"))
    LedgerExportJob.objects.filter(pk=running.pk).update(status="running", attempts=1, heartbeat_at=timezone.now())
    assert jobs.claim(running.pk) is None
    assert export_ledger.apply(args=[999_999_999]).get() == "nothing to do"  # unknown job: nothing to do


def _worker_process(queue: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    db = connection.settings_dict
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL, DJANGO_SETTINGS_MODULE="config.settings.base", PYTHONPATH=str(ROOT),
    )
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "tests.ledgers.slow_worker", queue], cwd=ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def _forget_queue(queue: str) -> None:
    """Drop the killed worker's unacknowledged message from the test broker."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue)
    for tag, payload in client.hgetall("unacked").items():
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the killed worker runs in a second process")
def test_a_killed_workers_job_is_retried_and_finishes(celery_worker, live_world, monkeypatch, tmp_path):
    queue = f"bangfu-kill-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "worker.log"
    worker = _worker_process(queue, log)
    try:
        job = jobs.create_job(live_world.user("county"), LedgerRequest(ledger="county"))
        export_ledger.apply_async(args=[job.pk], queue=queue)
        try:
            job = wait_for(job, lambda j: j.status == "running" and j.rows_done >= 2)
        except AssertionError as exc:
            raise AssertionError(log.read_text(errors="replace")[-3000:]) from exc
        os.killpg(worker.pid, signal.SIGKILL)  # the worker dies mid-export, without a word
        worker.wait(timeout=30)
        job.refresh_from_db()
        assert job.status == "running" and job.attempts == 1 and not job.result

        # nothing heard from it for longer than the stale limit: the sweeper queues it again,
        # and the live worker finishes it
        monkeypatch.setattr(jobs, "STALE_AFTER", datetime.timedelta(seconds=1))
        time.sleep(1.5)
        assert sweep_stale_exports() == {"requeued": 1, "failed": 0}
        job = wait_for(job, finished)
        assert job.status == "done" and job.attempts == 2 and job.progress == 100
        assert codes(load(job.result.path)) == {a.code for assets in live_world.assets.values() for a in assets}
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        _forget_queue(queue)


def test_a_job_that_keeps_losing_its_worker_ends_failed_with_a_message(live_world, monkeypatch):
    job = jobs.create_job(live_world.user("county"), LedgerRequest(ledger="county"))
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    LedgerExportJob.objects.filter(pk=job.pk).update(status="running", attempts=jobs.MAX_ATTEMPTS,
                                                     heartbeat_at=long_ago, started_at=long_ago)
    queued = jobs.create_job(live_world.user("county"), LedgerRequest(ledger="county"))
    LedgerExportJob.objects.filter(pk=queued.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))

    assert jobs.sweep_stale() == {"requeued": 0, "failed": 2}
    job.refresh_from_db()
    queued.refresh_from_db()
    assert job.status == "failed" and job.finished_at
    assert str(jobs.MAX_ATTEMPTS) in job.error and re.search(r"[\u4e00-\u9fff]", job.error)  # in Chinese
    assert queued.status == "failed" and queued.error
    # a late delivery of the old message changes nothing
    assert export_ledger.apply(args=[job.pk]).get() == "nothing to do"
    assert LedgerExportJob.objects.get(pk=job.pk).status == "failed"


@pytest.fixture
def broker_down():
    """Celery's broker pointed at a closed port (the machine's Redis keeps running for others)."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool = saved


def test_with_the_broker_down_asking_for_an_export_says_the_queue_is_unavailable(live_world, broker_down,
                                                                                 monkeypatch):
    monkeypatch.setattr(jobs, "SMALL_EXPORT_ROWS", 0)  # not small: it must go through the queue
    county = live_world.user("county")
    client = login(county)
    with translation.override("zh-hans"):
        message = jobs.queue_unavailable_message()
    assert message.startswith("导出队列") and "不可用" in message  # said in Chinese, whatever the catalogue

    started = time.monotonic()
    response = client.post("/ledgers/", {"ledger": "county", "file_format": "xlsx"})
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert message in response.content.decode()
    job = LedgerExportJob.objects.get(created_by=county)
    assert job.status == "failed" and job.error == message

    api = client.post("/api/ledger-exports/", {"ledger": "township", "region": live_world.townships[0].code},
                      content_type="application/json")
    assert api.status_code == 503 and api.json()["detail"] == message
    # the rest of the site works, and so does a village's ledger (built in the request)
    assert client.get("/assets/").status_code == 200
    assert client.get("/ledgers/").status_code == 200
    village = client.post("/ledgers/", {"ledger": "village", "file_format": "xlsx",
                                        "region": live_world.villages[0].pk})
    assert village.status_code == 200 and village["Content-Disposition"].startswith("attachment")
    assert b"".join(village.streaming_content).startswith(b"PK")
