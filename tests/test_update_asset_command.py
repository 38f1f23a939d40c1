"""History through a management command names the user given on the command line."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_command_edit_records_user_reason_and_diff(world):
    asset = world.assets[0][0]
    call_command("update_asset", asset.code, "status=idle", "caretaker=张三",
                 user="village1", reason="年度清查：闲置")
    asset.refresh_from_db()
    assert asset.status == "idle"
    latest = asset.history.latest()
    assert latest.history_user.username == "village1"
    assert latest.history_change_reason == "年度清查：闲置"
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(latest.prev_record).changes}
    assert changes["status"] == ("in_use", "idle")
    assert changes["caretaker"] == ("", "张三")


def test_command_refuses_out_of_scope_and_bad_values(world):
    other = world.assets[2][0]
    before = other.history.count()
    with pytest.raises(CommandError):
        call_command("update_asset", other.code, "status=idle", user="village1", reason="x")
    with pytest.raises(CommandError):
        call_command("update_asset", world.assets[0][0].code, "status=lost", user="village1", reason="x")
    with pytest.raises(CommandError):
        call_command("update_asset", world.assets[0][0].code, "region=1", user="village1", reason="x")
    assert other.history.count() == before
