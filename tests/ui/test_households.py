"""Household pages: masked ID numbers, the household's assets, forms with history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Household
from tests.factories import make_id_number
from tests.ui.helpers import page_data

pytestmark = pytest.mark.django_db


def test_list_masks_id_numbers_outside_the_users_village(login, world):
    own, other = world.households[0][0], world.households[1][0]
    content = login("township1").get(reverse("assets:household_list")).content.decode()
    for household in (own, other):  # a township official reads both villages, masked
        assert household.head_name in content
        assert household.masked_id_number in content and household.id_number not in content
    content = login("village1").get(reverse("assets:household_list")).content.decode()
    assert own.id_number in content  # the household's own village clerk sees it in full
    assert other.head_name not in content
    content = login("county").get(reverse("assets:household_list")).content.decode()
    assert own.id_number in content and world.households[3][1].id_number in content


def test_list_filters(login, world):
    client = login("county")
    response = client.get(reverse("assets:household_list"), {"region": world.townships[1].pk})
    assert {h.pk for h in response.context["object_list"]} == {h.pk for i in (2, 3) for h in world.households[i]}
    response = client.get(reverse("assets:household_list"), {"q": world.households[2][1].head_name})
    assert [h.pk for h in response.context["object_list"]] == [world.households[2][1].pk]
    response = client.get(reverse("assets:household_list"), {"is_poverty_alleviated": "true", "is_monitored": ""})
    assert len(response.context["object_list"]) == 8 and "不限" in response.content.decode()
    response = client.get(reverse("assets:household_list"), {"is_poverty_alleviated": "false"})
    assert list(response.context["object_list"]) == []


def test_detail_shows_owned_and_benefiting_assets(login, world):
    household = world.households[0][0]
    owned = [a for a in world.assets[0] if a.owner_household_id == household.pk]
    response = login("village1").get(reverse("assets:household_detail", args=[household.pk]))
    assert response.status_code == 200
    assert [a.pk for a in response.context["owned_assets"]] == [a.pk for a in owned]
    assert {a.pk for a in response.context["benefiting_assets"]} == {a.pk for a in world.assets[0]}
    assert household.id_number in response.content.decode()
    content = login("township1").get(reverse("assets:household_detail", args=[household.pk])).content.decode()
    assert household.id_number not in content and household.masked_id_number in content


def test_create_and_edit_through_the_form(login, world):
    client = login("village1")
    response = client.get(reverse("assets:household_add"))
    id_number = make_id_number(world.villages[0].code, 777)
    data = page_data(response, head_name="新户主", id_number=id_number.lower(), village=str(world.villages[0].pk),
                     members_count="5", is_poverty_alleviated="on", reason="新识别脱贫户")
    response = client.post(reverse("assets:household_add"), data)
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(id_number=id_number)  # upper-cased X
    record = household.history.get()
    assert (record.history_user.username, record.history_change_reason) == ("village1", "新识别脱贫户")

    response = client.get(reverse("assets:household_edit", args=[household.pk]))
    data = page_data(response, members_count="6", reason="新增家庭成员")
    response = client.post(reverse("assets:household_edit", args=[household.pk]), data)
    assert response.status_code == 302
    latest, previous = household.history.all()[:2]
    assert latest.history_user.username == "village1" and latest.history_change_reason == "新增家庭成员"
    assert [(c.field, c.old, c.new) for c in latest.diff_against(previous).changes] == [("members_count", 5, 6)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id_number": "WRONG-CHECK-DIGIT"}, "身份证号码校验位不正确"),
        ({"id_number": "12345"}, "请输入18位身份证号码"),
        ({"members_count": "0"}, "每户至少有一名家庭成员"),
    ],
)
def test_bad_household_input(login, world, changes, message):
    client = login("village1")
    data = page_data(client.get(reverse("assets:household_add")), head_name="错误户", village=str(world.villages[0].pk),
                     members_count="3", id_number=make_id_number(world.villages[0].code, 901))
    data.update(changes)
    if data["id_number"] == "WRONG-CHECK-DIGIT":
        valid = make_id_number(world.villages[0].code, 903)
        data["id_number"] = valid[:17] + ("1" if valid[17] != "1" else "2")
    before = Household.history.count()
    response = client.post(reverse("assets:household_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Household.history.count() == before


def test_duplicate_id_number_and_foreign_village(login, world):
    client = login("village1")
    data = page_data(client.get(reverse("assets:household_add")), head_name="重复户", village=str(world.villages[0].pk),
                     members_count="3", id_number=world.households[0][0].id_number)
    response = client.post(reverse("assets:household_add"), data)
    assert "本村已登记该身份证号的农户" in response.content.decode()  # in scope: same village
    data["id_number"] = make_id_number(world.villages[0].code, 902)
    data["village"] = str(world.villages[2].pk)
    response = client.post(reverse("assets:household_add"), data)
    assert response.context["form"].errors["village"]
    assert not Household.objects.filter(head_name="重复户").exists()
