"""A Celery worker process whose ledger exports crawl (one row per half second), so that a test
can kill it in the middle of a job: ``python -m tests.ledgers.slow_worker QUEUE``.

Only the progress callback is slowed; the export code is the real one.
"""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from config.celery import app  # noqa: E402
from ledgers import jobs  # noqa: E402
from ledgers.exports import xlsx  # noqa: E402

ROW_DELAY = 0.5

xlsx.PROGRESS_EVERY = 1
jobs.PROGRESS_INTERVAL = 0.0
_report = jobs._Tracker.__call__


def _slow_report(self: jobs._Tracker, done: int, total: int) -> None:
    _report(self, done, total)
    time.sleep(ROW_DELAY)


jobs._Tracker.__call__ = _slow_report

if __name__ == "__main__":
    app.conf.task_always_eager = False
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "-Q", sys.argv[1], "--without-heartbeat",
                     "--without-mingle", "--without-gossip", "-n", f"slow-{os.getpid()}@%h"])
