"""The life of an export job: asked for, queued, claimed by one worker, progressing, finished.

The job row in the database is the truth, not the broker: a task only works on a job it has
claimed (status "running", its own attempt number), writes progress and a heartbeat as it goes,
and finishes the job only if it still holds it. So a task delivered twice (acks_late; a worker
killed mid-run; a visibility timeout) never produces two files or un-finishes a finished job,
and the stale-job sweeper (beat, ledgers.tasks.sweep_stale_exports) requeues or fails a job
whose worker stopped: no job stays "running" for ever.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ledgers.exports.spec import LedgerRequest
from ledgers.models import ExportFormat, JobStatus, LedgerExportJob, LedgerKind

logger = logging.getLogger(__name__)

# A running job whose heartbeat is older than this lost its worker.
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "LEDGER_EXPORT_STALE_SECONDS", 120))
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
    """Record the job and queue it. Raises QueueUnavailable (job marked failed) without a broker."""
    job = create_job(user, request)
    enqueue(job)
    job.refresh_from_db()
    return job


def enqueue(job: LedgerExportJob) -> None:
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    from ledgers.tasks import export_ledger

    app = export_ledger.app
    try:
        if app.conf.task_always_eager:  # the embedded default: runs here and now
            result = export_ledger.apply_async(args=[job.pk])
        else:
            # one connection attempt, no retries: a broker that is down answers within seconds
            # instead of the request hanging on kombu's reconnect loop
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
                result = export_ledger.apply_async(args=[job.pk], retry=False, connection=connection)
    except (OperationalError, RedisError, OSError) as exc:
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
        if job.status == JobStatus.RUNNING and job.heartbeat_at and now - job.heartbeat_at < STALE_AFTER:
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
        if task_id:
            job.task_id = task_id
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress", "rows_done",
                                "error", "task_id"])
        return job


def run_claimed(job: LedgerExportJob) -> None:
    """Build the file of a claimed job and finish it; any error ends the job failed."""
    attempt = job.attempts
    tracker = _Tracker(job.pk, attempt)
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
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        | Q(status=JobStatus.PENDING, created_at__lt=now - PENDING_LIMIT)
    ).values_list("pk", flat=True)
    for job_id in list(candidates):
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            job = LedgerExportJob.objects.select_for_update().get(pk=job_id)
            if job.status == JobStatus.PENDING and job.created_at < now - PENDING_LIMIT:
                _fail(job, _("No worker picked the export up in time. Please ask for it again later."))
                failed += 1
                continue
            if job.status != JobStatus.RUNNING or not job.heartbeat_at or now - job.heartbeat_at < STALE_AFTER:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                _fail(job, _("The export was interrupted %(n)s times (the worker stopped); it was given up. "
                             "Please ask for it again.") % {"n": job.attempts})
                failed += 1
                continue
            job.status = JobStatus.PENDING
            job.error = _("The worker stopped during the export; it was queued again.")
            job.save(update_fields=["status", "error"])
            transaction.on_commit(lambda job=job: _requeue(job))
            requeued += 1
    return {"requeued": requeued, "failed": failed}


def _requeue(job: LedgerExportJob) -> None:
    with contextlib.suppress(QueueUnavailable):  # enqueue marked it failed with the message
        enqueue(job)
