"""A workflow step does not wait on the message broker, and its notification is not lost.

The step writes an outbox row in its own transaction (assets/outbox.py); with the broker down or
hung the step answers in normal time and the row stays pending; once the broker is back, draining
the outbox hands the row to a real worker, which mails the next deciders, once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.core import mail

from assets.models import OutboxMessage, OutboxStatus
from assets.outbox import deliver_outbox_message, drain_outbox
from config.celery import app
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import collective, post
from transfers.models import Transfer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A functional bound, not a benchmark: before the outbox a step waited on kombu's reconnect loop
# (5 s for one hung broker here, ~19 s in the field); a step that does not wait is far below it.
STEP_BOUND_S = 2.0


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point the Celery app's publishing at another broker URL for the block."""

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        reset_pools()


@contextlib.contextmanager
def hung_broker() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a Redis that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


@contextlib.contextmanager
def broken_broker(kind: str) -> Iterator[None]:
    if kind == "closed port":  # nothing listens on port 1
        with broker_at("redis://127.0.0.1:1/0"):
            yield
    else:
        with hung_broker() as url, broker_at(url):
            yield


@pytest.fixture
def transfer_draft(live_world, api) -> int:
    world = add_workflow_users(live_world)
    created = post(api("village1"), "/api/transfers/", {
        "project": world.projects[0].pk, "proposal": "帮扶车间确权给本村集体。",
        "lines": [{"asset": world.assets[0][1].pk, "owner_organisation": collective(world, 0).pk}]})
    assert created.status_code == 201, created.json()
    return created.json()["id"]


@pytest.mark.parametrize("kind", ["closed port", "hung"])
def test_a_step_answers_in_normal_time_with_the_broker_down(transfer_draft, api, kind):
    assert not app.conf.task_always_eager  # ./bin/test sets REDIS_URL: tasks go through a broker
    client = api("village1")
    with broken_broker(kind):
        started = time.monotonic()
        response = post(client, f"/api/transfers/{transfer_draft}/submit/")
        elapsed = time.monotonic() - started

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_review"
    assert elapsed < STEP_BOUND_S, f"the step took {elapsed:.1f} s with the broker {kind}"
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs) == ("transfers.tasks.notify_next", {"workflow_key": "transfer",
                                                                            "pk": transfer_draft})
    assert message.status == OutboxStatus.PENDING and message.queued_at is None
    assert message.last_error  # why it is still waiting
    assert mail.outbox == []


def test_the_notification_arrives_through_a_worker_once_the_broker_is_back(celery_worker, transfer_draft, api):
    with broken_broker("hung"):
        assert post(api("village1"), f"/api/transfers/{transfer_draft}/submit/").status_code == 200
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and mail.outbox == []

    assert drain_outbox() == 1  # the beat task's body; the broker is back: handed to the worker
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status != OutboxStatus.PENDING:
            break
        time.sleep(0.2)
    assert message.status == OutboxStatus.DELIVERED, message.last_error
    assert message.attempts == 1 and message.delivered_at is not None
    number = Transfer.objects.get(pk=transfer_draft).number
    assert [m.to for m in mail.outbox] == [["committee@example.test"]]
    assert number in mail.outbox[0].subject

    # idempotent: handed over again (a drain racing the commit hook), it does nothing
    assert deliver_outbox_message(message.pk) == OutboxStatus.DELIVERED
    assert drain_outbox() == 0
    assert len(mail.outbox) == 1


def test_a_step_with_the_broker_up_is_delivered_without_waiting_for_a_drain(celery_worker, transfer_draft, api):
    assert post(api("village1"), f"/api/transfers/{transfer_draft}/submit/").status_code == 200
    message = OutboxMessage.objects.get()
    deadline = time.monotonic() + 60
    while message.status == OutboxStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.queued_at is not None  # handed over by the commit hook, not by a drain
    assert [m.to for m in mail.outbox] == [["committee@example.test"]]
