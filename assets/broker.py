"""Handing a task to the broker without hanging the request: one short connection attempt and no
retry loop (kombu's own reconnecting held a request for ~19 s with Redis down). Callers decide
what a refusal means: the outbox keeps the row pending, ledger jobs are marked failed."""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.result import AsyncResult
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

# What a broker that is down, unreachable or hung raises on a hand-over.
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, RedisError, OSError)


def send_quickly(task: Task, args: list[Any] | tuple[Any, ...] = (), *, timeout: float = 3.0,
                 queue: str | None = None) -> AsyncResult:
    """``task.apply_async(args)`` with at most ``timeout`` seconds for the broker to connect and
    answer; raises one of ``BROKER_ERRORS`` instead of retrying. In-process mode (no broker)
    runs the task here and now."""
    app = task.app
    if app.conf.task_always_eager:
        return task.apply_async(args=args)
    quick = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    options: dict[str, Any] = {"queue": queue} if queue else {}
    with app.connection_for_write(transport_options=quick) as connection:
        connection.ensure_connection(max_retries=0, timeout=timeout)
        return task.apply_async(args=args, retry=False, connection=connection, **options)
