"""Background tasks of the register (Celery; in-process on the embedded default).

Tasks take ids, never model instances, and are idempotent: the broker may deliver a task twice
(acks_late). Every history row they write names the user the task was started for
(the history middleware only sees HTTP requests).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assets.history import change_context
from assets.models import Asset
from assets.outbox import deliver_outbox_message, drain_outbox  # noqa: F401  (registers the outbox tasks)
from assets.scoping import CHANGE
from assets.valuation import depreciation_to_date

BATCH_SIZE = 1000


@shared_task(acks_late=True)
def recalculate_depreciation(
    user_id: int | None,
    asset_ids: list[int] | None = None,
    as_of: str | None = None,
    reason: str = "",
) -> dict[str, int]:
    """Recompute accumulated depreciation and net value as of ``as_of`` (ISO date, default today).

    Started for a user, it touches only the assets that user may change (the scoping choke point);
    the yearly scheduled run (config/celery.py) passes no user and covers the whole register.
    Assets valued by appraisal keep their appraised net value. Only rows whose figures move get
    a history row, so a repeated run changes nothing.
    """
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    assets = Asset.objects.restrict(user, CHANGE) if user is not None else Asset.objects.all()
    assets = assets.filter(appraised_value__isnull=True)
    if asset_ids is not None:
        assets = assets.filter(pk__in=asset_ids)

    checked = changed = 0
    last_pk = 0
    with change_context(user, reason or _("Depreciation recalculated")) as ctx:
        while True:
            # keyset batches: constant cost per batch whatever the register's size
            batch = list(assets.filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
            if not batch:
                break
            last_pk = batch[-1].pk
            checked += len(batch)
            moved = [asset for asset in batch if _revalue(asset, day)]
            if moved:
                with transaction.atomic():
                    bulk_update_with_history(
                        moved, Asset, ["accumulated_depreciation", "net_value", "updated_at"],
                        default_user=user, default_change_reason=ctx.reason[:100],
                        custom_historical_attrs={"history_request_id": ctx.request_id},
                    )
                changed += len(moved)
    return {"checked": checked, "changed": changed}


def _revalue(asset: Asset, day: datetime.date) -> bool:
    """Set the asset's depreciation and net value for ``day``; True if they moved."""
    depreciation = depreciation_to_date(asset, day)
    net_value = Decimal(asset.original_value) - depreciation
    if depreciation == asset.accumulated_depreciation and net_value == asset.net_value:
        return False
    asset.accumulated_depreciation = depreciation
    asset.net_value = net_value
    asset.updated_at = timezone.now()
    return True
