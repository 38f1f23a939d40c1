"""Celery on the real stack: a worker thread on Redis runs the depreciation task, and the history
rows it writes name the user the task was started for (not a request's user: there is none)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assets.models import Asset
from assets.tasks import recalculate_depreciation
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AS_OF = "2022-06-30"  # two full years after the world's assets were formed (2020)


def _expected_net(asset: Asset) -> Decimal:
    # straight line over useful_life_years, no residual value (assets/valuation.py)
    return asset.original_value - (asset.original_value * 2 / asset.useful_life_years).quantize(Decimal("0.01"))


def test_worker_revalues_assets_and_history_names_the_user(celery_worker, live_world):
    county = live_world.user("county")
    depreciable = Asset.objects.filter(depreciation_method="straight_line", useful_life_years__isnull=False)
    before = {asset.pk: asset.net_value for asset in depreciable}
    assert before, "the test world has depreciable assets"

    result = recalculate_depreciation.apply_async(
        kwargs={"user_id": county.pk, "as_of": AS_OF}, queue=celery_worker.queue
    )
    summary = result.get(timeout=60)

    assert result.state == "SUCCESS"
    assert not app.conf.task_always_eager  # it ran in the worker thread, through Redis
    assert summary["changed"] == len(before)
    request_ids = set()
    for asset in Asset.objects.filter(pk__in=before):
        assert asset.net_value == _expected_net(asset) != before[asset.pk]
        latest = asset.history.order_by("-history_id").first()
        assert latest.history_type == "~"
        assert latest.history_user_id == county.pk
        assert latest.history_change_reason
        assert latest.net_value == asset.net_value
        request_ids.add(latest.history_request_id)
    assert len(request_ids) == 1 and None not in request_ids  # one run, one request id

    # idempotent: delivered again (acks_late), it finds nothing to change and writes no history
    history_rows = Asset.history.count()
    again = recalculate_depreciation.apply_async(
        kwargs={"user_id": county.pk, "as_of": AS_OF}, queue=celery_worker.queue
    ).get(timeout=60)
    assert again == {"checked": summary["checked"], "changed": 0}
    assert Asset.history.count() == history_rows


def test_task_started_by_a_village_clerk_touches_only_that_village(celery_worker, live_world):
    clerk = live_world.user("village1")
    own = {asset.pk for asset in live_world.assets[0]}
    others = dict(Asset.objects.exclude(pk__in=own).values_list("pk", "net_value"))

    recalculate_depreciation.apply_async(
        kwargs={"user_id": clerk.pk, "as_of": AS_OF}, queue=celery_worker.queue
    ).get(timeout=60)

    for asset in Asset.objects.filter(pk__in=own, useful_life_years__isnull=False):
        assert asset.net_value == _expected_net(asset)
        assert asset.history.order_by("-history_id").first().history_user_id == clerk.pk
    assert dict(Asset.objects.exclude(pk__in=own).values_list("pk", "net_value")) == others


def test_scheduled_run_covers_the_register_without_a_user(live_world):
    # beat passes no user: the whole register, history rows without a user but with a reason
    summary = recalculate_depreciation(None, as_of=AS_OF)

    assert summary["checked"] == Asset.objects.filter(appraised_value__isnull=True).count()
    latest = Asset.history.order_by("-history_id").first()
    assert latest.history_user_id is None
    assert latest.history_change_reason


def test_beat_schedule_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
