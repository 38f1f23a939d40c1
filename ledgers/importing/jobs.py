"""Imports as background jobs, like ledger exports (ledgers/jobs.py): the upload is stored as a
queued batch, a Celery task (``ledgers.import_batch``) checks and saves it with progress on the
batch row, within a time limit (the task's soft and hard limits, and the same deadline checked
by the reader, so the in-process mode without REDIS_URL, where tasks run eagerly, is bounded
too) and, in a worker process, a memory limit. A batch whose worker vanished is ended with a
message when its page is next looked at (``expire_if_stale``); nothing of it was saved, since
saving is one transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import time
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assets.broker import BROKER_ERRORS, send_quickly
from ledgers.choices import ImportStatus
from ledgers.importing.safety import MEMORY_LIMIT_BYTES, TIME_LIMIT, Problem, too_slow
from ledgers.importing.service import ImportOutcome, _reject, create_batch, run_batch
from ledgers.models import ImportBatch

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 3  # seconds to wait for the broker when queueing
PROGRESS_INTERVAL = 1.0  # seconds between progress writes (each is also the heartbeat)
# A running batch silent for longer than the hard time limit lost its worker.
STALE_AFTER = datetime.timedelta(seconds=TIME_LIMIT + 90)
# A batch still queued after this found no worker.
PENDING_LIMIT = datetime.timedelta(hours=1)


class QueueUnavailable(Exception):
    """The broker cannot be reached: the import cannot start (its batch is rejected)."""


def queue_unavailable_message() -> str:
    return _("The import queue is unavailable at the moment, so the file could not be checked; nothing was "
             "saved. Please try again later or tell the system administrator.")


def start_import(user, kind: str, name: str, upload, *, language: str | None = None) -> ImportOutcome:
    """Store the upload and queue its check. Raises QueueUnavailable (batch rejected, file
    deleted) when the broker is down."""
    outcome = create_batch(user, kind, name, upload, language=language)
    if outcome.duplicate or outcome.batch.is_finished:
        return outcome
    enqueue(outcome.batch)
    outcome.batch.refresh_from_db()
    return outcome


def enqueue(batch: ImportBatch) -> None:
    from ledgers.tasks import import_batch

    try:
        result = send_quickly(import_batch, [batch.pk], timeout=BROKER_TIMEOUT)
    except BROKER_ERRORS as exc:
        logger.warning("import batch %s not queued: %s", batch.pk, exc)
        with translation.override(batch.language or None):
            _reject(batch, [Problem("", None, "", queue_unavailable_message())], time.monotonic())
        raise QueueUnavailable(queue_unavailable_message()) from exc
    if result.id:
        ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id)


# --- inside the worker --------------------------------------------------------------------------


def claim(batch_id: int, task_id: str = "") -> ImportBatch | None:
    """Take a queued batch, or None when there is nothing to do (finished, unknown, or being
    checked by a live worker)."""
    now = timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.is_finished:
            return None
        if batch.status == ImportStatus.RUNNING and batch.heartbeat_at and now - batch.heartbeat_at < STALE_AFTER:
            return None
        batch.status = ImportStatus.RUNNING
        batch.attempts += 1
        batch.started_at = batch.heartbeat_at = now
        if task_id:
            batch.task_id = task_id
        batch.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "task_id"])
        return batch


def run(batch_id: int, task_id: str = "", *, in_worker: bool = False) -> str:
    batch = claim(batch_id, task_id)
    if batch is None:
        return "nothing to do"
    from celery.exceptions import SoftTimeLimitExceeded

    started = time.monotonic()
    try:
        with memory_limit(MEMORY_LIMIT_BYTES if in_worker else 0):
            batch = run_batch(batch, progress=Tracker(batch.pk))
    except SoftTimeLimitExceeded:
        batch.refresh_from_db()
        with translation.override(batch.language or None):
            _reject(batch, too_slow(TIME_LIMIT).problems, started)
        return "too slow"
    return batch.status


@contextlib.contextmanager
def memory_limit(extra_bytes: int) -> Iterator[None]:
    """Cap the process's address space at its present size plus ``extra_bytes`` while the
    import runs (a worker process only: a web process's other threads must not share the cap);
    past it, allocations fail with MemoryError and the batch is rejected."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    if extra_bytes <= 0:
        yield
        return
    try:
        with open("/proc/self/statm") as handle:
            present = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = present + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Tracker:
    """The progress callback: a throttled UPDATE of the batch row that is also its heartbeat."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.last = 0.0

    def __call__(self, percent: int, done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        ImportBatch.objects.filter(pk=self.batch_id, status=ImportStatus.RUNNING).update(
            progress=max(0, min(99, percent)), rows_done=done, heartbeat_at=timezone.now())


# --- seen from the pages ------------------------------------------------------------------------


def expire_if_stale(batch: ImportBatch) -> ImportBatch:
    """End a batch whose worker vanished (running, silent past the hard time limit) or that no
    worker took (queued for an hour): rejected, file deleted, nothing was saved."""
    now = timezone.now()
    lost = batch.status == ImportStatus.RUNNING and batch.heartbeat_at and now - batch.heartbeat_at > STALE_AFTER
    unclaimed = batch.status == ImportStatus.PENDING and now - batch.created_at > PENDING_LIMIT
    if not (lost or unclaimed):
        return batch
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != batch.status or locked.is_finished:
            return locked
        with translation.override(locked.language or None):
            message = (_("The check was interrupted (the worker stopped); nothing was saved. Please upload the "
                         "file again.") if lost else
                       _("No worker picked the import up in time; nothing was saved. Please upload the file again."))
            return _reject(locked, [Problem("", None, "", message)], time.monotonic())


def batch_status(batch: ImportBatch) -> dict[str, object]:
    """What the progress bar shows (also the JSON the page polls)."""
    return {
        "id": batch.pk,
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "progress": batch.progress,
        "rows_done": batch.rows_done,
        "rows_total": batch.row_count,
        "finished": batch.is_finished,
        "error": "",
        "download_url": None,
    }
