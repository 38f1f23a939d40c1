"""The village ledger as a printable PDF for the notice board (公示), with real Chinese glyphs.

WeasyPrint renders templates/ledgers/village_ledger_pdf.html with the system's Noto CJK fonts
(Debian's fonts-noto-cjk, and libharfbuzz-subset0 so the font is subset in C, not Python).
ID numbers are never printed: the notice is public. Disposed assets are listed in a section of
their own, with the disposal's documents, out of the totals.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.choices import AssetClass, AssetStatus
from assets.models import Region
from disposals.services import disposal_documents
from ledgers.choices import LedgerKind
from ledgers.exports.layout import class_title, ledger_title, masker, row_converter
from ledgers.exports.source import IDX, ledger_rows
from ledgers.exports.spec import LedgerRequest
from ledgers.exports.xlsx import Progress

# key -> the ledger column it is read from (ledgers/exports/layout.py)
PDF_KEYS = ["code", "name", "category", "year_formed", "quantity", "unit", "original_value", "net_value",
            "owner", "status", "operating_entity", "caretaker"]


def village_ledger_context(user, request: LedgerRequest, *, requested_by: str = "",
                           progress: Progress | None = None) -> dict[str, Any]:
    from ledgers.exports.layout import ledger_columns

    columns = {column.key: column for column in ledger_columns(LedgerKind.VILLAGE)}
    chosen = [columns[key] for key in PDF_KEYS]
    convert = row_converter(chosen, masker(None))
    parts = ledger_rows(user, request)
    total_rows = sum(part.count for part in parts)
    sections = []
    done = 0
    grand = {"count": 0, "original": Decimal(0), "net": Decimal(0)}
    original_at, net_at = PDF_KEYS.index("original_value"), PDF_KEYS.index("net_value")
    status_at = IDX["status"]
    disposed_rows: list[tuple[int, list[Any]]] = []
    for part in parts:
        rows = []
        original = net = Decimal(0)
        for row in part:
            values = convert(row)
            if row[status_at] == AssetStatus.DISPOSED:
                disposed_rows.append((row[0], values))  # apart, out of the totals
                done += 1
                continue
            original += values[original_at] or 0
            net += values[net_at] or 0
            rows.append(values)
            done += 1
        if progress is not None:
            progress(done, total_rows)
        if not rows:
            continue
        sections.append({"title": class_title(part.asset_class), "rows": rows, "count": len(rows),
                         "original": original, "net": net})
        grand["count"] += len(rows)
        grand["original"] += original
        grand["net"] += net
    disposed = None
    if disposed_rows:
        documents = disposal_documents([asset_id for asset_id, _values in disposed_rows])
        disposed = {"rows": [[*values, documents.get(asset_id, "")] for asset_id, values in disposed_rows],
                    "count": len(disposed_rows),
                    "original": sum((values[original_at] or 0 for _id, values in disposed_rows), Decimal(0)),
                    "net": sum((values[net_at] or 0 for _id, values in disposed_rows), Decimal(0))}
    region = request.region
    county = Region.objects.filter(level="county").values_list("name", flat=True).first() or ""
    return {
        "title": f"{region.full_name if region else county}{ledger_title(LedgerKind.VILLAGE)}",
        "region": region,
        "headers": [str(column.header) for column in chosen],
        "money_columns": {original_at, net_at},
        "sections": sections,
        "grand": grand,
        "disposed": disposed,
        "as_of": request.as_of,
        "printed_at": timezone.localtime(),
        "requested_by": requested_by,
        "classes": AssetClass,
    }


def render_village_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("ledgers/village_ledger_pdf.html", context)
    return HTML(string=html).write_pdf()


def write_village_pdf(user, request: LedgerRequest, target: str | Path | IO[bytes], *, requested_by: str = "",
                      progress: Progress | None = None) -> None:
    if request.region is None:
        raise ValueError(_("Choose the village whose ledger is printed."))
    pdf = render_village_pdf(village_ledger_context(user, request, requested_by=requested_by, progress=progress))
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(pdf)
    else:
        target.write(pdf)
