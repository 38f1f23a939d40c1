"""The demo workflows: every state present, every demo role with work in its inbox, idempotent."""

from __future__ import annotations

import pytest

from assets.demo.workflows import seed_workflows
from disposals.models import Disposal
from transfers.models import Transfer
from workflow import engine

pytestmark = pytest.mark.django_db


def test_every_demo_role_has_work_and_every_state_exists(flow):
    created = seed_workflows()
    assert dict(created) == {"transfer": 9, "disposal": 13}
    inboxes = {name: engine.inbox_count(flow.user(name)) for name in (
        "county", "committee", "finance", "dept_water", "dept_commerce", "township1", "township2", "village1",
        "village1b", "village2", "auditor")}
    # the demo's work per role (assets/demo/workflows.py and each app's demo.py); readers and uninvolved units have none
    assert inboxes == {"county": 3, "committee": 2, "finance": 2, "dept_water": 2, "dept_commerce": 0,
                       "township1": 5, "township2": 0, "village1": 2, "village1b": 0, "village2": 1, "auditor": 0}
    statuses = set(Transfer.objects.values_list("status", flat=True)) | set(
        Disposal.objects.values_list("status", flat=True))
    assert statuses == {"draft", "in_review", "returned", "rejected", "done"}
    transfer_steps = set(Transfer.objects.filter(status="in_review").values_list("current_step", flat=True))
    assert transfer_steps == {"consensus", "committee", "approval", "registration"}
    disposal_steps = set(Disposal.objects.filter(status="in_review").values_list("current_step", flat=True))
    assert disposal_steps == {"township_review", "department_review", "county_approval", "filing", "notice",
                              "carry_out", "committee", "finance_approval"}
    assert Disposal.objects.filter(earning_flag=True).exists()
    assert Disposal.objects.get(status="done").proceeds is not None
    assert seed_workflows() == {}  # a second run writes nothing
