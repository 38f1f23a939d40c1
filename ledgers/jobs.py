"""The life of an export job: asked for, queued, claimed by one worker, progressing, finished.

The job row in the database is the truth, not the broker: a task only works on a job it has
claimed (status "running", its own attempt number), writes progress and a heartbeat as it goes,
and finishes the job only if it still holds it. So a task delivered twice (acks_late; a worker
killed mid-run; a visibility timeout) never produces two files or un-finishes a finished job,
and the stale-job sweeper (beat, ledgers.tasks.sweep_stale_exports) requeues or fails a job
whose worker stopped: no job stays "running" for ever.

A running attempt records its process ("host:pid") and a heartbeat thread touches the row every
few seconds, whatever the export is doing; so a worker that dies is noticed within
``STALE_AFTER`` (seconds, not minutes), and at once where its pid can be checked (a redelivery on
the same host, the status page on the worker's host).

Fairness: each user may have at most ``LEDGER_EXPORT_MAX_ACTIVE_PER_USER`` exports queued or
running, and exports go to one of two queues by their estimated row count, so that a village's
small export never waits behind a row of county ledgers (the worker consumes both queues).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assets.broker import BROKER_ERRORS, send_quickly
from ledgers.choices import ExportFormat, JobStatus, LedgerKind
from ledgers.exports.spec import LedgerRequest
from ledgers.models import LedgerExportJob

logger = logging.getLogger(__name__)

# A running job whose heartbeat is older than this lost its worker (the heartbeat thread writes
# every HEARTBEAT_SECONDS, so a live worker is never this late).
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "LEDGER_EXPORT_STALE_SECONDS", 30))
HEARTBEAT_SECONDS = getattr(settings, "LEDGER_EXPORT_HEARTBEAT_SECONDS", 5.0)
# A job still queued after this found no worker.
PENDING_LIMIT = datetime.timedelta(seconds=getattr(settings, "LEDGER_EXPORT_PENDING_SECONDS", 3600))
# Attempts before a job that keeps losing its worker is given up.
MAX_ATTEMPTS = getattr(settings, "LEDGER_EXPORT_MAX_ATTEMPTS", 3)
# Progress is written at most this often (seconds): one small UPDATE, also the heartbeat.
PROGRESS_INTERVAL = 1.0
# An export of at most this many rows may be built in the request and downloaded at once.
SMALL_EXPORT_ROWS = getattr(settings, "LEDGER_SMALL_EXPORT_ROWS", 2000)
# Seconds to wait for the broker when queueing an export.
BROKER_TIMEOUT = 3


class QueueUnavailable(Exception):
    """The broker (Redis) cannot be reached: the export cannot be queued."""


class JobLost(Exception):
    """Another attempt took the job over, or it was finished meanwhile: stop quietly."""


class TooManyJobs(Exception):
    """The user already has as many exports queued or running as allowed."""


def too_many_jobs_message(limit: int) -> str:
    return _("You already have %(n)s exports queued or running. Please wait until one of them is finished, "
             "then ask again.") % {"n": limit}


def export_queue(rows: int) -> str:
    """The Celery queue of an export of about ``rows`` rows (settings read at call time, so that
    the test worker can use queues of its own)."""
    queues = settings.LEDGER_EXPORT_QUEUES
    return queues["large"] if rows > settings.LEDGER_EXPORT_LARGE_ROWS else queues["small"]


def queue_unavailable_message() -> str:
    return _("The export queue is unavailable at the moment, so the export cannot start. "
             "Everything else keeps working; please try again later or tell the system administrator.")


def create_job(user, request: LedgerRequest) -> LedgerExportJob:
    request.validate()
    return LedgerExportJob.objects.create(
        created_by=user, ledger=request.ledger, file_format=request.file_format, filters=request.to_json(),
        scope_description=request.describe()[:300],
    )


def start_job(user, request: LedgerRequest) -> LedgerExportJob:
    """Record the job and queue it. Raises TooManyJobs when the user has as many exports queued or
    running as allowed (nothing recorded), QueueUnavailable (job marked failed) without a broker."""
    from ledgers.exports.source import base_queryset

    request.validate()
    rows = base_queryset(user, request).count()  # the estimate that picks the queue
    limit = settings.LEDGER_EXPORT_MAX_ACTIVE_PER_USER
    with transaction.atomic():
        # one request at a time per user: two at once cannot both pass the count
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        active = LedgerExportJob.objects.filter(created_by=user, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
        if limit and active.count() >= limit:
            raise TooManyJobs(too_many_jobs_message(limit))
        job = create_job(user, request)
        job.rows_total = rows
        job.save(update_fields=["rows_total"])
    enqueue(job)
    job.refresh_from_db()
    return job


def enqueue(job: LedgerExportJob) -> None:
    from ledgers.tasks import export_ledger

    try:
        result = send_quickly(export_ledger, [job.pk], timeout=BROKER_TIMEOUT, queue=export_queue(job.rows_total))
    except BROKER_ERRORS as exc:
        logger.warning("ledger export %s not queued: %s", job.pk, exc)
        LedgerExportJob.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, error=queue_unavailable_message(), finished_at=timezone.now())
        raise QueueUnavailable(queue_unavailable_message()) from exc
    if result.id:
        LedgerExportJob.objects.filter(pk=job.pk).update(task_id=result.id)


# --- inside the worker --------------------------------------------------------------------------


def claim(job_id: int, task_id: str = "") -> LedgerExportJob | None:
    """Take the job for one attempt, or None when there is nothing to do (finished, unknown,
    or being run by a live worker)."""
    now = timezone.now()
    with transaction.atomic():
        job = LedgerExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.status == JobStatus.RUNNING and not _holder_lost(job, now):
            return None  # another worker is on it and alive
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job, _("The export was interrupted %(n)s times (the worker stopped); it was given up. "
                         "Please ask for it again.") % {"n": job.attempts})
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.progress = job.rows_done = 0
        job.error = ""
        job.worker = this_worker()
        if task_id:
            job.task_id = task_id
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress", "rows_done",
                                "error", "task_id", "worker"])
        return job


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_lost(job: LedgerExportJob, now: datetime.datetime) -> bool:
    """Has the process running this job stopped? Its heartbeat is too old, or it ran on this host
    and its pid is gone (a killed worker whose message came back, or the status page beside it)."""
    if not job.heartbeat_at or now - job.heartbeat_at >= STALE_AFTER:
        return True
    host, _sep, pid = job.worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """A killed child that its parent has not reaped yet is dead too."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def run_claimed(job: LedgerExportJob) -> None:
    """Build the file of a claimed job and finish it; any error ends the job failed."""
    attempt = job.attempts
    tracker = _Tracker(job.pk, attempt)
    heartbeat = _Heartbeat(job.pk, attempt)
    heartbeat.start()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            path = build_file(job, tracker)
    except JobLost:
        logger.info("ledger export %s attempt %s superseded", job.pk, attempt)
        return
    except Exception as exc:  # the job row must say what went wrong, whatever it was
        logger.exception("ledger export %s failed", job.pk)
        with transaction.atomic():
            current = LedgerExportJob.objects.select_for_update().get(pk=job.pk)
            if current.status == JobStatus.RUNNING and current.attempts == attempt:
                with translation.override(settings.LANGUAGE_CODE):
                    _fail(current, _("The export failed: %(error)s") % {"error": str(exc)[:500] or type(exc).__name__})
        return
    finally:
        heartbeat.stop()
    try:
        _finish(job.pk, attempt, path, tracker)
    finally:
        path.unlink(missing_ok=True)


