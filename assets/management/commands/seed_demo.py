"""Build the demo county register, or top it up: ``python manage.py seed_demo [--assets N]``.

Idempotent: places, organisations and accounts are found by their codes and usernames, and the
project/asset stream continues where the last run stopped, so a second run with the same
arguments writes nothing and a run with a larger ``--assets`` adds only the difference.
Every row has a history row attributed to ``admin`` with the reason 演示数据.

Under production settings (``PRODUCTION_SETTINGS``) it refuses to run unless given
``--allow-production``; then the ``admin`` account it creates gets a random password, printed once,
instead of the published demo password, and the other demo accounts must change theirs at their
first login, unless ``--password`` gave them one of the operator's own (it must then meet the
password policy).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.demo.seeder import DEFAULT_ASSETS, DEFAULT_PASSWORD, DEFAULT_SEED, DemoSeeder, SeedResult
from assets.demo.writers import COPY_FROM_ASSETS

MAX_ASSETS = 1_000_000


class Command(BaseCommand):
    help = "Create (or top up) the demo 麦盖提县 register and the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assets", type=int, default=DEFAULT_ASSETS,
                            help=f"assets the register should hold (default {DEFAULT_ASSETS:,}; "
                                 f"up to {MAX_ASSETS:,} for benchmarks)")
        parser.add_argument("--password", default=None,
                            help=f"password of the demo accounts (default {DEFAULT_PASSWORD}); "
                                 "given explicitly, it is also set on existing demo accounts")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
        parser.add_argument("--batch-size", type=int, default=5000, help="assets written per transaction")
        parser.add_argument("--writer", choices=("auto", "orm", "copy"), default="auto",
                            help="orm: simple-history's bulk_create_with_history; copy: the same rows with "
                                 f"PostgreSQL COPY; auto: copy on PostgreSQL from {COPY_FROM_ASSETS:,} new assets")
        parser.add_argument("--no-workflows", action="store_true",
                            help="skip the demo transfers and disposals (every state, so that each inbox has work)")
        parser.add_argument("--allow-production", action="store_true",
                            help="run under production settings too: admin gets a random password (printed once); "
                                 "without --password the other demo accounts must change theirs at first login")

    def handle(self, *args: Any, **options: Any) -> None:
        assets = options["assets"]
        if not 0 <= assets <= MAX_ASSETS:
            raise CommandError(f"--assets must be between 0 and {MAX_ASSETS:,}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbose = options["verbosity"] > 0
        production = getattr(settings, "PRODUCTION_SETTINGS", False)
        admin_password = None
        if production:
            if not options["allow_production"]:
                raise CommandError(
                    "These are production settings (config.settings.production): seed_demo would create accounts "
                    f"with the published demo password {DEFAULT_PASSWORD}. Run it with --allow-production to "
                    "load demo data anyway (admin then gets a random password).")
            if options["password"] is not None:
                try:
                    validate_password(options["password"])
                except ValidationError as exc:
                    raise CommandError("--password: " + " ".join(exc.messages)) from exc
            admin_password = _random_password()
        if verbose:
            self.stdout.write(f"Seeding the demo county with {assets:,} assets ...")
        seeder = DemoSeeder(
            target_assets=assets, seed=options["seed"], password=options["password"],
            admin_password=admin_password, must_change_password=production and options["password"] is None,
            batch_size=options["batch_size"], writer=options["writer"], progress=self.stdout.write if verbose else None,
        )
        try:
            result = seeder.run()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_workflows"]:
            from assets.demo.workflows import seed_workflows

            for name, count in seed_workflows(password=options["password"]).items():
                result.created[name] = result.created.get(name, 0) + count
        if production and options["password"] is None:
            demo_users = [account.username for account in result.accounts if account.username != "admin"]
            self._force_password_change([*demo_users, "committee"], options["password"] or DEFAULT_PASSWORD)
        if verbose:
            self._report(result, options["password"] or DEFAULT_PASSWORD)
            if production and seeder.admin.check_password(admin_password):
                self.stdout.write(self.style.WARNING(
                    f"admin's password (shown only now; change it after logging in): {admin_password}"))
            self.stdout.write("Also: committee (finance at 县委财经委员会), who decides transfers and state disposals.")

    def _force_password_change(self, usernames: list[str], password: str) -> None:
        """Production: every demo account still on the shared password must change it at login."""
        from assets.models import User

        for user in User.objects.filter(username__in=usernames, must_change_password=False):
            if user.check_password(password):
                user.must_change_password = True
                user.save(update_fields=["must_change_password"])

    def _report(self, result: SeedResult, password: str) -> None:
        created = ", ".join(f"{name} {n:,}" for name, n in sorted(result.created.items())) or "nothing (up to date)"
        self.stdout.write(f"Created: {created}")
        self.stdout.write("Register: " + ", ".join(f"{name} {n:,}" for name, n in result.totals.items()))
        rows = [("username", "role", "organisation", "scope")]
        rows += [(a.username, a.role, a.organisation.name if a.organisation else "—", a.scope)
                 for a in result.accounts]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(f"\nDemo accounts (password {password}):")
        for number, row in enumerate(rows):
            cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, _width(row[3])]))
        self.stdout.write(self.style.SUCCESS(f"\nDone in {result.seconds:.1f} s."))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _random_password() -> str:
    """20 random characters with every character class: meets the password policy."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*-_=+"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(20))
        if (any(c.islower() for c in password) and any(c.isupper() for c in password)
                and any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)):
            return password
