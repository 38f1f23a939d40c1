"""The .xlsx writer of the 一总四分 ledgers (openpyxl write-only mode: rows stream to disk).

A workbook holds a summary sheet first and one sheet per asset class. Each class sheet has a
title row, a line saying what it covers, two header rows (group headers merged across their
columns, single headers merged down both rows), frozen panes below the headers, the asset rows,
a subtotal row closing every group (township, village, department or household, per ledger) and a
total row for the class. Amounts are numbers in yuan with two decimals, never text.

Disposed assets (已处置) are no longer held: they are out of the groups and totals, listed after
the class total in a section of their own with the disposal's number and approval document, and
shown on the summary sheet in a row of their own beside (not in) the total.

Write-only sheets cannot ``merge_cells()``; ``ws.merged_cells.add("A1:A2")`` writes the same
<mergeCell> element (undocumented in openpyxl; the tests reload the file to prove it).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import XML_NS, Element, SubElement

from assets.choices import AssetClass, AssetStatus
from assets.models import Region
from ledgers.exports.layout import (
    MONEY,
    Column,
    class_title,
    ledger_columns,
    ledger_title,
    masker,
    row_converter,
)
from ledgers.exports.source import GROUPS, IDX, ClassRows, export_session, ledger_rows
from ledgers.exports.spec import LedgerRequest

MONEY_FORMAT = '"¥"#,##0.00'
XML_SPACE = f"{{{XML_NS}}}space"
EXACT_NUMBERS = (int, Decimal)
HEADER_ROWS = 4  # title, description, group headers, leaf headers
PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]


@dataclass
class Totals:
    count: int = 0
    sums: list[Decimal] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        self.count += other.count
        self.sums = [a + b for a, b in zip(self.sums, other.sums, strict=True)]


@dataclass
class LedgerResult:
    rows: int = 0
    # per asset class: count, and the money columns' totals by column key
    class_totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    # per top-level group label, per class: count, original value, net value
    summary: dict[str, dict[str, tuple[int, Decimal, Decimal]]] = field(default_factory=dict)
    # per asset class, the disposed assets listed apart: count, original value, net value
    disposed: dict[str, tuple[int, Decimal, Decimal]] = field(default_factory=dict)


class PlainRow(list):
    """A data row of plain values (str, int, Decimal, None): serialised by FastRowWriter."""


class FastRowWriter(WorksheetWriter):
    """openpyxl's sheet writer, with one shortcut: a PlainRow becomes one lxml <row> element
    built in a single pass, instead of a Cell object and three nested writer contexts per value.
    The XML is the one openpyxl writes (inline strings, numbers as %.16g, the column's style id);
    rows of Cells (titles, headers, subtotals) go through openpyxl's own code."""

    def write_row(self, xf: Any, row: Any, row_idx: int) -> None:
        if not isinstance(row, PlainRow):
            super().write_row(xf, row, row_idx)
            return
        letters = self.ws.letters
        style_ids = self.ws.style_ids
        suffix = str(row_idx)
        element = Element("row", r=suffix)
        for col_idx, value in enumerate(row, 1):
            if value is None or value == "":
                continue
            style = style_ids.get(col_idx)
            if type(value) is str:
                cell = SubElement(element, "c", r=letters[col_idx] + suffix, t="inlineStr")
                if style:
                    cell.set("s", style)
                text = SubElement(SubElement(cell, "is"), "t")
                if not value.isprintable():
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # as openpyxl does
                if value != value.strip():
                    text.set(XML_SPACE, "preserve")
                text.text = value[:32767]
            else:
                cell = SubElement(element, "c", r=letters[col_idx] + suffix, t="n")
                if style:
                    cell.set("s", style)
                # Decimal and int print as exact xsd:double literals ("12500.00"); floats as openpyxl does
                SubElement(cell, "v").text = str(value) if type(value) in EXACT_NUMBERS else safe_string(value)
        xf.write(element)


class LedgerSheet(WriteOnlyWorksheet):
    """A write-only sheet whose data rows (PlainRow) are written by FastRowWriter, giving the
    cells of ``styled_columns`` their column's style (the yuan format); other rows may mix
    plain values and ready-made styled Cells."""

    styled_columns: dict[int, Cell]

    def __init__(self, parent: Workbook, title: str):
        super().__init__(parent, title)
        self.styled_columns = {}
        self.style_ids: dict[int, str] = {}
        self.letters = [""] + [get_column_letter(n) for n in range(1, 200)]

    def use_styles(self, styled_columns: dict[int, Cell]) -> None:
        self.styled_columns = styled_columns
        self.style_ids = {column: str(cell.style_id) for column, cell in styled_columns.items()}

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = FastRowWriter(self)
            self._writer.write_top()

    def _values_to_row(self, values: Iterable[Any], row_idx: int) -> Iterable[Cell]:
        if isinstance(values, PlainRow):
            return values
        return self._styled_cells(values, row_idx)

    def _styled_cells(self, values: Iterable[Any], row_idx: int) -> Iterable[Cell]:
        plain = Cell(self, row=row_idx, column=1)
        styled = self.styled_columns
        for col_idx, value in enumerate(values, 1):
            if isinstance(value, Cell):
                cell = value
            elif value is None or value == "":
                continue  # an empty cell is not written at all
            else:
                cell = styled.get(col_idx, plain)
                kind = type(value)
                if kind is str and value.isprintable() and len(value) < 32767:
                    cell._value, cell.data_type = value, "s"  # nothing to clean: skip openpyxl's checks
                elif kind is int or kind is Decimal:
                    cell._value, cell.data_type = value, "n"
                else:
                    cell.value = value  # openpyxl cleans control characters, converts dates ...
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def new_sheet(workbook: Workbook, title: str) -> LedgerSheet:
    sheet = LedgerSheet(parent=workbook, title=title)
    workbook._add_sheet(sheet)
    return sheet


class Styles:
    """Style arrays prepared once and copied onto each styled cell (cheap in write-only mode)."""

    def __init__(self, ws: LedgerSheet):
        thin = Side(style="thin", color="999999")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        center = Alignment(horizontal="center", vertical="center", wrap_text=True)

        def make(**attrs: Any) -> Any:
            cell = Cell(ws, row=1, column=1)
            for name, value in attrs.items():
                setattr(cell, name, value)
            return cell._style

        self.title = make(font=Font(bold=True, size=14), alignment=Alignment(horizontal="center"))
        self.note = make(font=Font(size=9, color="555555"))
        self.header = make(font=Font(bold=True), alignment=center, border=border,
                           fill=PatternFill("solid", fgColor="DDE7F0"))
        self.money = make(number_format=MONEY_FORMAT)
        self.subtotal_label = make(font=Font(bold=True), fill=PatternFill("solid", fgColor="F2F2F2"))
        self.subtotal_money = make(font=Font(bold=True), number_format=MONEY_FORMAT,
                                   fill=PatternFill("solid", fgColor="F2F2F2"))
        self.total_label = make(font=Font(bold=True), fill=PatternFill("solid", fgColor="FFF2CC"))
        self.total_money = make(font=Font(bold=True), number_format=MONEY_FORMAT,
                                fill=PatternFill("solid", fgColor="FFF2CC"))


def _group_keys(ledger: str) -> list[Callable[[tuple], tuple[Any, str, str]]]:
    """Per group level: row -> (key, sort code, label)."""
    i = IDX
    county_level = pgettext("ledger", "county level (no township)")
    township_supervised = pgettext("ledger", "township government")
    makers = {
        "township": lambda r: (r[i["township_id"]], r[i["township__code"]] or "~", r[i["township__name"]]
                               or county_level),
        "village": lambda r: (r[i["region_id"]], r[i["region__code"]], r[i["region__name"]]),
        "department": lambda r: (r[i["supervising_department_id"]], r[i["supervising_department__code"]] or "~",
                                 r[i["supervising_department__name"]] or township_supervised),
        "household": lambda r: (r[i["owner_household_id"]], r[i["owner_household__head_name"]] or "~",
                                r[i["owner_household__head_name"]] or _("no owner household")),
    }
    return [makers[level] for level in GROUPS[ledger]]


class LedgerWorkbook:
    def __init__(self, user, request: LedgerRequest, *, requested_by: str = "", progress: Progress | None = None):
        self.user = user
        self.request = request
        self.requested_by = requested_by or (str(user) if user is not None else pgettext("ledger", "system"))
        self.progress = progress
        self.columns: list[Column] = ledger_columns(request.ledger)
        self.money_index = [n for n, column in enumerate(self.columns) if column.kind == MONEY]
        self.money_keys = [self.columns[n].key for n in self.money_index]
        self.result = LedgerResult()
        self.county = Region.objects.filter(level="county").values_list("name", flat=True).first() or ""
        self.done = 0
        self.total = 0

    # --- public -------------------------------------------------------------------------------

    def write(self, target: str | Path | IO[bytes]) -> LedgerResult:
        workbook = Workbook(write_only=True)
        summary = new_sheet(workbook, pgettext("ledger", "summary")[:31])
        with export_session():
            parts = ledger_rows(self.user, self.request)
            self.total = sum(part.count for part in parts)
            self._report()
            for part in parts:
                sheet = new_sheet(workbook, class_title(part.asset_class)[:31])
                self._write_class(sheet, part)
        self._write_summary(summary, [part.asset_class for part in parts])
        save_fast(workbook, target)
        self.result.rows = self.done
        self._report(force=True)
        return self.result

    # --- sheets -------------------------------------------------------------------------------

    def _heading(self, ws: LedgerSheet, styles: Styles, title: str, columns: list[Column]) -> None:
        last = get_column_letter(len(columns))
        for n, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(n)].width = column.width
        ws.freeze_panes = f"D{HEADER_ROWS + 1}" if len(columns) > 3 else f"B{HEADER_ROWS + 1}"
        ws.append([Cell(ws, value=title, style_array=styles.title)])
        ws.merged_cells.add(f"A1:{last}1")
        ws.append([Cell(ws, value=self._description(), style_array=styles.note)])
        ws.merged_cells.add(f"A2:{last}2")
        groups: list[Cell] = []
        leaves: list[Cell] = []
        n = 0
        while n < len(columns):
            column = columns[n]
            letter = get_column_letter(n + 1)
            if column.group is None:
                groups.append(Cell(ws, value=str(column.header), style_array=styles.header))
                leaves.append(Cell(ws, style_array=styles.header))
                ws.merged_cells.add(f"{letter}3:{letter}4")
                n += 1
                continue
            run = n
            while run < len(columns) and columns[run].group == column.group:
                groups.append(Cell(ws, value=str(column.group) if run == n else None, style_array=styles.header))
                leaves.append(Cell(ws, value=str(columns[run].header), style_array=styles.header))
                run += 1
            if run - n > 1:
                ws.merged_cells.add(f"{letter}3:{get_column_letter(run)}3")
            n = run
        ws.append(groups)
        ws.append(leaves)

    def _description(self) -> str:
        as_of = self.request.as_of.isoformat() if self.request.as_of else pgettext("ledger", "today")
        return _("Scope: %(scope)s.  As of: %(as_of)s.  Exported by %(user)s at %(time)s.") % {
            "scope": self.request.describe(), "as_of": as_of, "user": self.requested_by,
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }

    def _write_class(self, ws: LedgerSheet, part: ClassRows) -> None:
        styles = Styles(ws)
        title = f"{self.county}{ledger_title(self.request.ledger)}（{class_title(part.asset_class)}）"
        self._heading(ws, styles, title, self.columns)
        convert = row_converter(self.columns, masker(self.user))
        money_index = self.money_index
        width = len(money_index)
        ws.use_styles({n + 1: Cell(ws, row=1, column=1, style_array=styles.money) for n in money_index})
        levels = _group_keys(self.request.ledger)
        depth = len(levels)
        keys: list[Any] = [None] * depth
        open_groups: list[tuple[str, str, Totals]] = []  # (sort code, label, totals) per level
        class_total = Totals(0, [Decimal(0)] * width)
        top_level: dict[str, dict[str, Any]] = self.result.summary
        zero = Decimal(0)

        def close(level: int) -> None:
            # close groups from the innermost down to ``level``; roll totals up
            while len(open_groups) > level:
                code, label, totals = open_groups.pop()
                self._subtotal(ws, styles, label, totals, total=False)
                if open_groups:
                    open_groups[-1][2].add(totals)
                else:
                    class_total.add(totals)
                    entry = top_level.setdefault(label, {"_code": code})
                    entry[part.asset_class] = (totals.count, totals.sums[self._at("original_value")],
                                               totals.sums[self._at("net_value")])

        status_at, disposed_status = IDX["status"], AssetStatus.DISPOSED
        disposed: list[tuple] = []
        seq = 0
        for row in part:
            if row[status_at] == disposed_status:
                disposed.append(row)  # listed after the total, out of it
                continue
            seq += 1
            row_keys = [make(row) for make in levels]
            changed = depth
            for level in range(depth):
                if row_keys[level][0] != keys[level] or level >= len(open_groups):
                    changed = level
                    break
            if changed < depth:
                close(changed)
                for level in range(changed, depth):
                    keys[level] = row_keys[level][0]
                    open_groups.append((row_keys[level][1], row_keys[level][2], Totals(0, [zero] * width)))
            values = convert(row)
            inner = open_groups[-1][2]
            inner.count += 1
            sums = inner.sums
            out = PlainRow((seq,))
            out.extend(values)
            for slot, n in enumerate(money_index):
                value = out[n]
                if value is not None:
                    sums[slot] += value
            ws.append(out)
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                self._report()
        close(0)
        label = pgettext("ledger", "total, %(class)s") % {"class": AssetClass(part.asset_class).label}
        self._subtotal(ws, styles, label, class_total, total=True)
        self.result.class_totals[part.asset_class] = {
            "count": class_total.count, **dict(zip(self.money_keys, class_total.sums, strict=True)),
        }
        if disposed:
            self._write_disposed(ws, styles, part.asset_class, disposed, convert)

    def _write_disposed(self, ws: LedgerSheet, styles: Styles, asset_class: str, rows: list[tuple],
                        convert: Callable[[tuple], list[Any]]) -> None:
        """The class's disposed assets, after its total: numbered on, with the disposal's number and
        approval document in a column of their own, and a subtotal of their own."""
        from disposals.services import disposal_documents

        documents = disposal_documents([row[0] for row in rows])
        document_column = len(self.columns) + 1
        ws.column_dimensions[get_column_letter(document_column)].width = 34
        ws.append([])
        heading: list[Any] = [Cell(ws, style_array=styles.subtotal_label) for _column in range(document_column)]
        heading[1] = Cell(ws, value=pgettext("ledger", "disposed"), style_array=styles.subtotal_label)
        heading[2] = Cell(ws, value=pgettext("ledger", "Disposed assets: no longer held, not in the totals above"),
                          style_array=styles.subtotal_label)
        heading[-1] = Cell(ws, value=pgettext("ledger column", "disposal no. / approval document"),
                           style_array=styles.header)
        ws.append(heading)
        totals = Totals(0, [Decimal(0)] * len(self.money_index))
        for row in rows:
            values = convert(row)
            out = PlainRow((self.result.class_totals[asset_class]["count"] + totals.count + 1,))
            out.extend(values)
            out.append(documents.get(row[0], ""))
            for slot, n in enumerate(self.money_index):
                if out[n] is not None:
                    totals.sums[slot] += out[n]
            totals.count += 1
            ws.append(out)
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                self._report()
        label = pgettext("ledger", "disposed, %(class)s") % {"class": AssetClass(asset_class).label}
        self._subtotal(ws, styles, label, totals, total=False)
        self.result.disposed[asset_class] = (totals.count, totals.sums[self._at("original_value")],
                                             totals.sums[self._at("net_value")])

    def _at(self, key: str) -> int:
        return self.money_keys.index(key)

    def _subtotal(self, ws: LedgerSheet, styles: Styles, label: str, totals: Totals, *, total: bool) -> None:
        label_style = styles.total_label if total else styles.subtotal_label
        money_style = styles.total_money if total else styles.subtotal_money
        out: list[Any] = [Cell(ws, style_array=label_style) for _column in self.columns]
        kind = pgettext("ledger", "total") if total else pgettext("ledger", "subtotal")
        text = pgettext("ledger", "%(label)s (%(count)s assets)") % {"label": label, "count": totals.count}
        out[1] = Cell(ws, value=kind, style_array=label_style)
        out[2] = Cell(ws, value=text, style_array=label_style)
        for slot, n in enumerate(self.money_index):
            out[n] = Cell(ws, value=totals.sums[slot], style_array=money_style)
        ws.append(out)

    def _write_summary(self, ws: LedgerSheet, classes: list[str]) -> None:
        styles = Styles(ws)
        count_label = pgettext("ledger", "number of assets")
        original_label, net_label = pgettext("ledger", "original value"), pgettext("ledger", "net value")
        columns = [Column("group", self._summary_group_label(), None, 26)]
        for asset_class in [*classes, "all"]:
            group = pgettext("ledger", "all classes") if asset_class == "all" else AssetClass(asset_class).label
            columns += [Column(f"{asset_class}_n", count_label, group, 9), Column(f"{asset_class}_o", original_label,
                        group, 18, MONEY), Column(f"{asset_class}_v", net_label, group, 18, MONEY)]
        title = f"{self.county}{ledger_title(self.request.ledger)}（{pgettext('ledger', 'summary')}）"
        self._heading(ws, styles, title, columns)
        grand = {asset_class: [0, Decimal(0), Decimal(0)] for asset_class in classes}
        entries = sorted(self.result.summary.items(), key=lambda item: (item[1]["_code"], item[0]))
        for label, per_class in entries:
            self._summary_row(ws, styles, label, [per_class.get(c, (0, Decimal(0), Decimal(0))) for c in classes],
                              total=False)
            for asset_class in classes:
                figures = per_class.get(asset_class)
                if figures:
                    grand[asset_class] = [a + b for a, b in zip(grand[asset_class], figures, strict=True)]
        self._summary_row(ws, styles, pgettext("ledger", "total"), [tuple(grand[c]) for c in classes], total=True)
        if self.result.disposed:
            none = (0, Decimal(0), Decimal(0))
            self._summary_row(ws, styles, pgettext("ledger", "disposed (not in the total)"),
                              [self.result.disposed.get(c, none) for c in classes], total=False)

    def _summary_row(self, ws: LedgerSheet, styles: Styles, label: str,
                     figures: Iterable[tuple[int, Decimal, Decimal]], *, total: bool) -> None:
        money_style = styles.total_money if total else styles.money
        label_style = styles.total_label if total else None
        figures = list(figures)
        everything = [sum(f[0] for f in figures), sum((f[1] for f in figures), Decimal(0)),
                      sum((f[2] for f in figures), Decimal(0))]
        out: list[Any] = [Cell(ws, value=label, style_array=label_style)]
        for count, original, net in [*figures, tuple(everything)]:
            out += [Cell(ws, value=count, style_array=label_style), Cell(ws, value=original, style_array=money_style),
                    Cell(ws, value=net, style_array=money_style)]
        ws.append(out)

    def _summary_group_label(self) -> str:
        first = GROUPS[self.request.ledger][0]
        return {"township": pgettext("ledger", "township"), "village": pgettext("ledger", "village"),
                "department": pgettext("ledger", "supervising department"),
                "household": pgettext("ledger group", "household")}[first]

    def _report(self, *, force: bool = False) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


def save_fast(workbook: Workbook, target: str | Path | IO[bytes]) -> None:
    """openpyxl's save_workbook with zlib level 1: a county ledger compresses in a fraction of
    the time of the default level, for a file about 40% larger (20 MB instead of 14 MB for 100,000
    assets)."""
    archive = ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    ExcelWriter(workbook, archive).save()


def write_ledger_xlsx(user, request: LedgerRequest, target: str | Path | IO[bytes], *, requested_by: str = "",
                      progress: Progress | None = None) -> LedgerResult:
    """Write the ledger ``request`` as ``user`` sees it (``None``: county-wide system run)."""
    return LedgerWorkbook(user, request, requested_by=requested_by, progress=progress).write(target)
