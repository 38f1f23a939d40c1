"""Deep pages of the asset list on the benchmark database: page numbers vs the keyset cursor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_bench \
        .venv/bin/python tests/benchmarks/bench_deep_pages.py [--repeat 15] [--users county village1]

Seed it first (tests/benchmarks/bench_seed.py). For the API (/api/assets/) and the web list
(/assets/), as each user, it times in-process requests (Django's test client, server time) for
the first page, page 20 (the deepest page the former 1,000-row cap allowed), a page in the
middle and the last page, and for the API's cursor pagination the first page (which carries the
exact count) and a page in the middle and at the end of the list (the cursor a client following
``next`` would hold there). It prints p50 and p95 in ms and the exact count each answer gave.
"""

from __future__ import annotations

import argparse
import base64
import math
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import now, setup_django

PAGE_SIZE = 50


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def cursor_at(position: int) -> str:
    """The cursor DRF's CursorPagination puts in ``next`` after a page ending at ``position``."""
    return base64.b64encode(urlencode({"p": str(position)}).encode("ascii")).decode("ascii")


def timed(client, url: str, repeat: int) -> tuple[list[float], object]:
    response = None
    for _ in range(2):  # warm up
        response = client.get(url)
    times = []
    for _ in range(repeat):
        started = now()
        response = client.get(url)
        times.append((now() - started) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times, response


def run(users: tuple[str, ...], repeat: int) -> None:
    from django.test import Client

    from assets.models import Asset, User
    from assets.scoping import VIEW

    print(f"{Asset.objects.count():,} assets in the database; page size {PAGE_SIZE}")
    print(f"{'user':<10} {'list':<4} {'case':<22} {'p50 ms':>8} {'p95 ms':>8} {'count':>9}")
    for username in users:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        ids = Asset.objects.restrict(user, VIEW).order_by("-id").values_list("pk", flat=True)
        total = ids.count()
        pages = max(1, -(-total // PAGE_SIZE))
        middle, last = max(1, pages // 2), pages
        cases = [
            ("api", "page 1", f"/api/assets/?page_size={PAGE_SIZE}"),
            ("api", "page 20", f"/api/assets/?page_size={PAGE_SIZE}&page={min(20, pages)}"),
            ("api", f"page {middle} (middle)", f"/api/assets/?page_size={PAGE_SIZE}&page={middle}"),
            ("api", f"page {last} (last)", f"/api/assets/?page_size={PAGE_SIZE}&page={last}"),
            ("api", "cursor first", f"/api/assets/?page_size={PAGE_SIZE}&cursor="),
        ]
        for label, position in (("middle", (middle - 1) * PAGE_SIZE), ("last", (last - 1) * PAGE_SIZE)):
            if 0 < position < total:
                after = ids[position - 1]  # the last id of the page before
                cases.append(("api", f"cursor {label}",
                              f"/api/assets/?page_size={PAGE_SIZE}&cursor={cursor_at(after)}"))
        cases += [
            ("web", "page 1", f"/assets/?page_size={PAGE_SIZE}"),
            ("web", "page 20", f"/assets/?page_size={PAGE_SIZE}&page={min(20, pages)}"),
            ("web", f"page {middle} (middle)", f"/assets/?page_size={PAGE_SIZE}&page={middle}"),
            ("web", f"page {last} (last)", f"/assets/?page_size={PAGE_SIZE}&page={last}"),
        ]
        for kind, name, url in cases:
            times, response = timed(client, url, repeat)
            if kind == "api":
                count = response.json().get("count", "-")
                assert response.json()["results"], url
            else:  # the page's own "共 N 条记录"
                found = re.search(r"共 ([\d,]+) 条", response.content.decode())
                count = found.group(1).replace(",", "") if found else "?"
            print(f"{username:<10} {kind:<4} {name:<22} {statistics.median(times):8.1f} {percentile(times, 95):8.1f} "
                  f"{count!s:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--users", nargs="*", default=["county", "village1"])
    args = parser.parse_args()
    setup_django()
    run(tuple(args.users), args.repeat)


if __name__ == "__main__":
    main()