def build_file(job: LedgerExportJob, tracker: _Tracker | None = None) -> Path:
    """Write the job's workbook (or PDF) to a temporary file and return its path."""
    from ledgers.exports.pdf import write_village_pdf
    from ledgers.exports.xlsx import write_ledger_xlsx

    request = LedgerRequest.from_json(job.filters)
    with tempfile.NamedTemporaryFile(prefix=f"ledger-{job.pk}-", suffix=f".{job.file_format}", delete=False) as handle:
        path = Path(handle.name)
    user = job.created_by
    requested_by = user.full_name or user.username
    try:
        if job.file_format == ExportFormat.PDF:
            write_village_pdf(user, request, path, requested_by=requested_by, progress=tracker)
        else:
            write_ledger_xlsx(user, request, path, requested_by=requested_by, progress=tracker)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _finish(job_id: int, attempt: int, path: Path, tracker: _Tracker) -> None:
    with transaction.atomic():
        job = LedgerExportJob.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.RUNNING or job.attempts != attempt:
            return  # taken over or given up meanwhile: the other attempt owns the result
        with path.open("rb") as handle:
            job.result.save(job.filename, File(handle), save=False)
        job.status = JobStatus.DONE
        job.progress = 100
        job.rows_done = tracker.done
        job.rows_total = max(tracker.total, tracker.done)
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save()


