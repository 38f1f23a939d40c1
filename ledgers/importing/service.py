"""One upload, start to finish: the file is stored as a queued batch (``create_batch``), a
background job checks every row and, if every row is good, saves the new ones in one
transaction (``run_batch``, ledgers/importing/jobs.py). ``import_file`` does both in the
calling process (tests, benchmarks, commands).

The same file is imported once: its content hash is looked up first, and only one batch per
kind and hash can be "imported" (a partial unique index), so of two identical uploads racing
the loser's whole transaction rolls back and says so. The same rows in another file are skipped
row by row (natural keys, ledgers/importing/importers.py), under a per-kind lock while saving.
A rejected file is deleted: nothing of a refused upload stays on disk.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assets.history import change_context
from ledgers.choices import ImportStatus
from ledgers.importing.importers import IMPORTERS, Importer, ImportRejected, Progress
from ledgers.importing.reader import SheetReader
from ledgers.importing.safety import MAX_UPLOAD_BYTES, Deadline, FileProblem, Problem, too_large_message
from ledgers.importing.schema import COLUMNS
from ledgers.models import ImportBatch

logger = logging.getLogger(__name__)

__all__ = ["MAX_UPLOAD_BYTES", "ImportOutcome", "create_batch", "import_file", "run_batch"]


@dataclass
class ImportOutcome:
    batch: ImportBatch
    duplicate: bool = False  # the same file was imported before: nothing was added

    @property
    def saved(self) -> bool:
        return self.batch.status == ImportStatus.IMPORTED and not self.duplicate


def earlier_import(kind: str, digest: str) -> ImportBatch | None:
    return ImportBatch.objects.filter(kind=kind, sha256=digest, status=ImportStatus.IMPORTED).first()


def _chunks(upload: bytes | File) -> Iterable[bytes]:
    if isinstance(upload, bytes | bytearray):
        yield bytes(upload)
        return
    upload.seek(0)
    yield from upload.chunks()


def create_batch(user, kind: str, name: str, upload: bytes | File, *, language: str | None = None) -> ImportOutcome:
    """Store an upload as a queued batch; or the earlier batch when the same file was imported
    (duplicate); or a rejected batch, without the file, when it is over the size limit."""
    started = time.monotonic()
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(upload):
        digest.update(chunk)
        size += len(chunk)
    sha256 = digest.hexdigest()
    earlier = earlier_import(kind, sha256)
    if earlier is not None:
        return ImportOutcome(earlier, duplicate=True)
    language = language or translation.get_language() or ""
    batch = ImportBatch(kind=kind, uploaded_by=user, original_name=name[:200], sha256=sha256, size=size,
                        language=language, status=ImportStatus.PENDING)
    if size > MAX_UPLOAD_BYTES:
        with translation.override(language or None):
            return ImportOutcome(_reject(batch, [Problem("", None, "", too_large_message())], started))
    content = ContentFile(upload) if isinstance(upload, bytes | bytearray) else upload
    if not isinstance(upload, bytes | bytearray):
        upload.seek(0)
    batch.file.save(name, content, save=False)
    try:
        batch.save()
    except BaseException:
        _discard_file(batch)
        raise
    return ImportOutcome(batch)


def import_file(user, kind: str, name: str, data: bytes, *, language: str | None = None,
                deadline: Deadline | None = None) -> ImportOutcome:
    """Validate and (if every row is good) save the file's rows as ``user``, here and now."""
    outcome = create_batch(user, kind, name, data, language=language)
    if outcome.duplicate or outcome.batch.is_finished:
        return outcome
    batch = run_batch(outcome.batch, deadline=deadline)
    if batch.status == ImportStatus.REJECTED:
        winner = earlier_import(kind, batch.sha256)  # the same file, imported at the same moment
        if winner is not None:
            return ImportOutcome(winner, duplicate=True)
    return ImportOutcome(batch)


def run_batch(batch: ImportBatch, *, deadline: Deadline | None = None, progress: Progress | None = None,
              data: bytes | None = None) -> ImportBatch:
    """Check the batch's file and save its new rows (all or nothing); the batch ends imported or
    rejected (file deleted), with every problem and every skipped row. Never raises for a bad
    file; database errors while saving reject the batch and roll everything back."""
    started = time.monotonic()
    deadline = deadline or Deadline()
    progress = progress or (lambda percent, done: None)
    with translation.override(batch.language or None):
        try:
            if data is None:
                with batch.file.open("rb") as handle:
                    data = handle.read()
            importer = _check(batch, data, deadline, progress)
        except FileProblem as exc:
            return _reject(batch, exc.problems, started)
        except (OSError, ValueError, zlib.error) as exc:  # the stored file is gone or unreadable
            logger.warning("import batch %s: file unreadable: %s", batch.pk, exc)
            return _reject(batch, [Problem("", None, "", _("The file is not an Excel workbook (.xlsx)."))], started)
        except MemoryError:
            return _reject(batch, [Problem("", None, "", _(
                "The file needs more memory than an import may use; nothing was saved. Split it into smaller "
                "files."))], started)
        batch.row_count = len(importer.rows)
        if importer.problems:
            return _reject(batch, importer.problems, started)
        progress(80, len(importer.rows))
        return _save(batch, importer, started)


