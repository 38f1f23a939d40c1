"""What other apps may ask of the disposals (the only module of this app they import).

The ledgers (一总四分, 四(三)) list disposed assets apart from those still held, each with the
disposal it went through (四(八))."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext

from disposals.models import Disposal
from workflow.engine import ItemStatus


def disposal_documents(asset_ids: Iterable[int]) -> dict[int, str]:
    """asset id -> "CZ-… · approval document …" of the latest disposal carried out for it."""
    ids = list(asset_ids)
    if not ids:
        return {}
    documents: dict[int, str] = {}
    rows = (Disposal.objects.filter(asset_id__in=ids, status=ItemStatus.DONE)
            .order_by("asset_id", "-closed_at", "-pk").values_list("asset_id", "number", "approval_number"))
    for asset_id, number, approval_number in rows:
        if asset_id in documents:
            continue  # the latest one
        documents[asset_id] = number if not approval_number else pgettext(
            "ledger", "%(number)s · approval document %(document)s") % {"number": number, "document": approval_number}
    return documents
