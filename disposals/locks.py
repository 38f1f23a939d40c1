"""What an open disposal (四(八)) locks on its asset, registered with assets.locks."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetStatus
from assets.locks import OWNER_FIELDS, STATUS_FIELDS, VALUE_FIELDS, ChainLock, ChainStatus

DISPOSAL_LOCKS = STATUS_FIELDS | OWNER_FIELDS | VALUE_FIELDS
DISPOSAL_STATUSES = (
    ChainStatus(AssetStatus.UNDER_DISPOSAL, _("the disposal approval chain")),
    ChainStatus(AssetStatus.DISPOSED, _("the disposal approval chain"), final=True),
)


def open_disposals(asset_ids: Iterable[int]) -> dict[int, list[ChainLock]]:
    from disposals.models import Disposal
    from workflow.engine import OPEN_STATUSES

    found: dict[int, list[ChainLock]] = {}
    rows = Disposal.objects.filter(asset_id__in=list(asset_ids), status__in=OPEN_STATUSES).values_list(
        "asset_id", "number", "pk")
    for asset_id, number, pk in rows:
        found.setdefault(asset_id, []).append(
            ChainLock(_("disposal application"), number, DISPOSAL_LOCKS, url=reverse("disposals:detail", args=[pk])))
    return found
