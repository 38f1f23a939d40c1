"""Valuation rules of 四(三): net value = original value - accumulated depreciation.

Method and useful life are data on the asset (defaults on its category), never code.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from assets.choices import AssetForm, DepreciationMethod

if TYPE_CHECKING:
    from assets.models import Asset

CENT = Decimal("0.01")


def straight_line(original: Decimal, life_years: int, years_elapsed: int) -> Decimal:
    """Accumulated straight-line depreciation with no residual value, capped at the original."""
    if life_years <= 0 or years_elapsed <= 0:
        return Decimal("0.00")
    share = min(Decimal(years_elapsed) / Decimal(life_years), Decimal(1))
    return (original * share).quantize(CENT, rounding=ROUND_HALF_UP)


def depreciation_to_date(asset: Asset, as_of: datetime.date | None = None) -> Decimal:
    """Accumulated depreciation at the end of ``as_of``'s previous full year.

    Equity put into a market entity is held at original value during the agreement (四(三));
    biological assets and methods other than straight-line are not depreciated here.
    """
    if (
        asset.form == AssetForm.EQUITY
        or asset.depreciation_method != DepreciationMethod.STRAIGHT_LINE
        or not asset.useful_life_years
        or not asset.year_formed
    ):
        return Decimal("0.00")
    today = as_of or datetime.date.today()
    return straight_line(Decimal(asset.original_value), asset.useful_life_years, today.year - asset.year_formed)
