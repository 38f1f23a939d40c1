"""Celery tasks of the ledgers (Redis in deployment; in-process on the embedded default).

``export_ledger`` builds one job's file. It is acknowledged late and rejected back to the queue
if its worker dies (task_reject_on_worker_lost), so a killed worker's job runs again; the job
row (ledgers/jobs.py) makes every delivery after the first do nothing once the job is finished.
``sweep_stale_exports`` (beat, every minute) requeues or fails jobs whose worker vanished without
the message coming back. ``run_consistency_check`` is the nightly 账账相符 run.
"""

from __future__ import annotations

from celery import shared_task

from ledgers import jobs


@shared_task(bind=True, name="ledgers.export_ledger", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_ledger(self, job_id: int) -> str:
    job = jobs.claim(job_id, task_id=self.request.id or "")
    if job is None:
        return "nothing to do"
    jobs.run_claimed(job)
    return "done"


@shared_task(name="ledgers.sweep_stale_exports", ignore_result=True)
def sweep_stale_exports() -> dict[str, int]:
    return jobs.sweep_stale()


@shared_task(name="ledgers.run_consistency_check", acks_late=True, ignore_result=True)
def run_consistency_check(trigger: str = "nightly", user_id: int | None = None) -> int:
    """Run the 账账相符 checks county-wide and store the run; returns the run's id."""
    from django.contrib.auth import get_user_model

    from ledgers.checks import run_checks

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return run_checks(trigger=trigger, started_by=user).pk


# The time limits come from ledgers/importing/safety.py (LEDGER_IMPORT_TIME_LIMIT): the soft one
# ends the batch with a message, the hard one stops a worker stuck inside a C extension.
from ledgers.importing.safety import TIME_LIMIT as IMPORT_TIME_LIMIT  # noqa: E402


@shared_task(bind=True, name="ledgers.import_batch", acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             soft_time_limit=IMPORT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT + 30)
def import_batch(self, batch_id: int) -> str:
    """Check one uploaded import file and save its new rows (ledgers/importing/jobs.py)."""
    from ledgers.importing import jobs as import_jobs

    return import_jobs.run(batch_id, task_id=self.request.id or "", in_worker=not self.request.is_eager)
