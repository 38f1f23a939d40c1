"""Sending side effects through the transactional outbox (assets/models/outbox.py).

``send_on_commit(task, **kwargs)`` is called inside an act's transaction: it writes an
``OutboxMessage`` row there, and once the transaction commits it hands the row's id to the broker
with one short connection attempt (no retry loop: a broker that is down costs the request well
under a second, not kombu's ~19 s of reconnecting). When the broker cannot take it the row stays
pending; ``drain_outbox`` (every minute from beat, and when a worker starts) hands pending rows
over again once the broker is back.

Delivery is idempotent: the worker's ``deliver_outbox_message`` locks the row, runs the task only
while the row is still pending and marks it delivered in the same transaction, so a message handed
over twice (the commit hook and a drain, or two drains) runs its task once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from celery import current_app, shared_task
from celery.signals import worker_ready
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets.broker import BROKER_ERRORS, send_quickly
from assets.models.outbox import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 1.0  # seconds for the one connection attempt of a hand-over (a local broker answers in ms)
REQUEUE_AFTER = timedelta(minutes=5)  # handed over but still pending after this: hand over again
MAX_ATTEMPTS = 5  # failed runs of the task before a message is given up (status "failed")
DRAIN_BATCH = 500


def send_on_commit(task: str, **kwargs: Any) -> OutboxMessage:
    """Queue ``task(**kwargs)`` as part of the current transaction; it is sent after the commit
    and never lost if the broker is down. ``kwargs`` must be JSON-serialisable."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(partial(publish, message.pk))
    return message


def publish(message_id: int) -> bool:
    """Hand one message to the broker; False (the row stays pending) when the broker is unavailable.
    Never raises: the act that queued the message is already committed."""
    # stamped before the hand-over: a quick worker may deliver (and leave "pending") before we return
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).update(queued_at=timezone.now())
    try:
        send_quickly(deliver_outbox_message, [message_id], timeout=BROKER_TIMEOUT)
    except BROKER_ERRORS as exc:
        logger.warning("outbox message %s not handed to the broker: %s", message_id, exc)
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).update(
            queued_at=None, last_error=f"broker: {exc}"[:1000])
        return False
    except Exception:  # a bug must not turn a committed act into an error page; the drain retries
        logger.exception("outbox message %s not handed to the broker", message_id)
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).update(queued_at=None)
        return False
    return True


@shared_task(name="assets.outbox.deliver", acks_late=True, ignore_result=True)
def deliver_outbox_message(message_id: int) -> str:
    """Run a pending message's task once, in the worker. Returns the message's status (or "busy"
    when another worker holds it, "unknown" for an id that does not exist)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None:
            return "busy" if OutboxMessage.objects.filter(pk=message_id).exists() else "unknown"
        if message.status != OutboxStatus.PENDING:
            return message.status  # delivered already: a second hand-over does nothing
        message.attempts += 1
        try:
            with transaction.atomic():  # the task's own writes roll back alone if it fails
                current_app.tasks[message.task](**message.kwargs)
        except Exception as exc:
            logger.exception("outbox message %s (%s) failed", message.pk, message.task)
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
        else:
            message.status = OutboxStatus.DELIVERED
            message.delivered_at = timezone.now()
            message.last_error = ""
        message.save(update_fields=["attempts", "status", "delivered_at", "last_error"])
        return message.status


@shared_task(name="assets.outbox.drain", ignore_result=True)
def drain_outbox(limit: int = DRAIN_BATCH) -> int:
    """Hand every pending message to the broker that was never handed over or was handed over
    long ago without being delivered (a lost or purged queue). Returns how many were handed over."""
    stale = timezone.now() - REQUEUE_AFTER
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale))
    handed = 0
    for message_id in pending.order_by("id").values_list("pk", flat=True)[:limit]:
        if not publish(message_id):
            break  # the broker is still down: the next drain tries again
        handed += 1
    return handed


@worker_ready.connect(weak=False)
def drain_when_a_worker_starts(sender: Any = None, **kwargs: Any) -> None:
    """A worker that (re)starts after an outage sends what queued up meanwhile."""
    try:
        drain_outbox.apply_async(retry=False, ignore_result=True)
    except Exception:
        logger.exception("could not queue the outbox drain at worker start")
