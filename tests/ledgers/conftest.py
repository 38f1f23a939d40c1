"""Fixtures and helpers of the ledger tests: reading exported workbooks back, and a world with
household assets and a history dated in the past (for as-of ledgers)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assets.actions import do_create_asset
from assets.models import Asset, AssetCategory, AssetFundingLine
from tests.factories import World

DAY = datetime.date(2024, 6, 30)  # the as-of day of the tests
MONEY_FORMAT = '"¥"#,##0.00'


def load(source: bytes | str | Path) -> Any:
    """A workbook read back in normal mode (merged cells, styles and all)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    return load_workbook(source)


def headers(ws) -> list[str]:
    """Leaf header per column: row 4, or row 3 where the header is merged down both rows."""
    return [ws.cell(4, c).value or ws.cell(3, c).value for c in range(1, ws.max_column + 1)]


def asset_rows(ws) -> list[dict[str, Any]]:
    """The asset rows of a class sheet (numbered in column A), keyed by leaf header."""
    names = headers(ws)
    return [dict(zip(names, row, strict=False)) for row in ws.iter_rows(min_row=5, values_only=True)
            if isinstance(row[0], int)]


def labelled_rows(ws, label: str) -> list[tuple]:
    """Subtotal ("小计") or total ("合计") rows: the label is in column B."""
    return [row for row in ws.iter_rows(min_row=5, values_only=True) if row[1] == label]


def codes(workbook) -> set[str]:
    return {row["资产编号"] for ws in workbook.worksheets[1:] for row in asset_rows(ws)}


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def add_household_asset(world: World, village_index: int, value: str = "8000.00") -> Asset:
    """A cattle asset owned by the village's first household (到户类)."""
    livestock = AssetCategory.objects.get(code="livestock")
    village = world.villages[village_index]
    household = world.households[village_index][0]
    return do_create_asset(
        {"name": f"{village.name}扶贫牛", "asset_class": "household", "category": livestock, "form": "biological",
         "region": village, "project": world.projects[village_index], "year_formed": 2021, "quantity": Decimal(3),
         "unit": "头", "valuation_basis": "actual_expenditure", "original_value": Decimal(value),
         "depreciation_method": "none", "ownership_type": "household", "owner_household": household},
        funding_lines=[{"source": "revitalization_subsidy", "amount": value}],
        acting_user=world.user("county"),
    )


def backdate_history(day: datetime.date = DAY) -> None:
    """Pretend everything recorded so far was recorded on ``day`` (noon, county time)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    Asset.history.update(history_date=moment)
    AssetFundingLine.history.update(history_date=moment)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Export files and uploads of a test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in the calling thread (the embedded default), whatever REDIS_URL says."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
