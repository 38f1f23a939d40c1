"""Seed the benchmark database and report wall time and where the CPU time went.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_bench \
        .venv/bin/python tests/benchmarks/bench_seed.py --assets 1000000

Run ``manage.py migrate`` on that database first. The machine may be shared: besides the wall
time the script reports the CPU seconds of this process and of the database server processes
serving it, which bound what the run costs on an idle machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BackendCpu, now, process_cpu, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--writer", default="auto", choices=("auto", "orm", "copy"))
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    from assets.models import Asset

    before = Asset.objects.count()
    started, cpu = now(), process_cpu()
    with BackendCpu() as server:
        call_command("seed_demo", assets=args.assets, writer=args.writer)
    wall = now() - started
    print(f"\nseed_demo --assets {args.assets:,}: {Asset.objects.count() - before:,} assets written")
    print(f"  wall time           {wall:8.1f} s")
    print(f"  client CPU          {process_cpu() - cpu:8.1f} s   (generation, row building, COPY/ORM)")
    print(f"  database CPU        {server.seconds:8.1f} s   (inserts, index upkeep, foreign-key checks)")


if __name__ == "__main__":
    main()
