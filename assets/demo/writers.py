"""Two ways to insert new rows together with their simple-history rows.

Rows are dicts of column values keyed by attribute name (``region_id``); keys starting with
"_" are the generator's own and are ignored. After an insert every row knows its primary key,
``created_at`` and ``updated_at``, as model instances do after ``bulk_create``.

``OrmWriter`` is simple-history's own ``bulk_create_with_history``. ``CopyWriter`` writes the
very same rows (same columns; history rows with the same user, reason, type "+" and request
id) with PostgreSQL's COPY: at a million assets Django's insert compiler, not the database,
is the bottleneck (about 150 values per asset with its history and child rows), and COPY is
several times cheaper. tests/test_seed_demo.py checks that both write the same register.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

Row = dict[str, Any]

# From this many assets to write, ``auto`` picks COPY on PostgreSQL.
COPY_FROM_ASSETS = 50_000
# history columns that do not come from the tracked row
_HISTORY_META = ("history_date", "history_change_reason", "history_type", "history_user_id", "history_request_id")
_STAMPS = ("created_at", "updated_at")


def _fields(row: Row) -> Row:
    return {key: value for key, value in row.items() if not key.startswith("_")}


class OrmWriter:
    name = "orm"

    def __init__(self, *, user: Any, reason: str, history_attrs: dict[str, Any]) -> None:
        self.user, self.reason, self.history_attrs = user, reason, history_attrs

    def insert(self, rows: Sequence[Row], model: type[models.Model], *, history: bool = True) -> None:
        objs = [model(**_fields(row)) for row in rows]
        if history:
            bulk_create_with_history(
                objs, model, batch_size=1000, default_user=self.user, default_change_reason=self.reason,
                custom_historical_attrs=self.history_attrs,
            )
        else:
            model.objects.bulk_create(objs, batch_size=1000)
        stamps = [name for name in _STAMPS if hasattr(model, name)]
        pk = model._meta.pk.attname
        for row, obj in zip(rows, objs, strict=True):
            row[pk] = obj.pk
            for name in stamps:
                row[name] = getattr(obj, name)

    def record_changes(self, rows: Sequence[Row], model: type[models.Model], *, reason: str) -> None:
        """The "~" history rows of rows just UPDATEd, as ``bulk_update_with_history`` writes them."""
        objs = [model(**_fields(row)) for row in rows]
        model.history.bulk_history_create(objs, batch_size=1000, update=True, default_user=self.user,
                                          default_change_reason=reason, custom_historical_attrs=self.history_attrs)


class CopyWriter(OrmWriter):
    """COPY for PostgreSQL. Primary keys are drawn from the table's sequence first."""

    name = "copy"

    def insert(self, rows: Sequence[Row], model: type[models.Model], *, history: bool = True) -> None:
        if not rows:
            return
        fields = model._meta.concrete_fields
        pk = model._meta.pk.attname
        for row, value in zip(rows, self._next_ids(model, len(rows)), strict=True):
            row[pk] = value
        now = timezone.now()
        for name in _STAMPS:  # what auto_now/auto_now_add do on insert
            if any(f.attname == name for f in fields):
                for row in rows:
                    row[name] = now
        defaults = {f.attname: f.get_default() for f in fields}
        self._copy(model._meta.db_table, [f.column for f in fields],
                   ([row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows))
        if history:
            self._copy_history(rows, model, defaults, now, "+", self.reason)

    def record_changes(self, rows: Sequence[Row], model: type[models.Model], *, reason: str) -> None:
        defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
        self._copy_history(rows, model, defaults, timezone.now(), "~", reason)

    def _copy_history(self, rows: Sequence[Row], model: type[models.Model], defaults: Row, now: Any,
                      history_type: str, reason: str) -> None:
        """The rows ``bulk_history_create`` would build: tracked fields plus who, when, why."""
        history = get_history_model_for_model(model)
        tracked = {field.attname for field in history.tracked_fields}
        columns = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        unknown = [f.attname for f in columns if f.attname not in tracked and f.attname not in _HISTORY_META]
        if unknown:
            raise RuntimeError(f"{history.__name__} has columns the COPY writer does not know: {unknown}")
        meta = {
            "history_date": now,
            "history_change_reason": reason,
            "history_type": history_type,
            "history_user_id": self.user.pk,
            "history_request_id": self.history_attrs.get("history_request_id"),
        }
        getters = [(f.attname in tracked, f.attname) for f in columns]
        self._copy(history._meta.db_table, [f.column for f in columns], (
            [row.get(name, defaults[name]) if from_row else meta[name] for from_row, name in getters] for row in rows))

    @staticmethod
    def _next_ids(model: type[models.Model], count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [model._meta.db_table, model._meta.pk.column, count])
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _copy(table: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
        quote = connection.ops.quote_name
        statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def writer_for(choice: str, *, planned: int, user: Any, reason: str, history_attrs: dict[str, Any]) -> OrmWriter:
    """``auto``: COPY on PostgreSQL for large loads, simple-history's bulk_create_with_history otherwise."""
    if choice == "auto":
        choice = "copy" if connection.vendor == "postgresql" and planned >= COPY_FROM_ASSETS else "orm"
    if choice == "copy" and connection.vendor != "postgresql":
        raise ValueError("The COPY writer needs PostgreSQL.")
    cls = CopyWriter if choice == "copy" else OrmWriter
    return cls(user=user, reason=reason, history_attrs=history_attrs)
