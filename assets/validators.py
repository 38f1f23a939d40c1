"""Rules on values stated by the plan, in one place (四(一), 四(三))."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 四(一): the register covers assets formed by funds invested since 2013.
FIRST_YEAR = 2013
# Money is yuan with 2 decimal places, up to 999,999,999,999.99.
MONEY = {"max_digits": 14, "decimal_places": 2}


def validate_funding_total(total: Decimal | None, amounts: Iterable[Decimal | None], *, field: str) -> None:
    """Funding lines must add up to ``total`` (the asset's original value, or the project's
    total investment)."""
    values = [amount for amount in amounts if amount is not None]
    if not values:
        raise ValidationError({"funding_lines": _("Give at least one funding line.")})
    if any(amount < 0 for amount in values):
        raise ValidationError({"funding_lines": _("Amounts cannot be negative.")})
    if total is not None and sum(values, Decimal("0")) != total:
        raise ValidationError({
            "funding_lines": _("The funding lines add up to %(sum)s yuan, but %(field)s is %(total)s yuan.")
            % {"sum": f"{sum(values, Decimal('0')):,.2f}", "field": field, "total": f"{total:,.2f}"}
        })


def mask_id_number(value: str) -> str:
    """6531**********1234: the first four and last four characters of a citizen ID."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
