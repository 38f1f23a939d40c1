"""Ledger export and Excel import on PostgreSQL with 100,000 assets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_ledger \
        .venv/bin/python tests/benchmarks/bench_ledgers.py [--assets 100000] [--repeat 3] [--import-rows 10000]

Seeds the database up to --assets with ``seed_demo`` if it holds fewer. Then, --repeat times and
alternating, each in a fresh Python process (so that ru_maxrss is that run's own peak):

* the county master ledger, built by the real Celery task (``ledgers.export_ledger`` applied in
  that process to a job row, exactly as a worker runs it: claim, build, progress, finish);
* the floor: a bare openpyxl write-only loop over the same rows from the same queries
  (ledgers/exports/source.py), every value of every row appended as it comes, no styles, no
  subtotals, no summary.

Then a 10,000-row asset import file (the downloadable template, filled from the demo register) is
validated and saved as the county user, inside a transaction that is rolled back afterwards.
Targets: export <= 20 s, worker peak <= 250 MB, ratio to the floor <= 1.5; import <= 30 s.
The machine may be shared: the load average and the CPU seconds of the process are printed too.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASE_DIR, BackendCpu, now, process_cpu, setup_django

EXPORT_TARGET_S, MEMORY_TARGET_MB, RATIO_TARGET, IMPORT_TARGET_S = 20.0, 250.0, 1.5, 30.0

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {base!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
import django
django.setup()
from django.utils import translation
translation.activate("zh-hans")
mode, out = sys.argv[1], sys.argv[2]
started, cpu = time.perf_counter(), os.times()
if mode == "ledger":
    from assets.models import User
    from ledgers.exports.spec import LedgerRequest
    from ledgers.jobs import create_job
    from ledgers.models import LedgerExportJob
    from ledgers.tasks import export_ledger
    user = User.objects.get(username="county")
    job = create_job(user, LedgerRequest(ledger="county"))
    started, cpu = time.perf_counter(), os.times()
    export_ledger.apply(args=[job.pk])  # the task body, in this process, as a worker runs it
    wall = time.perf_counter() - started
    job = LedgerExportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.error
    rows, size = job.rows_done, job.result.size
    job.result.delete(save=False)
else:
    from openpyxl import Workbook
    from ledgers.exports.source import ledger_rows
    from ledgers.exports.spec import LedgerRequest
    workbook = Workbook(write_only=True)
    rows = 0
    for part in ledger_rows(None, LedgerRequest(ledger="county")):
        sheet = workbook.create_sheet(part.asset_class)
        for row in part:
            sheet.append(row)
            rows += 1
    workbook.save(out)
    wall = time.perf_counter() - started
    size = os.path.getsize(out)
    os.remove(out)
end = os.times()
print(json.dumps({{"wall": wall, "cpu": end.user + end.system - cpu.user - cpu.system, "rows": rows, "bytes": size,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_child(mode: str, tmp: Path) -> dict:
    code = CHILD.format(base=str(BASE_DIR))
    with BackendCpu() as server:
        result = subprocess.run([sys.executable, "-c", code, mode, str(tmp / f"{mode}.xlsx")], capture_output=True,
                                text=True, cwd=BASE_DIR, env=dict(os.environ), check=False)
    if result.returncode != 0:
        sys.exit(f"{mode} run failed:\n{result.stderr[-3000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "db_cpu": server.seconds}


def ensure_assets(target: int) -> int:
    from django.core.management import call_command

    from assets.models import Asset

    count = Asset.objects.count()
    if count < target:
        print(f"Seeding up to {target:,} assets (now {count:,}) ...")
        call_command("seed_demo", assets=target, verbosity=0)
        count = Asset.objects.count()
    return count


def import_file_rows(n: int) -> bytes:
    """A filled asset template of ``n`` rows drawn from the demo register's own references."""
    from openpyxl import load_workbook

    from assets.choices import AssetClass, AssetForm, OwnershipType, ValuationBasis
    from assets.models import AssetCategory, Organisation, Project, Region, User
    from ledgers.importing.templates import build_template

    county = User.objects.get(username="county")
    workbook = load_workbook(io.BytesIO(build_template("assets", county)))
    ws = workbook.worksheets[0]
    column = {(ws.cell(4, c).value or ws.cell(3, c).value).rstrip("*"): c for c in range(1, ws.max_column + 1)}
    villages = list(Region.objects.filter(level="village").values_list("code", flat=True))
    collectives = {org.region.code: org.code for org in Organisation.objects.filter(kind="village_collective")
                   .select_related("region")}
    villages = [v for v in villages if v in collectives]
    projects = list(Project.objects.filter(year__lte=2020).values_list("code", flat=True)[:500])
    categories = list(AssetCategory.objects.exclude(asset_class="household").values_list("name", "asset_class"))

    rng = random.Random(2026)
    for i in range(n):
        village = rng.choice(villages)
        name, asset_class = rng.choice(categories)
        value = rng.randrange(10_000, 2_000_000)
        row = {
            "资产名称": f"导入资产{i}", "资产类别": str(AssetClass(asset_class).label), "资产类型": name,
            "资产形态": str(AssetForm.FIXED.label), "行政区划代码": village, "项目编号": rng.choice(projects),
            "形成年度": 2021, "数量": 1, "单位": "处", "原值": value,
            "核定依据": str(ValuationBasis.ACTUAL_EXPENDITURE.label), "财政专项扶贫资金": value,
            "权属类型": str(OwnershipType.COLLECTIVE.label), "所有权单位代码": collectives[village],
        }
        for header, cell in row.items():
            ws.cell(5 + i, column[header], cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bench_import(rows: int) -> dict:
    from django.db import transaction

    from assets.models import Asset, User
    from ledgers.importing.service import import_file

    data = import_file_rows(rows)
    county = User.objects.get(username="county")
    before = Asset.objects.count()
    started, cpu = now(), process_cpu()
    with BackendCpu() as server, transaction.atomic():
        outcome = import_file(county, "assets", "bench.xlsx", data, language="zh-hans")
        wall = now() - started
        created = Asset.objects.count() - before
        if outcome.batch.file:
            outcome.batch.file.delete(save=False)
        transaction.set_rollback(True)  # leave the benchmark register as it was
    if not outcome.saved:
        sys.exit(f"import rejected: {outcome.batch.errors[:5]}")
    return {"wall": wall, "cpu": process_cpu() - cpu, "db_cpu": server.seconds, "rows": rows, "created": created,
            "bytes": len(data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    import tempfile

    load_before = os.getloadavg()
    count = ensure_assets(args.assets)
    ledgers, floors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _round in range(args.repeat):
            floors.append(run_child("floor", Path(tmp)))
            ledgers.append(run_child("ledger", Path(tmp)))
    imported = bench_import(args.import_rows)
    load_after = os.getloadavg()

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    export_wall, floor_wall = median(ledgers, "wall"), median(floors, "wall")
    peak = max(run["maxrss_mb"] for run in ledgers)
    ratio = export_wall / floor_wall
    rows = [
        ("county export, worker wall time (median)", f"{export_wall:.1f} s", f"<= {EXPORT_TARGET_S:.0f} s",
         export_wall <= EXPORT_TARGET_S),
        ("  CPU: worker / database (median)", f"{median(ledgers, 'cpu'):.1f} s / {median(ledgers, 'db_cpu'):.1f} s",
         "", None),
        ("worker peak memory (ru_maxrss, max)", f"{peak:.0f} MB", f"<= {MEMORY_TARGET_MB:.0f} MB",
         peak <= MEMORY_TARGET_MB),
        ("floor: bare openpyxl loop, same queries", f"{floor_wall:.1f} s", "", None),
        ("  floor CPU: client / database", f"{median(floors, 'cpu'):.1f} s / {median(floors, 'db_cpu'):.1f} s",
         "", None),
        ("  floor peak memory", f"{max(run['maxrss_mb'] for run in floors):.0f} MB", "", None),
        ("ratio export / floor", f"{ratio:.2f}", f"<= {RATIO_TARGET}", ratio <= RATIO_TARGET),
        (f"import {imported['rows']:,} rows (validate + save)", f"{imported['wall']:.1f} s",
         f"<= {IMPORT_TARGET_S:.0f} s", imported["wall"] <= IMPORT_TARGET_S),
        ("  import CPU: client / database", f"{imported['cpu']:.1f} s / {imported['db_cpu']:.1f} s", "", None),
    ]
    print(f"\nLedger benchmark: {count:,} assets, {ledgers[0]['rows']:,} rows exported, "
          f"{args.repeat} alternating runs; load average {load_before[0]:.1f} -> {load_after[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    export_runs = ", ".join(f"{run['wall']:.1f}" for run in ledgers)
    floor_runs = ", ".join(f"{run['wall']:.1f}" for run in floors)
    print(f"  export runs (s): {export_runs}; floor runs (s): {floor_runs}; file {ledgers[0]['bytes'] / 1e6:.1f} MB")
    width = max(len(name) for name, *_ in rows)
    value_width = max(len(value) for _name, value, *_ in rows)
    print(f"\n| {'measure'.ljust(width)} | {'value'.ljust(value_width)} | target    | ok  |")
    print(f"|{'-' * (width + 2)}|{'-' * (value_width + 2)}|-----------|-----|")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name.ljust(width)} | {value.ljust(value_width)} | {target.ljust(9)} | {mark.ljust(3)} |")


if __name__ == "__main__":
    main()
