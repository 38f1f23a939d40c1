"""Build the demo county register, or top it up: ``python manage.py seed_demo [--assets N]``.

Idempotent: places, organisations and accounts are found by their codes and usernames, and the
project/asset stream continues where the last run stopped, so a second run with the same
arguments writes nothing and a run with a larger ``--assets`` adds only the difference.
Every row has a history row attributed to ``admin`` with the reason 演示数据.
"""

from __future__ import annotations

from typing import Any

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

    def handle(self, *args: Any, **options: Any) -> None:
        assets = options["assets"]
        if not 0 <= assets <= MAX_ASSETS:
            raise CommandError(f"--assets must be between 0 and {MAX_ASSETS:,}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbose = options["verbosity"] > 0
        if verbose:
            self.stdout.write(f"Seeding the demo county with {assets:,} assets ...")
        seeder = DemoSeeder(
            target_assets=assets, seed=options["seed"], password=options["password"],
            batch_size=options["batch_size"], writer=options["writer"], progress=self.stdout.write if verbose else None,
        )
        try:
            result = seeder.run()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_workflows"]:
            from transfers.demo import seed_workflows

            for name, count in seed_workflows(password=options["password"]).items():
                result.created[name] = result.created.get(name, 0) + count
        if verbose:
            self._report(result, options["password"] or DEFAULT_PASSWORD)
            self.stdout.write("Also: committee (finance at 县委财经委员会), who decides transfers and state disposals.")

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
