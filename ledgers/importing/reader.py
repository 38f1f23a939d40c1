"""Reading an uploaded workbook: find the data sheet and its header rows, and turn each cell
into a Python value of its column's kind, collecting every problem with sheet, row and column.

The workbook is checked before openpyxl opens it (ledgers/importing/safety.py), and the limits
hold again while its rows stream: the size a sheet declares is not trusted."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ledgers.importing.safety import (
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    Deadline,
    FileProblem,
    Problem,
    file_problem,
    inspect_workbook,
    not_a_workbook,
)
from ledgers.importing.schema import (
    ALLOWED_VALUES_TITLE,
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    NUMBER,
    REQUIRED_MARK,
    SHEET_TITLES,
    ImportColumn,
)

__all__ = ["MAX_ROWS", "CellError", "FileProblem", "Problem", "SheetReader", "parse"]

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_NUMBER = Decimal("9999999999.99")  # a quantity: the model's 12 digits, 2 of them decimals
_SPACES = re.compile(r"\s+")
TRUE_WORDS = {"是", "yes", "y", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "×", ""}
DEADLINE_EVERY = 500  # rows between looks at the clock


def normalise(text: Any) -> str:
    value = _SPACES.sub("", str(text or "")).replace(REQUIRED_MARK, "").replace("＊", "")
    return value.replace("（", "(").replace("）", ")").lower()


def _labels(column: ImportColumn) -> set[str]:
    labels = {normalise(column.header), normalise(column.key)}
    with translation.override("en"):
        labels.add(normalise(column.header))
    return labels


class SheetReader:
    """The data sheet of a workbook, streamed (openpyxl's read-only mode) within the limits."""

    def __init__(self, data: bytes | IO[bytes], kind: str, columns: list[ImportColumn],
                 deadline: Deadline | None = None):
        self.columns = columns
        self.by_key = {column.key: column for column in columns}
        self.deadline = deadline or Deadline()
        source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        inspect_workbook(source)
        source.seek(0)
        try:
            self.workbook = load_workbook(source, read_only=True, data_only=True)
        except (SoftTimeLimitExceeded, MemoryError):
            raise  # the job's limits, not the file's form
        except Exception as exc:  # zip and XML errors of every kind (defusedxml's too): not a workbook
            raise not_a_workbook() from exc
        self.sheet = self._data_sheet(kind)
        self.title = self.sheet.title
        # the declared size estimates the progress only; the rows are counted as they stream
        declared = self.sheet.max_row
        self.sheet.reset_dimensions()
        self.positions, self.first_row = self._headers()
        self.estimated_rows = (max(1, min(declared, self.first_row + MAX_ROWS) - self.first_row + 1)
                               if isinstance(declared, int) else None)

    def _data_sheet(self, kind: str):
        wanted = {normalise(SHEET_TITLES[kind])}
        with translation.override("en"):
            wanted.add(normalise(SHEET_TITLES[kind]))
        skip = {normalise(ALLOWED_VALUES_TITLE)}
        with translation.override("en"):
            skip.add(normalise(ALLOWED_VALUES_TITLE))
        sheets = [ws for ws in self.workbook.worksheets if normalise(ws.title) not in skip]
        for ws in sheets:
            if normalise(ws.title) in wanted:
                return ws
        if sheets:
            return sheets[0]
        raise file_problem(_("The workbook has no data sheet."))

    def _headers(self) -> tuple[dict[str, int], int]:
        """Column positions by key, and the first data row. Headers are two rows (group over
        leaf, as in the template) or one row."""
        try:
            top = [list(row) for row in self.sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS,
                                                             max_col=MAX_COLUMNS, values_only=True)]
        except (SoftTimeLimitExceeded, MemoryError):
            raise
        except Exception as exc:  # malformed sheet XML
            raise not_a_workbook() from exc
        known = {label: column.key for column in self.columns for label in _labels(column)}
        best: tuple[int, dict[str, int], int] = (0, {}, 0)
        for r in range(len(top)):
            for pair in (False, True):  # on a tie one header row wins: a data row is no leaf header
                if pair and r + 1 >= len(top):
                    continue
                positions: dict[str, int] = {}
                width = max(len(top[r]), len(top[r + 1]) if pair else 0)
                for c in range(width):
                    lower = top[r + 1][c] if pair and c < len(top[r + 1]) else None
                    upper = top[r][c] if c < len(top[r]) else None
                    for text in (lower, upper) if pair else (upper,):
                        key = known.get(normalise(text)) if text not in (None, "") else None
                        if key and key not in positions:
                            positions[key] = c
                            break
                if len(positions) > best[0]:
                    best = (len(positions), positions, r + (3 if pair else 2))
        matched, positions, first_row = best
        missing = [column for column in self.columns if column.required and column.key not in positions]
        if not matched or missing:
            names = "、".join(str(column.header) for column in missing) or _("all")
            raise file_problem(_("Required columns are missing: %(columns)s. Use the downloadable template.")
                               % {"columns": names}, self.sheet.title)
        return positions, first_row

    def column_label(self, key: str) -> str:
        column = self.by_key[key]
        position = self.positions.get(key)
        letter = get_column_letter(position + 1) if position is not None else "?"
        return f"{column.header}（{letter}）"

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row number, {key: raw value}) for every non-empty row. Every row counts
        towards the limit as it streams, empty ones too, so a sheet that runs on to row
        1,048,576 stops there; columns after ``MAX_COLUMNS`` are not read."""
        positions = self.positions
        last = self.first_row + MAX_ROWS - 1
        rows = self.sheet.iter_rows(min_row=self.first_row, max_col=MAX_COLUMNS, values_only=True)
        number = self.first_row - 1
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except (SoftTimeLimitExceeded, MemoryError):
                raise
            except Exception as exc:  # malformed sheet XML half-way down (or defusedxml's refusal)
                raise not_a_workbook() from exc
            number += 1
            if number > last:
                raise file_problem(_("The file has more than %(max)s rows; split it into several files.")
                                   % {"max": f"{MAX_ROWS:,}"}, self.title)
            if number % DEADLINE_EVERY == 0:
                self.deadline.check()
            if not row or all(value is None or (isinstance(value, str) and not value.strip()) for value in row):
                continue
            yield number, {key: row[index] if index < len(row) else None for key, index in positions.items()}


class CellError(ValueError):
    pass


def parse(column: ImportColumn, raw: Any) -> Any:
    """The raw cell value as the column's kind; None for an empty cell. Raises CellError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if column.required:
            raise CellError(_("This column is required."))
        return None
    if column.kind == INT:
        return _int(raw)
    if column.kind == DECIMAL:
        return _money(raw)
    if column.kind == NUMBER:
        return _number(raw)
    if column.kind == DATE:
        return _date(raw)
    if column.kind == BOOL:
        return _bool(raw)
    if column.kind == CHOICE:
        return _choice(column, raw)
    return _text(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (datetime.datetime, datetime.date)):
        return raw.strftime("%Y-%m-%d")
    text = str(raw).strip()
    if "\x00" in text:  # PostgreSQL refuses NUL in text (openpyxl unescapes Excel's _x0000_)
        raise CellError(_("The text contains an invalid character (NUL)."))
    return text


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = str(raw).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise CellError(_("Enter a whole number."))


