"""Load of many concurrent users on a real gunicorn, with a scope-leak check on every response.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_load REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python tests/benchmarks/bench_load.py [--clients 50] [--seconds 60] [--seed]

``--seed`` first migrates the named database and loads the demo county (``seed_demo``, 20,000
assets). The script starts gunicorn (``deploy/gunicorn.conf.py``, DEBUG off) on a free loopback
port, then runs ``--clients`` threads. Each client first logs in through the login page (as one of
the demo accounts, round-robin), then loops over a fixed mix of pages and API calls until the time
is up: home, the asset list (first and a random deeper page), an asset detail, the API asset list
(first page and the next one), households, the inbox and the ledger home.

Every API asset row is checked against the account's scope, computed here from the organisation
tree and not through the application's ``restrict()``: a village clerk's rows must lie in the
village, a township official's in the township, a department's under its department. Every
detail page of an asset outside the scope must answer 404.

Prints requests, errors, leaks, throughput and p50/p95 per kind of request and overall.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASE_DIR, setup_django

ACCOUNTS = ("village1", "village2", "township1", "county", "dept_water", "auditor", "finance")
PASSWORD = os.environ.get("BANGFU_DEMO_PASSWORD", "Demo@2026")


@dataclass
class Scope:
    kind: str  # "county", "township", "village", "department"
    region_ids: set[int] = field(default_factory=set)
    department_ids: set[int] = field(default_factory=set)

    def holds(self, row: dict) -> bool:
        if self.kind == "county":
            return True
        if self.kind == "village":
            return row["region"] in self.region_ids
        if self.kind == "township":
            return row["township"] in self.region_ids
        return row["supervising_department"] in self.department_ids


def scopes() -> dict[str, Scope]:
    """Each account's scope from its role assignments, independently of assets/scoping.py."""
    from assets.models import RoleAssignment

    result: dict[str, Scope] = {}
    for name in ACCOUNTS:
        grants = list(RoleAssignment.objects.filter(user__username=name, is_active=True)
                      .select_related("organisation"))
        roles = {grant.role for grant in grants}
        if roles & {"county_agri", "finance", "auditor"}:
            result[name] = Scope("county")
        elif "department_staff" in roles:
            result[name] = Scope("department", department_ids={grant.organisation_id for grant in grants})
        elif "township_official" in roles:
            result[name] = Scope("township", region_ids={grant.organisation.region_id for grant in grants})
        else:
            result[name] = Scope("village", region_ids={grant.organisation.region_id for grant in grants})
    return result


def outside_asset_ids(scope: Scope, count: int = 20) -> list[int]:
    from assets.models import Asset

    if scope.kind == "county":
        return []
    if scope.kind == "village":
        rows = Asset.objects.exclude(region_id__in=scope.region_ids)
    elif scope.kind == "township":
        rows = Asset.objects.exclude(township_id__in=scope.region_ids)
    else:
        rows = Asset.objects.exclude(supervising_department_id__in=scope.department_ids)
    return list(rows.order_by("?").values_list("id", flat=True)[:count])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.leaks: list[str] = []

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times[kind].append(seconds * 1000)

    def error(self, message: str) -> None:
        with self.lock:
            if len(self.errors) < 200:
                self.errors.append(message)

    def leak(self, message: str) -> None:
        with self.lock:
            self.leaks.append(message)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))]


