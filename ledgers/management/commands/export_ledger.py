"""Export one of the 一总四分 ledgers to a file, for operators and scheduled jobs.

    python manage.py export_ledger --ledger county|department|township|village|household \
        [--region CODE] [--department CODE] [--as-of YYYY-MM-DD] [--class operating] \
        [--project-year 2020] [--status in_use] [--user USERNAME] --out FILE.xlsx

Without --user it is a county-wide system run; with --user the ledger holds only what that
user may see, exactly as in the web page and the API. A village ledger may also be written as
PDF (--out FILE.pdf with --region VILLAGE_CODE).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from assets.choices import AssetClass, AssetStatus
from assets.models import User
from ledgers.choices import ExportFormat, LedgerKind
from ledgers.exports.pdf import write_village_pdf
from ledgers.exports.spec import request_from_codes
from ledgers.exports.xlsx import write_ledger_xlsx

LEDGERS = [kind for kind in LedgerKind.values if kind != LedgerKind.LIST]


class Command(BaseCommand):
    help = "Export a ledger (一总四分) to an .xlsx file (or a village ledger to PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ledger", required=True, choices=LEDGERS)
        parser.add_argument("--region", help="administrative code of a township or village")
        parser.add_argument("--department", help="organisation code of a supervising department, e.g. dept_water")
        parser.add_argument("--as-of", dest="as_of", help="the ledger as it stood at the end of this day (YYYY-MM-DD)")
        parser.add_argument("--class", dest="asset_class", choices=AssetClass.values)
        parser.add_argument("--project-year", dest="project_year", type=int)
        parser.add_argument("--status", choices=AssetStatus.values)
        parser.add_argument("--user", help="export only what this user may see (default: county-wide)")
        parser.add_argument("--out", required=True, help="output file (.xlsx, or .pdf for a village ledger)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        file_format = ExportFormat.PDF if out.suffix.lower() == ".pdf" else ExportFormat.XLSX
        if out.suffix.lower() not in (".xlsx", ".pdf"):
            raise CommandError("--out must end in .xlsx (or .pdf for a village ledger).")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {options['user']!r}.")
        with translation.override(settings.LANGUAGE_CODE):
            try:
                request = request_from_codes(
                    options["ledger"], region_code=options["region"], department_code=options["department"],
                    as_of=options["as_of"], asset_class=options["asset_class"] or "",
                    project_year=options["project_year"], status=options["status"] or "", file_format=file_format,
                )
            except ValidationError as exc:
                raise CommandError(
                    "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in exc.message_dict.items())) from exc
            started = time.monotonic()
            out.parent.mkdir(parents=True, exist_ok=True)
            requested_by = (user.full_name or user.username) if user else "manage.py export_ledger"
            progress = self._progress if sys.stderr.isatty() else None
            if file_format == ExportFormat.PDF:
                write_village_pdf(user, request, out, requested_by=requested_by)
                rows = None
            else:
                rows = write_ledger_xlsx(user, request, out, requested_by=requested_by, progress=progress).rows
        elapsed = time.monotonic() - started
        what = f"{rows} assets" if rows is not None else "village ledger"
        self.stdout.write(self.style.SUCCESS(f"{out}: {what} in {elapsed:.1f} s."))

    def _progress(self, done: int, total: int) -> None:
        if total and (done % 10000 == 0 or done == total):
            self.stderr.write(f"  {done:,}/{total:,}", ending="\r")