def _money(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(_("Enter an amount in yuan, e.g. 12500.00."))
    text = str(raw).strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("Enter an amount in yuan, e.g. 12500.00.")) from exc
    if not value.is_finite():
        raise CellError(_("Enter an amount in yuan, e.g. 12500.00."))
    if value < 0:
        raise CellError(_("Amounts cannot be negative."))
    if value > MAX_MONEY:  # before rounding: 1e30 has more digits than a Decimal context holds
        raise CellError(_("The amount is too large (at most %(max)s yuan).") % {"max": f"{MAX_MONEY:,}"})
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(rounded - value) > Decimal("0.000001"):
        raise CellError(_("Amounts have at most two decimal places."))
    if rounded > MAX_MONEY:
        raise CellError(_("The amount is too large (at most %(max)s yuan).") % {"max": f"{MAX_MONEY:,}"})
    return rounded


def _number(raw: Any) -> Decimal:
    """A quantity: a number with at most two decimals (the model says whether it must be positive)."""
    try:
        value = Decimal(_text(raw).replace(",", ""))
    except InvalidOperation as exc:
        raise CellError(_("Enter a number.")) from exc
    if not value.is_finite():
        raise CellError(_("Enter a number."))
    if abs(value) > MAX_NUMBER:  # before rounding: 1e400 has more digits than a Decimal context holds
        raise CellError(_("The number is too large (at most %(max)s).") % {"max": f"{MAX_NUMBER:,}"})
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise CellError(_("Enter a number with at most two decimal places."))
    return value.quantize(CENT)


def _date(raw: Any) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError as exc:
        raise CellError(_("Enter a date as YYYY-MM-DD.")) from exc


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in TRUE_WORDS or text == normalise(_("yes")):
        return True
    if text in FALSE_WORDS or text == normalise(_("no")):
        return False
    raise CellError(_("Enter 是 or 否."))


_CHOICE_CACHE: dict[tuple[type, str], dict[str, str]] = {}


def _choice(column: ImportColumn, raw: Any) -> str:
    choices = column.choices
    key = (choices, translation.get_language() or "")
    table = _CHOICE_CACHE.get(key)
    if table is None:
        table = {}
        for value, label in choices.choices:
            table[normalise(value)] = value
            table[normalise(label)] = value
            with translation.override("en"):
                table[normalise(label)] = value
        _CHOICE_CACHE[key] = table
    value = table.get(normalise(_text(raw)))
    if value is None:
        allowed = "、".join(str(label) for _value, label in choices.choices)
        raise CellError(_("Not an allowed value; choose one of: %(allowed)s.") % {"allowed": allowed})
    return value