class Client(threading.Thread):
    def __init__(self, base: str, account: str, scope: Scope, outside: list[int], stats: Stats,
                 start_gate: threading.Barrier, go: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.account, self.scope, self.outside = base, account, scope, outside
        self.stats, self.gate, self.go = stats, start_gate, go
        self.deadline = 0.0  # set by main() once every client has logged in
        self.session = requests.Session()
        self.rng = random.Random(hash(account) ^ id(self))
        self.seen_ids: list[int] = []

    def get(self, kind: str, path: str, expect: int = 200) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.get(self.base + path, timeout=60, allow_redirects=False)
        except requests.RequestException as exc:
            self.stats.error(f"{self.account} {path}: {exc}")
            return None
        self.stats.record(kind, time.perf_counter() - started)
        if response.status_code != expect:
            self.stats.error(f"{self.account} {path}: HTTP {response.status_code} (expected {expect})")
            return None
        return response

    def login(self) -> bool:
        page = self.get("login page", "/login/")
        if page is None:
            return False
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        started = time.perf_counter()
        response = self.session.post(
            self.base + "/login/", allow_redirects=False, timeout=60,
            data={"username": self.account, "password": PASSWORD,
                  "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": self.base + "/login/"},
        )
        self.stats.record("login", time.perf_counter() - started)
        if response.status_code != 302:
            self.stats.error(f"{self.account} login: HTTP {response.status_code}")
            return False
        return True

    def check_rows(self, path: str, rows: list[dict]) -> None:
        for row in rows:
            self.seen_ids.append(row["id"])
            if not self.scope.holds(row):
                self.stats.leak(f"{self.account} {path}: asset {row['id']} is outside the scope")
        del self.seen_ids[:-200]

    def run(self) -> None:
        logged_in = self.login()
        self.gate.wait()
        self.go.wait()
        if not logged_in:
            return
        while time.monotonic() < self.deadline:
            self.get("home", "/")
            self.get("asset list", "/assets/")
            self.get("asset list deep", f"/assets/?page={self.rng.randint(2, 40)}", expect=200)
            api = self.get("api assets", "/api/assets/?page_size=50")
            if api is not None:
                body = api.json()
                self.check_rows("/api/assets/", body.get("results", []))
                following = body.get("next")
                if following:
                    parts = urlsplit(following)
                    nxt = self.get("api assets next", f"{parts.path}?{parts.query}")
                    if nxt is not None:
                        self.check_rows("/api/assets/ next", nxt.json().get("results", []))
            if self.seen_ids:
                self.get("asset detail", f"/assets/{self.rng.choice(self.seen_ids)}/")
            if self.outside:
                self.get("asset outside scope", f"/assets/{self.rng.choice(self.outside)}/", expect=404)
            # departments keep no household records (a 403 is the right answer there)
            self.get("households", "/households/", expect=403 if self.scope.kind == "department" else 200)
            self.get("inbox", "/transfers/inbox/")
            self.get("ledgers", "/ledgers/")


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.base", DJANGO_DEBUG="false",
               DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", GUNICORN_BIND=f"127.0.0.1:{port}",
               GUNICORN_LOG_LEVEL="warning", DJANGO_SECRET_KEY=secrets.token_urlsafe(45))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
         "--access-logfile", "/dev/null", "config.wsgi:application"],
        cwd=BASE_DIR, env=env, start_new_session=True,
    )
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("gunicorn did not answer within 60 s")


def create_database(url: str) -> None:
    """Create the database DATABASE_URL names when it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or not name:
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bangfu_load")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", action="store_true", help="migrate and run seed_demo first")
    args = parser.parse_args()

    if args.seed:
        create_database(os.environ.get("DATABASE_URL", ""))
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=BASE_DIR, check=True)
        subprocess.run([*manage, "seed_demo"], cwd=BASE_DIR, check=True)
    setup_django()
    account_scopes = scopes()
    outside = {name: outside_asset_ids(scope) for name, scope in account_scopes.items()}
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    stats = Stats()
    try:
        gate, go = threading.Barrier(args.clients + 1), threading.Event()
        clients = [Client(base, ACCOUNTS[i % len(ACCOUNTS)], account_scopes[ACCOUNTS[i % len(ACCOUNTS)]],
                          outside[ACCOUNTS[i % len(ACCOUNTS)]], stats, gate, go) for i in range(args.clients)]
        login_started = time.perf_counter()
        for client in clients:
            client.start()
        gate.wait()
        login_seconds = time.perf_counter() - login_started
        started = time.perf_counter()
        deadline = time.monotonic() + args.seconds
        for client in clients:
            client.deadline = deadline
        go.set()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    logins = stats.times.pop("login", [])
    stats.times.pop("login page", None)
    everything = [t for values in stats.times.values() for t in values]
    print(f"{args.clients} clients, {args.seconds} s, gunicorn on 127.0.0.1 (DEBUG off)")
    if logins:
        print(f"logins: {len(logins)} in {login_seconds:.1f} s, p50 {statistics.median(logins):.0f} ms, "
              f"p95 {percentile(logins, 95):.0f} ms")
    print(f"{'request':<22}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, values in sorted(stats.times.items()):
        print(f"{kind:<22}{len(values):>7}{statistics.median(values):>9.0f}{percentile(values, 95):>9.0f}")
    if everything:
        print(f"{'all':<22}{len(everything):>7}{statistics.median(everything):>9.0f}"
              f"{percentile(everything, 95):>9.0f}")
        print(f"throughput: {len(everything) / elapsed:.1f} req/s (before: 28.8 req/s, p95 4.97 s)")
    print(f"errors: {len(stats.errors)}  scope leaks: {len(stats.leaks)}")
    for message in (stats.errors + stats.leaks)[:20]:
        print("  " + message)
    sys.exit(1 if stats.errors or stats.leaks else 0)


if __name__ == "__main__":
    main()
