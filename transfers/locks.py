"""What an open ownership transfer (四(四)) locks on its assets, registered with assets.locks."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.locks import OWNER_FIELDS, STATUS_FIELDS, VALUE_FIELDS, ChainLock

# The transfer's detail ledger fixes each asset's owner, ownership type and value, and the
# 财政局's 批复 approves them as listed; the asset's status is fixed with them.
TRANSFER_LOCKS = STATUS_FIELDS | OWNER_FIELDS | VALUE_FIELDS


def open_transfers(asset_ids: Iterable[int]) -> dict[int, list[ChainLock]]:
    from transfers.models import TransferLine
    from workflow.engine import OPEN_STATUSES

    found: dict[int, list[ChainLock]] = {}
    rows = TransferLine.objects.filter(asset_id__in=list(asset_ids), transfer__status__in=OPEN_STATUSES).values_list(
        "asset_id", "transfer__number", "transfer_id")
    for asset_id, number, pk in rows:
        found.setdefault(asset_id, []).append(
            ChainLock(_("ownership transfer application"), number, TRANSFER_LOCKS,
                      url=reverse("transfers:detail", args=[pk])))
    return found
