"""One upload, start to finish: the same file is imported once, every row is validated before
anything is saved, and a good file is saved in one transaction with the file kept.

Double submissions: the content hash is looked up first; two requests racing with the same file
both validate, but only one can insert the "imported" batch row (a partial unique index on kind
and hash), and the loser's whole transaction rolls back and reports the winner's batch.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from assets.history import change_context
from ledgers.importing.importers import IMPORTERS, ImportRejected
from ledgers.importing.reader import FileProblem, Problem, SheetReader
from ledgers.importing.schema import COLUMNS
from ledgers.models import ImportBatch, ImportStatus

MAX_UPLOAD_BYTES = 25 * 1024 * 1024


@dataclass
class ImportOutcome:
    batch: ImportBatch
    duplicate: bool = False  # the same file was imported before: nothing was added

    @property
    def saved(self) -> bool:
        return self.batch.status == ImportStatus.IMPORTED and not self.duplicate


def import_file(user, kind: str, name: str, data: bytes, *, language: str | None = None) -> ImportOutcome:
    """Validate and (if every row is good) save the file's rows as ``user``."""
    started = time.monotonic()
    digest = hashlib.sha256(data).hexdigest()
    earlier = ImportBatch.objects.filter(kind=kind, sha256=digest, status=ImportStatus.IMPORTED).first()
    if earlier is not None:
        return ImportOutcome(earlier, duplicate=True)
    with translation.override(language or translation.get_language()):
        problems: list[Problem] = []
        importer = None
        if len(data) > MAX_UPLOAD_BYTES:
            problems.append(Problem("", None, "", _("The file is larger than %(mb)s MB.") % {
                "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}))
        else:
            try:
                reader = SheetReader(data, kind, COLUMNS[kind])
                importer = IMPORTERS[kind](user, reader)
                importer.read()
                importer.validate()
                problems = importer.problems
            except FileProblem as exc:
                problems = exc.problems
        batch = ImportBatch(kind=kind, uploaded_by=user, original_name=name[:200], sha256=digest, size=len(data),
                            row_count=len(importer.rows) if importer else 0)
        if problems:
            return ImportOutcome(_reject(batch, name, data, problems, started))
        reason = _("Excel import: %(name)s") % {"name": name}
        try:
            with transaction.atomic():
                batch.status = ImportStatus.IMPORTED
                batch.file.save(name, ContentFile(data), save=False)
                batch.save()  # first: a second identical upload fails here, before any row
                with change_context(user, reason[:100]):
                    batch.created_count = importer.save(reason[:100])
                batch.duration_ms = int((time.monotonic() - started) * 1000)
                batch.save(update_fields=["created_count", "duration_ms"])
        except IntegrityError:
            _discard_file(batch)
            winner = ImportBatch.objects.filter(kind=kind, sha256=digest, status=ImportStatus.IMPORTED).first()
            if winner is not None:
                return ImportOutcome(winner, duplicate=True)
            batch.pk = None
            return ImportOutcome(_reject(batch, name, data, [Problem("", None, "", _(
                "Another upload saved some of these records at the same moment; nothing was saved. "
                "Please upload the file again."))], started))
        except ImportRejected as exc:
            _discard_file(batch)
            batch.pk = None
            return ImportOutcome(_reject(batch, name, data, exc.problems, started))
        except PermissionDenied as exc:
            _discard_file(batch)
            batch.pk = None
            return ImportOutcome(_reject(batch, name, data, [Problem("", None, "", str(exc))], started))
        return ImportOutcome(batch)


def _reject(batch: ImportBatch, name: str, data: bytes, problems: list[Problem], started: float) -> ImportBatch:
    batch.status = ImportStatus.REJECTED
    batch.errors = [problem.as_dict() for problem in problems]
    batch.created_count = 0
    batch.duration_ms = int((time.monotonic() - started) * 1000)
    batch.file.save(name, ContentFile(data), save=False)
    batch.save()
    return batch


def _discard_file(batch: ImportBatch) -> None:
    if batch.file:
        batch.file.delete(save=False)
