"""Two people deciding the same step at the same moment, on PostgreSQL: exactly one wins; the
other is told who decided it and when, and nothing is recorded twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from assets.choices import Role
from tests.conftest import unavailable
from tests.factories import build_world, make_user
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import at_once, collective, ensure_reference_data, org
from transfers.actions import do_create_transfer
from transfers.models import Transfer
from transfers.ownership import LineInput
from workflow import engine

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(*acts: Callable[[Transfer], Any], pk: int) -> list[Any]:
    """Each thread looks at the item, then all decide at once; each result is the act's value or
    its exception."""
    return at_once(*acts, prepare=lambda: Transfer.objects.get(pk=pk))  # what the person had on screen


@pytest.fixture
def committee_pending() -> tuple[Transfer, Any, Any]:
    if connection.vendor != "postgresql":
        unavailable("row locks need PostgreSQL (set DATABASE_URL)")
    ensure_reference_data()
    world = add_workflow_users(build_world())
    second = make_user("committee2", Role.FINANCE, org("finance_committee"))
    village1 = world.user("village1")
    transfer = do_create_transfer(world.projects[0], {"proposal": "会议意见"},
                                  [LineInput(asset=world.assets[0][1], owner_organisation=collective(world, 0))],
                                  acting_user=village1)
    engine.do_submit(transfer, acting_user=village1)
    return world, world.user("committee"), second


@pytest.mark.parametrize("second_act", ["approve", "return"])
def test_two_deciders_at_once_exactly_one_wins(committee_pending, second_act):
    _world, first, second = committee_pending
    pk = Transfer.objects.get().pk

    def decide(user, act: str) -> Callable[[Transfer], Any]:
        def go(seen: Transfer) -> Any:
            if act == "approve":
                return engine.do_approve(seen, acting_user=user, comment="同意")
            return engine.do_return(seen, acting_user=user, comment="请补充")
        return go

    results = race(decide(first, "approve"), decide(second, second_act), pk=pk)
    winners = [r for r in results if isinstance(r, Transfer)]
    losers = [r for r in results if isinstance(r, engine.WorkflowConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    transfer = Transfer.objects.get(pk=pk)
    decided = transfer.decisions.get(round=1, step="committee")  # recorded once
    assert transfer.decisions.count() == 2
    assert str(decided.user) in losers[0].message and decided.when in losers[0].message
    assert transfer.current_step == ("approval" if decided.decision == "approved" else "")


def test_the_same_person_clicking_twice_at_once(committee_pending):
    _world, first, _second = committee_pending
    pk = Transfer.objects.get().pk

    def go(seen: Transfer) -> Any:
        return engine.do_approve(seen, acting_user=first, expected_step="committee")

    results = race(go, go, pk=pk)
    assert sum(isinstance(r, Transfer) for r in results) == 1
    assert sum(isinstance(r, engine.WorkflowConflict) for r in results) == 1
    assert Transfer.objects.get(pk=pk).decisions.filter(step="committee").count() == 1
