"""Celery application.

On the embedded default (no REDIS_URL) tasks run in-process; with REDIS_URL a worker
(`celery -A config worker`) runs them and `celery -A config beat` starts the scheduled ones.
Reliability settings (acks_late, visibility timeout, ...) are the CELERY_* names in
config/settings/base.py.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("bangfu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Net values fall by one year of depreciation at each new year (assets/valuation.py counts
    # full years), so the register is revalued early on 1 January, county time.
    "yearly-depreciation": {
        "task": "assets.tasks.recalculate_depreciation",
        "schedule": crontab(minute=30, hour=1, day_of_month=1, month_of_year=1),
        "kwargs": {"user_id": None},
    },
    # 账账相符 (ledgers/checks.py): every night, stored as a run the ledger pages show.
    "nightly-ledger-consistency": {
        "task": "ledgers.run_consistency_check",
        "schedule": crontab(minute=0, hour=2),
        "kwargs": {"trigger": "nightly"},
    },
    # Export jobs whose worker died are queued again or failed with a message (ledgers/jobs.py);
    # with the 30-second stale limit a killed worker's export runs again within a minute.
    "sweep-stale-ledger-exports": {
        "task": "ledgers.sweep_stale_exports",
        "schedule": 15.0,
    },
    # Side effects queued while the broker was down (assets/outbox.py) are sent once it is back.
    "drain-outbox": {
        "task": "assets.outbox.drain",
        "schedule": 60.0,
    },
}
