"""Households' phones and addresses are masked for everyone but the clerk of the household's own
village, in pages, the API and the change history; the full values need an explicit, logged
"show full information" action (web and API) with a reason, and auditors read that log. Every
response with household data says ``Cache-Control: no-store, private``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Household
from tests.ui.helpers import page_data

pytestmark = pytest.mark.django_db


PHONE = "13899761234"
ADDRESS = "测试乡1测试乡11村3组12号"
MASKED_PHONE = "138****1234"
MASKED_ADDRESS = "测试乡1测试****"


def access_log():
    from assets.models import PersonalDataAccess

    return PersonalDataAccess.objects


@pytest.fixture
def household(world) -> Household:
    household = world.households[0][0]
    Household.objects.filter(pk=household.pk).update(phone=PHONE, address=ADDRESS)
    household.refresh_from_db()
    return household


def test_masks():
    from assets.personal import mask_address, mask_phone

    assert (MASKED_PHONE, MASKED_ADDRESS) == (MASKED_PHONE, MASKED_ADDRESS)
    assert mask_phone("") == mask_address("") == ""


# role -> sees the phone and address of a household of village 0 in full?
FULL_CONTACT = {"village1": True, "township1": False, "auditor": False, "county": False, "finance": False,
                "admin": False}


@pytest.mark.parametrize("role", FULL_CONTACT)
def test_api_masks_per_role(household, api, role):
    client = api(role)
    detail = client.get(f"/api/households/{household.pk}/")
    listed = {row["id"]: row for row in client.get("/api/households/?page_size=500").json()["results"]}
    body = detail.json()
    if FULL_CONTACT[role]:
        assert (body["phone"], body["address"]) == (PHONE, ADDRESS)
    else:
        assert (body["phone"], body["address"]) == (MASKED_PHONE, MASKED_ADDRESS)
        assert PHONE not in detail.content.decode() and ADDRESS not in detail.content.decode()
    assert (listed[household.pk]["phone"], listed[household.pk]["address"]) == (body["phone"], body["address"])
    assert "no-store" in detail["Cache-Control"] and "private" in detail["Cache-Control"]


@pytest.mark.parametrize("role", FULL_CONTACT)
def test_pages_mask_per_role(household, login, role):
    client = login(role)
    page = client.get(reverse("assets:household_detail", args=[household.pk]))
    text = page.content.decode()
    assert (PHONE in text) == FULL_CONTACT[role]
    assert (ADDRESS in text) == FULL_CONTACT[role]
    if not FULL_CONTACT[role]:
        assert MASKED_PHONE in text and "显示完整信息" in text
    for response in (page, client.get(reverse("assets:household_list"))):
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_history_masks_contact_changes(household, login):
    client = login("village1")
    data = page_data(client.get(reverse("assets:household_edit", args=[household.pk])), phone="13512345678",
                     reason="电话变更")
    assert client.post(reverse("assets:household_edit", args=[household.pk]), data).status_code == 302
    text = login("township1").get(reverse("assets:household_detail", args=[household.pk])).content.decode()
    assert "13512345678" not in text and PHONE not in text and "135****5678" in text
    own = login("village1").get(reverse("assets:household_detail", args=[household.pk]))
    assert "13512345678" in own.content.decode()


def test_masked_values_sent_back_keep_the_stored_ones(household, login, api):
    client = login("county")
    page = client.get(reverse("assets:household_edit", args=[household.pk]))
    assert PHONE not in page.content.decode() and "no-store" in page["Cache-Control"]
    assert client.post(reverse("assets:household_edit", args=[household.pk]),
                       page_data(page, members_count="5", reason="人口变化")).status_code == 302
    household.refresh_from_db()
    assert (household.phone, household.address, household.members_count) == (PHONE, ADDRESS, 5)
    shown = api("county").get(f"/api/households/{household.pk}/").json()
    answer = api("county").put(f"/api/households/{household.pk}/", {**shown, "members_count": 6}, format="json")
    assert answer.status_code == 200, answer.json()
    household.refresh_from_db()
    assert (household.phone, household.address, household.members_count) == (PHONE, ADDRESS, 6)


def test_reveal_on_the_page_is_logged(household, login):
    client = login("township1")
    url = reverse("assets:household_reveal", args=[household.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and PHONE not in refused.content.decode()
    assert not access_log().exists()
    shown = client.post(url, {"reason": "核实帮扶对象联系方式"})
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    text = shown.content.decode()
    assert PHONE in text and ADDRESS in text and household.id_number in text
    access = access_log().get()
    assert (access.user.username, access.household_id, access.reason, access.channel) == (
        "township1", household.pk, "核实帮扶对象联系方式", "web")
    assert client.get(url).status_code == 405  # only an explicit POST shows it
    assert login("village2").post(url, {"reason": "越权查看试试"}).status_code == 404
    assert access_log().count() == 1


def test_reveal_in_the_api_is_logged(household, api):
    url = f"/api/households/{household.pk}/reveal/"
    missing = api("auditor").post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    answer = api("auditor").post(url, {"reason": "专项审计抽查"}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"id": household.pk, "id_number": household.id_number, "phone": PHONE,
                             "address": ADDRESS}
    assert "no-store" in answer["Cache-Control"]
    assert api("village2").post(url, {"reason": "越权查看试试"}, format="json").status_code == 404
    assert api("dept_water").post(url, {"reason": "越权查看试试"}, format="json").status_code == 403
    assert api("auditor").get(url).status_code == 405
    (access,) = access_log().all()
    assert (access.user.username, access.channel, access.reason) == ("auditor", "api", "专项审计抽查")


def test_auditor_reads_the_log(household, login, api):
    api("township1").post(f"/api/households/{household.pk}/reveal/", {"reason": "入户走访前核对"}, format="json")
    page = login("auditor").get(reverse("audits:personal_data_access_list"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert "township1" in text and household.head_name in text and "入户走访前核对" in text
    for name in ("township1", "village1", "county"):
        assert login(name).get(reverse("audits:personal_data_access_list")).status_code == 403


def test_asset_pages_with_beneficiary_households_are_not_stored(world, login):
    client = login("township1")
    asset = world.assets[0][0]
    for url in (reverse("assets:asset_detail", args=[asset.pk]), reverse("assets:household_duplicate_list")):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url
    assert "no-store" in login("village1").get(reverse("assets:asset_edit", args=[asset.pk]))["Cache-Control"]
