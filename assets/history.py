"""Who, why and which request: the context every history row is written in.

HTTP requests get it from ChangeContextMiddleware; management commands and Celery tasks wrap
their work in ``change_context(user, reason)``. django-simple-history asks ``history_user``
for the user and the ``pre_create_historical_record`` signal (see assets/signals.py) fills the
reason and the request id, so that every row written by one request or command shares one id.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


@dataclass
class ChangeContext:
    user: Any = None
    reason: str = ""
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)


_current: ContextVar[ChangeContext | None] = ContextVar("bangfu_change_context", default=None)


def current_change_context() -> ChangeContext | None:
    return _current.get()


@contextlib.contextmanager
def change_context(user: Any = None, reason: str = "") -> Iterator[ChangeContext]:
    """Attribute every history row written inside to ``user`` with ``reason``.

    Nested contexts inherit the outer request id but may name a more specific reason.
    """
    outer = _current.get()
    ctx = ChangeContext(
        user=user if user is not None else (outer.user if outer else None),
        reason=reason or (outer.reason if outer else ""),
        request_id=outer.request_id if outer else uuid.uuid4(),
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def history_user(request: Any = None, instance: Any = None, **kwargs: Any) -> Any:
    """simple-history's ``get_user`` hook: the change context first, then the request."""
    ctx = _current.get()
    if ctx is not None and ctx.user is not None:
        return ctx.user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class HistoryExtras(models.Model):
    """Extra columns on every historical table."""

    history_request_id = models.UUIDField(_("request id"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


def domain_history(**kwargs: Any) -> HistoricalRecords:
    """The HistoricalRecords every domain model uses: same user hook, same extra columns."""
    kwargs.setdefault("get_user", history_user)
    kwargs.setdefault("bases", [HistoryExtras])
    return HistoricalRecords(**kwargs)
