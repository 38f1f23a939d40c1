"""账账相符 on the embedded default (SQLite): sums of decimals come back as floats there, and a
difference below one fen is float noise, not a mismatch (no false "−0.00")."""

from __future__ import annotations

import json

CODE = r"""
import json
from decimal import Decimal

import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)

from assets.models import Asset, AssetFundingLine
from ledgers.checks import run_checks
from tests.factories import build_world

world = build_world()
asset = world.assets[0][0]
# 100000.10 + 200000.20 is 300000.30000000005 in floating point
Asset.objects.filter(pk=asset.pk).update(original_value=Decimal("300000.30"), net_value=Decimal("300000.30"))
AssetFundingLine.objects.filter(asset=asset).update(amount=Decimal("100000.10"))
AssetFundingLine.objects.create(asset=asset, source="revitalization_subsidy", amount=Decimal("200000.20"))
run = run_checks()
print(json.dumps({
    "vendor": django.db.connection.vendor,
    "mismatches": [[m.check_kind, str(m.expected_amount), str(m.actual_amount), str(m.difference), m.asset_ids]
                   for m in run.mismatches.all()],
    "asset": asset.pk,
    "totals": run.totals,
}))
"""


def test_float_sums_on_sqlite_are_not_reported_as_mismatches(run_python):
    result = run_python(CODE)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["vendor"] == "sqlite"
    mismatches = report["mismatches"]
    # the asset's funding lines add up to its original value to the fen: no finding about it
    assert not [m for m in mismatches if m[0] == "asset_funding"], mismatches
    # and no mismatch anywhere whose difference is zero (the "−0.00" of the float sums)
    assert all(m[3] not in ("0.00", "-0.00", "None") and float(m[3]) != 0 for m in mismatches), mismatches
    # the world's known differences are still found, in whole fen
    funds = [m for m in mismatches if m[0] == "department_funds"]
    assert len(funds) == 4 and all(m[3].count(".") == 1 and len(m[3].split(".")[1]) == 2 for m in funds)
    assert all(len(totals["original"].split(".")[1]) == 2 for totals in report["totals"].values())
