"""ID numbers cannot be probed: entering a household whose ID number is registered in another
village answers exactly as for a new number (no "已存在"), saves the household, and opens a case
for the townships concerned and the county. A duplicate in the clerk's own village is refused
with a clear message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Household
from tests.factories import make_id_number
from tests.ui.helpers import page_data

pytestmark = pytest.mark.django_db


def cases():
    from assets.models import HouseholdDuplicateCase

    return HouseholdDuplicateCase.objects


def payload(world, village_index: int, id_number: str, head: str) -> dict:
    return {"head_name": head, "id_number": id_number, "village": world.villages[village_index].pk,
            "members_count": 3, "is_poverty_alleviated": True}


def test_api_answer_is_the_same_for_a_number_registered_elsewhere(world, api):
    """village2 (another township) enters the ID number of a household of village 0."""
    existing = world.households[0][0]
    clerk = api("village2")
    fresh = clerk.post("/api/households/", payload(world, 2, make_id_number(world.villages[2].code, 4401), "新户"),
                       format="json")
    duplicate = clerk.post("/api/households/", payload(world, 2, existing.id_number, "重复户"), format="json")
    assert fresh.status_code == duplicate.status_code == 201, duplicate.content
    assert set(fresh.json()) == set(duplicate.json())
    body = duplicate.content.decode()
    for secret in (existing.head_name, world.villages[0].name, "duplicate", "已存在", "重复"):
        assert secret not in body.replace("重复户", "")
    saved = Household.objects.get(pk=duplicate.json()["id"])
    assert saved.duplicate_case_open and Household.objects.get(pk=existing.pk).duplicate_case_open
    case = cases().get()
    assert (case.household_id, case.other_household_id, case.status) == (saved.pk, existing.pk, "open")
    assert case.history.count() == 1 and case.history.first().history_user.username == "village2"


def test_web_form_answer_is_the_same_and_the_case_goes_to_both_townships(world, login):
    existing = world.households[0][0]
    client = login("village2")
    data = page_data(client.get(reverse("assets:household_add")), head_name="重复户", village=str(world.villages[2].pk),
                     members_count="3", id_number=existing.id_number)
    response = client.post(reverse("assets:household_add"), data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert existing.head_name not in page and "重复" not in page.replace("重复户", "")
    case = cases().get()

    # the townships concerned and the county see it; the clerks do not
    for name in ("township1", "township2", "county", "auditor"):
        client = login(name)
        listing = client.get(reverse("assets:household_duplicate_list"))
        assert listing.status_code == 200 and f"#{case.pk}" in listing.content.decode(), name
        assert client.get(reverse("assets:household_duplicate_detail", args=[case.pk])).status_code == 200
    for name in ("village1", "village2", "dept_water"):
        assert login(name).get(reverse("assets:household_duplicate_list")).status_code == 403
    # the township sees it flagged on the household page
    assert "身份证号重复待核实" in login("township1").get(
        reverse("assets:household_detail", args=[existing.pk])).content.decode()


def test_a_case_inside_one_township_is_not_shown_to_another_township(world, login, api):
    existing = world.households[0][0]
    answer = api("village1b").post("/api/households/", payload(world, 1, existing.id_number, "同乡重复户"),
                                   format="json")
    assert answer.status_code == 201
    case = cases().get()
    assert login("township1").get(reverse("assets:household_duplicate_detail", args=[case.pk])).status_code == 200
    assert login("township2").get(reverse("assets:household_duplicate_detail", args=[case.pk])).status_code == 404
    assert f"#{case.pk}" not in login("township2").get(reverse("assets:household_duplicate_list")).content.decode()


def test_same_village_duplicate_is_refused_clearly(world, api, login):
    existing = world.households[0][0]
    before = Household.objects.count()
    answer = api("village1").post("/api/households/", payload(world, 0, existing.id_number, "重复户"), format="json")
    assert answer.status_code == 400
    assert "本村已登记该身份证号的农户" in answer.json()["id_number"][0]
    # an edit to a number of the same village, too
    other = world.households[0][1]
    edit = api("village1").patch(f"/api/households/{other.pk}/", {"id_number": existing.id_number}, format="json")
    assert edit.status_code == 400 and "id_number" in edit.json()
    assert Household.objects.count() == before and not cases().exists()


def test_township_resolves_the_case_with_history(world, login, api):
    existing = world.households[0][0]
    api("village2").post("/api/households/", payload(world, 2, existing.id_number, "重复户"), format="json")
    case = cases().get()
    url = reverse("assets:household_duplicate_detail", args=[case.pk])
    client = login("township2")
    assert client.post(url, {"resolution": ""}).status_code == 400
    assert login("auditor").post(url, {"resolution": "x"}).status_code == 403
    assert client.post(url, {"resolution": "经核实为同一人，已迁户，原户注销。"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_by.username == "township2"
    assert case.history.count() == 2
    assert not Household.objects.filter(duplicate_case_open=True).exists()


def test_importer_helpers(world):
    """For the household importer: refuse only same-village duplicates, open cases for the rest."""
    from assets.duplicates import register_duplicate_cases, same_village_duplicates

    existing = world.households[0][0]
    pairs = [(world.villages[0].pk, existing.id_number.lower()), (world.villages[2].pk, existing.id_number)]
    assert same_village_duplicates(pairs) == {(world.villages[0].pk, existing.id_number)}
    imported = Household.objects.create(head_name="导入户", id_number=existing.id_number, village=world.villages[2],
                                        members_count=2)
    cases = register_duplicate_cases([imported], acting_user=world.user("county"))
    assert len(cases) == 1 and cases[0].other_household_id == existing.pk
    assert register_duplicate_cases([imported], acting_user=world.user("county")) == []  # one open case per pair