def _check(batch: ImportBatch, data: bytes, deadline: Deadline, progress: Progress) -> Importer:
    progress(1, 0)
    reader = SheetReader(data, batch.kind, COLUMNS[batch.kind], deadline=deadline)
    importer = IMPORTERS[batch.kind](batch.uploaded_by, reader, progress=progress)
    importer.read()
    importer.validate()
    deadline.check()
    return importer


def _save(batch: ImportBatch, importer: Importer, started: float) -> ImportBatch:
    reason = (_("Excel import: %(name)s") % {"name": batch.original_name})[:100]
    user = batch.uploaded_by
    try:
        with transaction.atomic():
            _lock_kind(batch.kind)
            importer.match_existing()  # again, under the lock: rows another import saved meanwhile
            if importer.problems:
                raise ImportRejected(importer.problems)
            batch.status = ImportStatus.IMPORTED
            batch.skipped = importer.skipped
            batch.save()  # first: the same file imported meanwhile fails here, before any row
            with change_context(user, reason):
                batch.created_count = importer.save(reason) if importer.to_save else 0
            batch.progress = 100
            batch.rows_done = len(importer.rows)
            batch.duration_ms = int((time.monotonic() - started) * 1000)
            batch.finished_at = batch.heartbeat_at = timezone.now()
            batch.save(update_fields=["created_count", "progress", "rows_done", "duration_ms", "finished_at",
                                      "heartbeat_at"])
    except IntegrityError as exc:
        batch.status = ImportStatus.RUNNING
        winner = earlier_import(batch.kind, batch.sha256)
        if winner is not None and winner.pk != batch.pk:
            return _reject(batch, [Problem("", None, "", already_imported_message(winner))], started)
        logger.warning("import batch %s: integrity error while saving: %s", batch.pk, exc)
        return _reject(batch, [Problem("", None, "", _(
            "Another upload saved some of these records at the same moment; nothing was saved. "
            "Please upload the file again."))], started)
    except ImportRejected as exc:
        batch.status = ImportStatus.RUNNING
        return _reject(batch, exc.problems, started)
    except PermissionDenied as exc:
        batch.status = ImportStatus.RUNNING
        return _reject(batch, [Problem("", None, "", str(exc))], started)
    except DatabaseError as exc:  # refused by the database half-way: the transaction rolled back
        logger.exception("import batch %s: database error while saving", batch.pk)
        batch.status = ImportStatus.RUNNING
        return _reject(batch, [Problem("", None, "", _(
            "The database refused the records (%(error)s); nothing was saved.") % {
            "error": str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})], started)
    return batch


def _lock_kind(kind: str) -> None:
    """One import of a kind saves at a time (PostgreSQL advisory lock until the transaction
    ends), so that two files with the same new rows cannot both add them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [0x1E7A, f"ledger-import:{kind}"])


def already_imported_message(batch: ImportBatch) -> str:
    """Said when the same file comes again; the time in the county's time zone."""
    return _("This file was already imported on %(date)s (%(n)s records); nothing was added.") % {
        "date": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"), "n": batch.created_count}


def _reject(batch: ImportBatch, problems: list[Problem], started: float) -> ImportBatch:
    """The batch ends rejected with its problems; its file is deleted."""
    _discard_file(batch)
    batch.status = ImportStatus.REJECTED
    batch.errors = [problem.as_dict() for problem in problems]
    batch.skipped = []
    batch.created_count = 0
    batch.duration_ms = int((time.monotonic() - started) * 1000)
    batch.finished_at = batch.heartbeat_at = timezone.now()
    batch.progress = 100
    batch.save()
    return batch


def _discard_file(batch: ImportBatch) -> None:
    if batch.file:
        try:
            batch.file.delete(save=False)
        except OSError:  # already gone
            logger.warning("import batch %s: file %s could not be deleted", batch.pk, batch.file.name)
        batch.file = ""