def _fail(job: LedgerExportJob, message: str) -> None:
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


class _Heartbeat(threading.Thread):
    """Touches the job row every HEARTBEAT_SECONDS while the attempt runs, also through a long
    query or a PDF layout that reports no progress; it dies with its process."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"ledger-export-{job_id}-heartbeat", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                LedgerExportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, attempts=self.attempt).update(
                    heartbeat_at=timezone.now())
        except Exception:  # a missed beat only makes the job look stale sooner
            logger.warning("ledger export %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


class _Tracker:
    """The progress callback: a throttled UPDATE of the job row that is also the heartbeat.
    Raises JobLost when the row says this attempt no longer holds the job."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self.last = 0.0
        self.done = self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and done < total:
            return
        self.last = now
        percent = min(99, int(done * 100 / total)) if total else 0
        updated = LedgerExportJob.objects.filter(
            pk=self.job_id, status=JobStatus.RUNNING, attempts=self.attempt
        ).update(progress=percent, rows_done=done, rows_total=total, heartbeat_at=timezone.now())
        if not updated:
            raise JobLost()


# --- in the request: small exports at once -------------------------------------------------------


def is_small(user, request: LedgerRequest) -> bool:
    """A village's ledger, or any export of few rows, may be built in the request."""
    from ledgers.exports.source import base_queryset

    if request.file_format == ExportFormat.PDF:
        return True
    if request.ledger == LedgerKind.VILLAGE and request.region_id:
        return True
    return base_queryset(user, request).count() <= SMALL_EXPORT_ROWS


def run_now(job: LedgerExportJob) -> LedgerExportJob:
    """Build a small job in the calling process (no broker needed) and return it finished."""
    claimed = claim(job.pk, task_id="inline")
    if claimed is not None:
        run_claimed(claimed)
    job.refresh_from_db()
    return job


# --- the sweeper --------------------------------------------------------------------------------


def sweep_stale(now: datetime.datetime | None = None) -> dict[str, int]:
    """Requeue running jobs whose worker stopped (heartbeat too old), give up those that used
    their attempts, and fail jobs no worker picked up in time."""
    now = now or timezone.now()
    requeued = failed = 0
    candidates = LedgerExportJob.objects.filter(
        # every running job: recover() also sees a dead pid on this host before the heartbeat ages
        Q(status=JobStatus.RUNNING) | Q(status=JobStatus.PENDING, created_at__lt=now - PENDING_LIMIT)
    ).values_list("pk", flat=True)
    for job_id in list(candidates):
        outcome = recover(job_id, now)
        requeued += outcome == "requeued"
        failed += outcome == "failed"
    return {"requeued": requeued, "failed": failed}


def recover_if_lost(job: LedgerExportJob) -> LedgerExportJob:
    """Called where a job is looked at (the status JSON, the API): a running job whose worker
    is gone is queued again now, not at the next sweep."""
    if job.status == JobStatus.RUNNING and _holder_lost(job, timezone.now()) and recover(job.pk) != "":
        job.refresh_from_db()
    return job


def recover(job_id: int, now: datetime.datetime | None = None) -> str:
    """Requeue one job whose worker stopped, fail it when it used its attempts or waited too long
    in the queue; "requeued", "failed" or "" (nothing to do)."""
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        job = LedgerExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return ""
        if job.status == JobStatus.PENDING and job.created_at < now - PENDING_LIMIT:
            _fail(job, _("No worker picked the export up in time. Please ask for it again later."))
            return "failed"
        if job.status != JobStatus.RUNNING or not _holder_lost(job, now):
            return ""
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job, _("The export was interrupted %(n)s times (the worker stopped); it was given up. "
                         "Please ask for it again.") % {"n": job.attempts})
            return "failed"
        job.status = JobStatus.PENDING
        job.error = _("The worker stopped during the export; it was queued again.")
        job.save(update_fields=["status", "error"])
        transaction.on_commit(lambda job=job: _requeue(job))
        return "requeued"


def _requeue(job: LedgerExportJob) -> None:
    with contextlib.suppress(QueueUnavailable):  # enqueue marked it failed with the message
        enqueue(job)
