"""Change fields of one asset from the command line, attributed to a named user.

    python manage.py update_asset ZC-653127100201-2019-0001 status=idle caretaker=张三 \
        --user county --reason "年度清查：闲置"

Runs through the same action function, scope check and validation as the web page and API.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models

from assets.actions import do_update_asset
from assets.models import Asset, User

# Fields an operator may set here; derived keys (township, net value...) are recomputed.
EDITABLE = {
    "name", "subcategory", "quantity", "unit", "status", "valuation_basis", "valuation_document",
    "depreciation_method", "useful_life_years", "appraised_value", "ownership_type", "operating_mode",
    "operating_entity", "contract_start", "contract_end", "caretaker", "maintenance_funding", "remarks",
}


class Command(BaseCommand):
    help = "Change fields of one asset (FIELD=VALUE ...) as a named user, with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="asset code")
        parser.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
        parser.add_argument("--user", required=True, help="username the change is attributed to")
        parser.add_argument("--reason", required=True, help="why (kept in the history)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"No active user {options['user']!r}.") from exc
        try:
            asset = Asset.objects.restrict(user, "change").get(code=options["code"])
        except Asset.DoesNotExist as exc:
            raise CommandError(f"No asset {options['code']!r} that {user.username} may change.") from exc
        data = dict(self._parse(change) for change in options["changes"])
        try:
            asset = do_update_asset(asset, data, acting_user=user, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{asset.code} updated by {user.username}."))

    def _parse(self, change: str) -> tuple[str, Any]:
        name, sep, raw = change.partition("=")
        if not sep or name not in EDITABLE:
            raise CommandError(f"Cannot set {name!r}; allowed: {', '.join(sorted(EDITABLE))}.")
        try:
            field: models.Field = Asset._meta.get_field(name)
        except FieldDoesNotExist as exc:  # pragma: no cover - EDITABLE holds real fields
            raise CommandError(str(exc)) from exc
        if raw == "" and field.null:
            return name, None
        try:
            return name, field.to_python(raw)
        except ValidationError as exc:
            raise CommandError(f"{name}: {' '.join(exc.messages)}") from exc
