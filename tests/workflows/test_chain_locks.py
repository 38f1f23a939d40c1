"""What the approval chains decide (四(四) transfer, 四(八) disposal) cannot be changed by hand: the
statuses 处置中 / 已处置 are set only by the disposal chain, and while an asset is in an open
transfer or disposal its status, owner and value are locked in the edit form, the API and the
``update_asset`` command, with a Chinese message naming the open item. The chain itself still
sets them, and once the item is closed the fields are editable again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from assets.models import Asset
from tests.factories import PASSWORD
from tests.ui.helpers import page_data
from tests.workflows.helpers import chinese, collective, org, post
from tests.workflows.test_disposals import add_evidence, apply

pytestmark = pytest.mark.django_db


def browser(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    client.cookies["django_language"] = "zh-hans"
    return client


def edit_page(client: Client, asset: Asset):
    response = client.get(reverse("assets:asset_edit", args=[asset.pk]))
    assert response.status_code == 200
    return response


def open_disposal(flow, api, asset: Asset) -> dict:
    """A disposal of ``asset`` submitted by the village clerk, waiting at township review."""
    village1 = api("village1")
    body = apply(village1, asset)
    add_evidence(village1, body["id"])
    submitted = post(village1, f"/api/disposals/{body['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    return submitted.json()


def test_clerk_cannot_choose_chain_statuses_anywhere(flow, api):
    asset = flow.assets[0][1]
    client = browser("village1")
    page = edit_page(client, asset)
    offered = [value for value, _label in page.context["form"].fields["status"].choices]
    assert "disposed" not in offered and "under_disposal" not in offered and "idle" in offered
    for status in ("disposed", "under_disposal"):
        response = client.post(reverse("assets:asset_edit", args=[asset.pk]),
                               page_data(page, status=status, reason="已处置"))
        assert response.status_code == 200
        assert chinese(" ".join(response.context["form"].errors["status"]))
        answer = api("village1").patch(f"/api/assets/{asset.pk}/", {"status": status}, format="json")
        assert answer.status_code == 400 and chinese(answer.json()["status"][0]), answer.json()
        with pytest.raises(CommandError, match="status"):
            call_command("update_asset", asset.code, f"status={status}", user="village1", reason="x")
    asset.refresh_from_db()
    assert asset.status == "in_use"


def test_an_open_disposal_locks_status_owner_and_value(flow, api):
    asset = flow.assets[0][1]
    number = open_disposal(flow, api, asset)["number"]
    asset.refresh_from_db()
    assert asset.status == "under_disposal"  # set by the chain
    history = asset.history.count()

    # the form: the fields are disabled and say why, naming the application
    client = browser("village1")
    page = edit_page(client, asset)
    form = page.context["form"]
    for name in ("status", "owner_organisation", "ownership_type", "original_value"):
        assert form.fields[name].disabled, name
    text = page.content.decode()
    assert number in text and "处置" in text
    response = client.post(reverse("assets:asset_edit", args=[asset.pk]),
                           page_data(page, status="in_use", original_value="1.00", caretaker="李四",
                                     reason="改回使用中"))
    assert response.status_code == 302  # the rest saves; the locked fields keep the chain's values
    asset.refresh_from_db()
    assert (asset.status, asset.original_value, asset.caretaker) == ("under_disposal", Decimal("100000.00"), "李四")

    # the API: field-level errors naming the application
    for who, change in (("village1", {"status": "in_use"}), ("village1", {"original_value": "1.00"}),
                        ("village1", {"ownership_type": "state"}), ("county", {"status": "idle"}),
                        ("county", {"owner_organisation": org("dept_water").pk})):
        answer = api(who).patch(f"/api/assets/{asset.pk}/", change, format="json")
        assert answer.status_code == 400, answer.json()
        (field,) = change
        assert number in answer.json()[field][0] and chinese(answer.json()[field][0])

    # the command
    with pytest.raises(CommandError, match=number):
        call_command("update_asset", asset.code, "status=in_use", user="county", reason="x")
    with pytest.raises(CommandError, match=number):
        call_command("update_asset", asset.code, "appraised_value=1", user="county", reason="x")
    asset.refresh_from_db()
    assert asset.status == "under_disposal" and asset.history.count() == history + 1  # only the caretaker


def test_after_the_disposal_closes_the_fields_are_free_again(flow, api):
    asset = flow.assets[0][1]
    body = open_disposal(flow, api, asset)
    rejected = post(api("township1"), f"/api/disposals/{body['id']}/reject/", {"comment": "维修后可继续使用。"})
    assert rejected.status_code == 200, rejected.json()
    asset.refresh_from_db()
    assert asset.status == "in_use"  # the chain gave it back
    answer = api("village1").patch(f"/api/assets/{asset.pk}/", {"status": "idle", "change_reason": "闲置"},
                                   format="json")
    assert answer.status_code == 200, answer.json()
    call_command("update_asset", asset.code, "status=damaged", user="village1", reason="损坏")
    asset.refresh_from_db()
    assert asset.status == "damaged"
    page = edit_page(browser("village1"), asset)
    assert not page.context["form"].fields["status"].disabled


def test_disposed_is_final_for_hand_edits(flow, api):
    asset = flow.assets[0][1]
    Asset.objects.filter(pk=asset.pk).update(status="disposed")  # as the chain's last step leaves it
    answer = api("county").patch(f"/api/assets/{asset.pk}/", {"status": "in_use"}, format="json")
    assert answer.status_code == 400 and chinese(answer.json()["status"][0])
    page = edit_page(browser("village1"), asset)
    assert page.context["form"].fields["status"].disabled
    # other fields of a disposed asset can still be corrected
    assert api("county").patch(f"/api/assets/{asset.pk}/", {"remarks": "已拍卖"}, format="json").status_code == 200


def test_an_open_transfer_locks_the_owner(flow, api):
    workshop = flow.assets[0][1]
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村两委会议：帮扶车间确权给本村集体。",
        "lines": [{"asset": workshop.pk, "owner_organisation": collective(flow, 0).pk}],
    })
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    answer = api("county").patch(f"/api/assets/{workshop.pk}/",
                                 {"owner_organisation": org("dept_water").pk, "ownership_type": "state"},
                                 format="json")
    assert answer.status_code == 400 and number in answer.json()["owner_organisation"][0]
    with pytest.raises(CommandError, match=number):
        call_command("update_asset", workshop.code, "ownership_type=state", user="county", reason="x")
    assert edit_page(browser("village1"), workshop).context["form"].fields["owner_organisation"].disabled
    # fields the chain does not decide stay editable
    assert api("county").patch(f"/api/assets/{workshop.pk}/", {"caretaker": "王五"}, format="json").status_code == 200
