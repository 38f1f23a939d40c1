"""Downloadable import templates: the data sheet with the ledger's two-row Chinese headers
(required columns marked *), and a sheet of allowed values — choice labels, categories, and the
regions, organisations, projects the downloading user may use — with drop-down lists wired to it.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assets.choices import AssetClass, RegionLevel
from assets.models import AssetCategory, Organisation, Project
from assets.scoping import ADD, VIEW, regions_for
from ledgers.choices import ImportKind
from ledgers.importing.schema import (
    ALLOWED_VALUES_TITLE,
    BOOL,
    CHOICE,
    COLUMNS,
    FIRST_DATA_ROW,
    REQUIRED_MARK,
    SHEET_TITLES,
    ImportColumn,
)

SCOPE_KEYS = {ImportKind.ASSETS: "asset", ImportKind.HOUSEHOLDS: "household", ImportKind.PROJECTS: "project"}
MAX_LISTED = 5000  # reference rows listed per kind on the allowed-values sheet


def leaf_label(column: ImportColumn) -> str:
    return f"{column.header}{REQUIRED_MARK}" if column.required else str(column.header)


def yes_no() -> list[str]:
    return [_("yes"), _("no")]


def build_template(kind: str, user) -> bytes:
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(SHEET_TITLES[kind])
    allowed = workbook.create_sheet(str(ALLOWED_VALUES_TITLE))

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = get_column_letter(len(columns))
    sheet["A1"] = _("Import template: %(kind)s") % {"kind": SHEET_TITLES[kind]}
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last}1")
    sheet["A2"] = _("Fill in one record per row from row %(row)s on. Columns marked * are required. Choices and "
                    "codes are listed on the sheet \"%(sheet)s\". If any row has a problem, nothing is saved and "
                    "every problem is listed.") % {"row": FIRST_DATA_ROW, "sheet": ALLOWED_VALUES_TITLE}
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(f"A2:{last}2")
    sheet.row_dimensions[2].height = 32
    n = 0
    while n < len(columns):
        column = columns[n]
        if column.group is None:
            sheet.cell(3, n + 1, leaf_label(column))
            sheet.merge_cells(start_row=3, start_column=n + 1, end_row=4, end_column=n + 1)
            n += 1
            continue
        run = n
        while run < len(columns) and columns[run].group == column.group:
            sheet.cell(4, run + 1, leaf_label(columns[run]))
            run += 1
        sheet.cell(3, n + 1, str(column.group))
        if run - n > 1:
            sheet.merge_cells(start_row=3, start_column=n + 1, end_row=3, end_column=run)
        n = run
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        for row in (3, 4):
            cell = sheet.cell(row, index)
            cell.font, cell.fill, cell.alignment, cell.border = header_font, header_fill, center, border
        if column.help:
            target = sheet.cell(4, index) if column.group else sheet.cell(3, index)
            target.comment = Comment(str(column.help), "bangfu")
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"

    _fill_allowed(allowed, sheet, kind, user, columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_allowed(allowed, sheet, kind: str, user, columns: list[ImportColumn]) -> None:
    """One block of columns per list; drop-downs on the data sheet point at the choice lists."""
    bold = Font(bold=True)
    col = 1

    def block(title: str, rows: list[tuple], headers: list[str]) -> tuple[int, int]:
        nonlocal col
        allowed.cell(1, col, title).font = bold
        for offset, header in enumerate(headers):
            allowed.cell(2, col + offset, header).font = bold
            allowed.column_dimensions[get_column_letter(col + offset)].width = 24 if offset else 18
        for r, values in enumerate(rows, start=3):
            for offset, value in enumerate(values):
                allowed.cell(r, col + offset, value)
        start = col
        col += len(headers) + 1
        return start, len(rows)

    for index, column in enumerate(columns, start=1):
        if column.kind not in (CHOICE, BOOL):
            continue
        labels = [str(label) for _value, label in column.choices.choices] if column.kind == CHOICE else yes_no()
        start, count = block(str(column.header), [(label,) for label in labels], [_("value")])
        letter = get_column_letter(start)
        validation = DataValidation(type="list", formula1=f"'{allowed.title}'!${letter}$3:${letter}${count + 2}",
                                    allow_blank=not column.required)
        validation.error = _("Choose a value from the list.")
        sheet.add_data_validation(validation)
        target = get_column_letter(index)
        validation.add(f"{target}{FIRST_DATA_ROW}:{target}1048576")

    if kind == ImportKind.ASSETS:
        categories = AssetCategory.objects.filter(is_active=True).select_related("department")
        block(_("categories"), [(c.name, str(AssetClass(c.asset_class).label), c.department.name if c.department
                                 else _("township government")) for c in categories],
              [_("category"), _("asset class"), _("supervising department")])
    scope_key = {ImportKind.ASSETS: "asset", ImportKind.HOUSEHOLDS: "household", ImportKind.PROJECTS: "project"}[kind]
    regions = regions_for(user, scope_key, ADD).order_by("path")
    if kind == ImportKind.HOUSEHOLDS:
        regions = regions.filter(level=RegionLevel.VILLAGE)
    block(_("regions where you may enter records"),
          [(r.code, r.full_name, str(RegionLevel(r.level).label)) for r in regions[:MAX_LISTED]],
          [_("code"), _("name"), _("level")])
    if kind in (ImportKind.ASSETS, ImportKind.PROJECTS):
        organisations = Organisation.objects.restrict(user, VIEW).filter(is_active=True).order_by("kind", "code")
        block(_("organisations"), [(o.code, o.name) for o in organisations[:MAX_LISTED]], [_("code"), _("name")])
    if kind == ImportKind.ASSETS:
        projects = Project.objects.restrict(user, VIEW).order_by("-year", "code")
        block(_("projects"), [(p.code, p.name, p.year) for p in projects[:MAX_LISTED]],
              [_("project code"), _("project name"), _("year")])
