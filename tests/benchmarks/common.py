"""Shared set-up for the benchmark scripts: Django on the database named by DATABASE_URL."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL benchmark database, e.g. "
                 "postgres://postgres@127.0.0.1:5432/bangfu_bench")
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """Samples the CPU time of this database's server processes (other than the sampler's own)
    every second, so that a run on a busy machine can still say how much work the server did."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BackendCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())

    def _run(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
            while True:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
                               [own])
                for (pid,) in cursor.fetchall():
                    cpu = _cpu_seconds(pid)
                    if cpu is not None:
                        self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))
                if self.stop.wait(1.0):
                    break
        connection.close()


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def now() -> float:
    return time.perf_counter()
