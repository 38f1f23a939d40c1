"""Asset list speed on the 1M-asset benchmark database: web page and API, three scopes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_bench \
        .venv/bin/python tests/benchmarks/bench_asset_list.py [--repeat 30]

Seed it first (tests/benchmarks/bench_seed.py). For /assets/ and /api/assets/, as ``county``,
``township1`` and ``village1``, and for a first page, a filtered page and a text search, it
times requests through Django's test client in-process (server time: middleware, view,
queries, template or serializer), counts the queries of a page and checks that the count does
not change with the page size (10, 50, 200), and times the floor: the page's own SQL (the
page query and the count query that the view ran, captured) re-executed with a cursor in the
same run. Targets: p95 <= 100 ms, <= 300 ms with a text search.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import now, setup_django

USERS = ("county", "township1", "village1")
ENDPOINTS = {"web": "/assets/", "api": "/api/assets/"}
# name, query string, target p95 in ms
CASES = (
    ("first page", "", 100),
    ("class+year", "asset_class=operating&year=2019", 100),
    ("search", "q=保鲜库", 300),
)
PAGE_SIZES = (10, 50, 200)


@dataclass
class Result:
    user: str
    endpoint: str
    case: str
    target_ms: float
    times_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time per request: Python's share, whatever the machine's load
    floor_ms: list[float]
    queries: int
    queries_by_size: dict[int, int]
    floor_sql: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def floor_p50(self) -> float:
        return statistics.median(self.floor_ms)

    @property
    def constant_queries(self) -> bool:
        return len(set(self.queries_by_size.values())) == 1

    @property
    def meets_target(self) -> bool:
        return self.p95 <= self.target_ms


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def page_queries(captured: list[dict]) -> list[str]:
    """The list's own SQL among a request's queries: the count and the page of assets."""
    asset_queries = [q["sql"] for q in captured if 'FROM "assets_asset"' in q["sql"] and q["sql"].startswith("SELECT")]
    count = [sql for sql in asset_queries if "COUNT(" in sql.upper()]
    page = [sql for sql in asset_queries if "COUNT(" not in sql.upper() and "LIMIT" in sql]
    return count[:1] + page[:1]


def timed(function: Callable[[], object]) -> float:
    started = now()
    function()
    return (now() - started) * 1000


def timed_with_cpu(function: Callable[[], object]) -> tuple[float, float]:
    started, cpu = now(), time.process_time()
    function()
    return (now() - started) * 1000, (time.process_time() - cpu) * 1000


def measure(client, user: str, endpoint: str, case: tuple[str, str, int], repeat: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name, query, target = case
    url = f"{ENDPOINTS[endpoint]}?{query}" if query else ENDPOINTS[endpoint]

    def get(page_url: str = url):
        response = client.get(page_url)
        if response.status_code != 200:
            raise SystemExit(f"{user} {page_url}: HTTP {response.status_code}")
        return response

    for _ in range(3):  # warm caches and connections
        get()
    times, cpu = zip(*(timed_with_cpu(get) for _ in range(repeat)), strict=True)
    with CaptureQueriesContext(connection) as ctx:
        get()
    queries = len(ctx.captured_queries)
    floor_sql = page_queries(ctx.captured_queries)
    by_size = {}
    for size in PAGE_SIZES:
        joiner = "&" if "?" in url else "?"
        with CaptureQueriesContext(connection) as sized:
            get(f"{url}{joiner}page_size={size}")
        by_size[size] = len(sized.captured_queries)

    def floor() -> None:
        with connection.cursor() as cursor:
            for sql in floor_sql:
                cursor.execute(sql)  # interpolated SQL, no parameters: "%" in LIKE patterns is safe
                cursor.fetchall()

    for _ in range(3):
        floor()
    floor_ms = [timed(floor) for _ in range(repeat)]
    return Result(user, endpoint, name, target, list(times), list(cpu), floor_ms, queries, by_size, floor_sql)


def run(repeat: int = 30, users: tuple[str, ...] = USERS) -> list[Result]:
    from django.test import Client

    from assets.models import Asset, User

    total = Asset.objects.count()
    print(f"{total:,} assets in the database")
    results = []
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for endpoint in ENDPOINTS:
            for case in CASES:
                results.append(measure(client, username, endpoint, case, repeat))
                print_row(results[-1])
    return results


HEADER = (f"{'user':<10} {'list':<4} {'case':<11} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>7} {'floor p50':>9} "
          f"{'ratio':>6} {'queries':>7} {'10/50/200':>10} {'target':>7}")


def print_row(r: Result) -> None:
    sizes = "/".join(str(r.queries_by_size[s]) for s in PAGE_SIZES)
    verdict = "ok" if r.meets_target else "MISS"
    print(f"{r.user:<10} {r.endpoint:<4} {r.case:<11} {r.p50:7.1f} {r.p95:7.1f} {r.cpu_p50:7.1f} {r.floor_p50:9.1f} "
          f"{r.p50 / max(r.floor_p50, 0.001):6.1f} {r.queries:7d} {sizes:>10} {verdict:>4} {r.target_ms:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case (>= 30)")
    parser.add_argument("--users", nargs="*", default=list(USERS))
    parser.add_argument("--show-sql", action="store_true", help="print the floor SQL of each case")
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false",
                        help="skip gc.freeze() after start-up, which deploy/gunicorn.conf.py does in each worker "
                             "(full garbage collections then skip the long-lived objects: the p95 tail)")
    args = parser.parse_args()
    setup_django()
    if args.gc_freeze:
        import gc

        from django.test import Client

        Client()  # import what the requests will use before freezing
        gc.freeze()
        print("gc.freeze() after start-up")
    print(HEADER)
    results = run(args.repeat, tuple(args.users))
    print("\nratio = p50 / floor p50; cpu = this process's CPU time per request (Python only, no database);\n"
          "10/50/200 = queries per page at those page sizes")
    missed = [r for r in results if not r.meets_target]
    varying = [r for r in results if not r.constant_queries]
    print(f"targets met: {len(results) - len(missed)}/{len(results)}; "
          f"queries constant over page sizes: {len(results) - len(varying)}/{len(results)}")
    if args.show_sql:
        for r in results:
            print(f"\n-- {r.user} {r.endpoint} {r.case}")
            for sql in r.floor_sql:
                print(sql + ";")
    sys.exit(1 if missed or varying else 0)


if __name__ == "__main__":
    main()
