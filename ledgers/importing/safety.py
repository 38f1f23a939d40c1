"""Limits of an import and the checks that run before a workbook is parsed.

An .xlsx file is a zip of XML parts, and a small file can describe a huge or hostile workbook:
a zip member that inflates a thousandfold (zip bomb), a shared-strings part of millions of
strings, a sheet that declares 1,048,576 × 16,384 cells, or XML entity declarations that expand
(billion laughs). Each is refused here from the zip's directory and the first bytes of each
part, in well under a second, before openpyxl reads anything; the reader then enforces the same
row and column limits while it streams (ledgers/importing/reader.py), and the whole run has a
deadline. Every limit is a setting (``LEDGER_IMPORT_*``) with the default below.
"""

from __future__ import annotations

import re
import time
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import column_index_from_string

MB = 1024 * 1024


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# The upload itself (checked while it arrives: ledgers/importing/uploads.py).
MAX_UPLOAD_BYTES = _setting("LEDGER_IMPORT_MAX_UPLOAD_BYTES", 25 * MB)
# Data rows of one file (a township's register fits; a county's is split by township).
MAX_ROWS = _setting("LEDGER_IMPORT_MAX_ROWS", 50_000)
# Columns read: the widest template has about 45.
MAX_COLUMNS = _setting("LEDGER_IMPORT_MAX_COLUMNS", 200)
# All parts of the workbook together, unpacked.
MAX_UNPACKED_BYTES = _setting("LEDGER_IMPORT_MAX_UNPACKED_BYTES", 400 * MB)
# One part unpacked (a 50,000-row sheet of 45 columns is about 100 MB of XML).
MAX_PART_BYTES = _setting("LEDGER_IMPORT_MAX_PART_BYTES", 250 * MB)
# The shared-strings part unpacked: openpyxl keeps every string in memory.
MAX_SHARED_STRINGS_BYTES = _setting("LEDGER_IMPORT_MAX_SHARED_STRINGS_BYTES", 16 * MB)
# Unpacked / packed size of a part above 1 MB; sheet XML packs 10–30 times, a zip bomb thousands.
MAX_RATIO = _setting("LEDGER_IMPORT_MAX_RATIO", 200)
# Seconds one import may take (parse, check and save); the Celery task's soft time limit too.
TIME_LIMIT = _setting("LEDGER_IMPORT_TIME_LIMIT", 300)
# Extra address space an import may take in a worker process (0: no limit).
MEMORY_LIMIT_BYTES = _setting("LEDGER_IMPORT_MEMORY_MB", 1536) * MB
HEADER_SCAN_ROWS = 10

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref\s*=\s*[\"']([^\"']+)[\"']")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_SCAN_CHUNK = 1 * MB


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": str(self.message)}


class FileProblem(Exception):
    """The file as a whole cannot be read (not a workbook, too large, hostile, no data sheet,
    headers missing, too slow)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def file_problem(message: str, sheet: str = "") -> FileProblem:
    return FileProblem([Problem(sheet, None, "", message)])


class Deadline:
    """The time an import may take; ``check`` raises FileProblem once it has passed."""

    def __init__(self, seconds: float | None = None):
        self.seconds = TIME_LIMIT if seconds is None else seconds
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise too_slow(self.seconds)


def too_slow(seconds: float) -> FileProblem:
    return file_problem(_("Checking the file took longer than %(seconds)s seconds and was stopped; nothing was "
                          "saved. Split the file into smaller ones.") % {"seconds": int(seconds)})


def not_a_workbook() -> FileProblem:
    return file_problem(_("The file is not an Excel workbook (.xlsx)."))


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Split it into smaller files.") % {"mb": MAX_UPLOAD_BYTES // MB}


def inspect_workbook(source: IO[bytes]) -> None:
    """Refuse a workbook whose parts are too large, inflate suspiciously, declare XML entities or
    declare a sheet larger than an import may be. ``source`` is a seekable binary file."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise not_a_workbook() from exc
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or not any(name.startswith("xl/worksheets/") for name in names):
            raise not_a_workbook()
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > MAX_PART_BYTES or total > MAX_UNPACKED_BYTES:
                raise file_problem(_("The workbook unpacks to more than %(mb)s MB; nothing was read. Split it "
                                     "into smaller files.") % {"mb": min(MAX_PART_BYTES, MAX_UNPACKED_BYTES) // MB})
            if member.file_size > MB and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise file_problem(_("The workbook is packed suspiciously tightly (a part unpacks %(ratio)s times "
                                     "larger); nothing was read.") % {
                    "ratio": member.file_size // max(member.compress_size, 1)})
            lower = member.filename.lower()
            if lower.endswith("sharedstrings.xml") and member.file_size > MAX_SHARED_STRINGS_BYTES:
                raise file_problem(_("The workbook's text table is larger than %(mb)s MB; nothing was read. "
                                     "Split the file into smaller ones.") % {"mb": MAX_SHARED_STRINGS_BYTES // MB})
        for member in members:
            lower = member.filename.lower()
            if lower.endswith((".xml", ".rels", ".vml")):
                _refuse_declarations(archive, member)
            if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                _check_dimension(archive, member)


def _refuse_declarations(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """No part of a workbook written by Excel or WPS has a DOCTYPE: one with entity
    declarations is an attack (entity expansion), refused before any XML parser sees it."""
    tail = b""
    try:
        with archive.open(member) as part:
            while chunk := part.read(_SCAN_CHUNK):
                if _DECLARATION.search(tail + chunk):
                    raise file_problem(_("The workbook contains XML declarations (DOCTYPE/ENTITY) that Excel "
                                         "never writes; it was refused for safety."))
                tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise not_a_workbook() from exc


def _check_dimension(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    try:
        with archive.open(member) as part:
            head = part.read(64 * 1024)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise not_a_workbook() from exc
    match = _DIMENSION.search(head)
    if not match:
        return
    ref = match.group(1).decode("ascii", "replace")
    last = ref.split(":")[-1]
    cell = _CELL.fullmatch(last.strip())
    if cell is None:
        return
    try:
        columns = column_index_from_string(cell.group(1).upper())
    except ValueError:
        return
    rows = int(cell.group(2))
    if rows > MAX_ROWS + HEADER_SCAN_ROWS or columns > MAX_COLUMNS:
        raise file_problem(_(
            "A sheet declares a range of %(rows)s rows and %(columns)s columns (%(ref)s); an import reads at most "
            "%(max_rows)s rows and %(max_columns)s columns. Delete the empty rows and columns after the data (or "
            "split the file) and upload it again.") % {
            "rows": f"{rows:,}", "columns": f"{columns:,}", "ref": ref[:40], "max_rows": f"{MAX_ROWS:,}",
            "max_columns": MAX_COLUMNS})

