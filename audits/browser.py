"""The auditors' county-wide history browser: which historical tables it reads and how.

A page costs a bounded number of queries whatever the tables hold: with a model chosen, one
historical table is read; for "all models" one UNION ALL over ``values()`` of every historical
table, ordered by history_date, picks the page's (model, history_id) pairs; the page's rows are
then fetched per model (with their previous versions) and diffed by assets/history_diffs.py. The
tables are those of assets/history_sources.py, where each app registers its own.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import CharField, Value
from django.utils import timezone

from assets.history_diffs import HistoryEntry, build_entries, previous_from_annotation, previous_subquery
from assets.history_sources import SOURCES, SOURCES_BY_KEY, HistorySource

__all__ = ["SOURCES", "SOURCES_BY_KEY", "HistorySource", "day_start", "filtered"]


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the county's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(source: HistorySource, filters: dict[str, Any]) -> models.QuerySet | None:
    queryset = source.history_model.objects.all()
    if filters.get("user"):
        queryset = queryset.filter(history_user_id=filters["user"].pk)
    if filters.get("date_from"):
        queryset = queryset.filter(history_date__gte=day_start(filters["date_from"]))
    if filters.get("date_to"):
        queryset = queryset.filter(history_date__lt=day_start(filters["date_to"] + datetime.timedelta(days=1)))
    region = filters.get("region")
    if region is not None:
        if source.region_filter is None:
            return None
        queryset = source.region_filter(queryset, region)
    return queryset


def history_rows(filters: dict[str, Any]) -> models.QuerySet:
    """(source, history_id, history_date) of every matching row, newest first, as one
    queryset to paginate."""
    chosen = [SOURCES_BY_KEY[filters["model"]]] if filters.get("model") else SOURCES
    parts = []
    for source in chosen:
        queryset = filtered(source, filters)
        if queryset is None:
            continue
        parts.append(
            queryset.order_by()
            .annotate(model_key=Value(source.key, output_field=CharField()))
            .values("history_id", "history_date", "model_key")
        )
    if not parts:
        return SOURCES[0].history_model.objects.none().values("history_id", "history_date")
    combined = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return combined.order_by("-history_date", "-history_id")


def entries_for(rows: Sequence[dict[str, Any]], user: Any) -> list[HistoryEntry]:
    """The page's rows as diffed entries, in the page's order: one query per model for the rows
    (with the id of each row's previous version), then audits/diffs.py."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row["model_key"]].append(row["history_id"])
    fetched: dict[tuple[str, int], Any] = {}
    for key, ids in wanted.items():
        history_model = SOURCES_BY_KEY[key].history_model
        queryset = (
            history_model.objects.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(prev_history_id=previous_subquery(history_model))
        )
        for record in queryset:
            fetched[(key, record.history_id)] = record
    records = [fetched[(row["model_key"], row["history_id"])] for row in rows
               if (row["model_key"], row["history_id"]) in fetched]
    return build_entries(records, previous_from_annotation(records), user)
