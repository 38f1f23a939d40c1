"""Races beyond the transfer committee step, on PostgreSQL: a disposal step decided by two
officials at once, two transfers of the same asset proposed at once, and a yearly document
number taken by a concurrent application (``save_new`` takes the next one)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from assets.choices import Role
from disposals.actions import do_add_evidence, do_create_disposal
from disposals.models import Disposal
from tests.conftest import close_thread_connections, unavailable
from tests.factories import build_world, make_user
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import at_once, collective, ensure_reference_data, org
from transfers.actions import do_create_transfer
from transfers.models import Transfer
from transfers.ownership import LineInput
from workflow import engine

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def race_world():
    if connection.vendor != "postgresql":
        unavailable("row locks need PostgreSQL (set DATABASE_URL)")
    ensure_reference_data()
    return add_workflow_users(build_world())


def test_two_township_officials_decide_the_same_disposal_step_at_once(race_world):
    world = race_world
    second = make_user("township1b", Role.TOWNSHIP_OFFICIAL, org(f"twp-{world.townships[0].code}"))
    village1 = world.user("village1")
    disposal = do_create_disposal(world.assets[0][1], {"reason": "damage", "method": "auction",
                                                       "description": "损毁"}, acting_user=village1)
    do_add_evidence(disposal, SimpleUploadedFile("a.jpg", b"\xff\xd8\xff"), "照片", acting_user=village1)
    engine.do_submit(disposal, acting_user=village1)
    pk = disposal.pk
    first = world.user("township1")

    def approve(user) -> Callable[[], Any]:
        def go() -> Any:
            seen = Disposal.objects.get(pk=pk)  # what the official had on screen
            return engine.do_approve(seen, acting_user=user, comment="属实", expected_step="township_review")
        return go

    def return_(user) -> Callable[[], Any]:
        def go() -> Any:
            seen = Disposal.objects.get(pk=pk)
            return engine.do_return(seen, acting_user=user, comment="请补充", expected_step="township_review")
        return go

    results = at_once(approve(first), return_(second))
    winners = [r for r in results if isinstance(r, Disposal)]
    losers = [r for r in results if isinstance(r, engine.WorkflowConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    disposal = Disposal.objects.get(pk=pk)
    decided = disposal.decisions.get(round=1, step="township_review")  # recorded once
    assert disposal.decisions.count() == 2
    assert str(decided.user) in losers[0].message and decided.when in losers[0].message
    assert (disposal.status, disposal.current_step) == (
        ("in_review", "department_review") if decided.decision == "approved" else ("returned", ""))


def test_two_transfers_of_the_same_asset_proposed_at_once(race_world):
    world = race_world
    workshop = world.assets[0][1]

    def propose(name: str) -> Callable[[], Any]:
        def go() -> Any:
            return do_create_transfer(world.projects[0], {"proposal": f"{name}的意见"},
                                      [LineInput(asset=workshop, owner_organisation=collective(world, 0))],
                                      acting_user=world.user(name))
        return go

    results = at_once(propose("village1"), propose("county"))
    winners = [r for r in results if isinstance(r, Transfer)]
    losers = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert Transfer.objects.count() == 1 and Transfer.objects.get().lines.get().asset_id == workshop.pk
    assert winners[0].number in " ".join(losers[0].messages) and workshop.code in " ".join(losers[0].messages)


def test_a_document_number_taken_meanwhile_is_taken_again(race_world):
    """The first application holds its number uncommitted while the second computes the same
    number; the second's insert waits, fails on the unique number once the first commits, and
    takes the next number instead of failing."""
    world = race_world
    created = threading.Event()
    release = threading.Event()
    numbers: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                transfer = do_create_transfer(world.projects[0], {"proposal": "甲"},
                                              [LineInput(asset=world.assets[0][1],
                                                         owner_organisation=collective(world, 0))],
                                              acting_user=world.user("village1"))
                numbers["first"] = transfer.number
                created.set()
                assert release.wait(timeout=30)
        except Exception as exc:
            numbers["first"] = exc
            created.set()
        finally:
            close_thread_connections()

    def second() -> None:
        try:
            assert created.wait(timeout=30)
            line = LineInput(asset=world.assets[2][1], owner_organisation=collective(world, 2))
            transfer = do_create_transfer(world.projects[2], {"proposal": "乙"}, [line],
                                          acting_user=world.user("village2"))
            numbers["second"] = transfer.number
        except Exception as exc:
            numbers["second"] = exc
        finally:
            close_thread_connections()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        assert created.wait(timeout=30)
        # the second insert waits for the first transaction on the unique number
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'")
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the second application never waited: {numbers}")
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    first_number, second_number = numbers["first"], numbers["second"]
    assert isinstance(first_number, str) and isinstance(second_number, str), numbers
    stem, last = first_number.rsplit("-", 1)
    assert second_number == f"{stem}-{int(last) + 1:04d}"
    assert sorted(Transfer.objects.values_list("number", flat=True)) == [first_number, second_number]
