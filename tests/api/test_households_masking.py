"""Household ID numbers are personal information: full only for the household's own village
clerk and the county roles, masked (first four, last four) for everyone else, in lists and
details alike; writes take the full number."""

from __future__ import annotations

import pytest

from assets.validators import mask_id_number

pytestmark = pytest.mark.django_db

# role -> sees the full number of a household in village 0?
FULL_FOR_VILLAGE0 = {
    "admin": True,
    "county": True,
    "finance": True,
    "auditor": True,
    "township1": False,  # reads the township's households, masked
    "village1": True,  # the household's own village clerk
}


@pytest.mark.parametrize("role", FULL_FOR_VILLAGE0)
def test_id_number_per_role(world, api, role):
    household = world.households[0][0]
    client = api(role)
    detail = client.get(f"/api/households/{household.pk}/").json()["id_number"]
    listed = {row["id"]: row["id_number"] for row in client.get("/api/households/?page_size=500").json()["results"]}
    if FULL_FOR_VILLAGE0[role]:
        assert detail == household.id_number
    else:
        assert detail == mask_id_number(household.id_number)
        assert detail[:4] == household.id_number[:4] and detail[-4:] == household.id_number[-4:]
        assert set(detail[4:-4]) == {"*"}
    assert listed[household.pk] == detail


def test_clerk_of_another_village_in_the_same_township_cannot_read_it_at_all(world, api):
    household = world.households[0][0]
    assert api("village1b").get(f"/api/households/{household.pk}/").status_code == 404
    # and sees its own village's numbers in full
    own = world.households[1][0]
    assert api("village1b").get(f"/api/households/{own.pk}/").json()["id_number"] == own.id_number
    assert api("township1").get(f"/api/households/{own.pk}/").json()["id_number"] == mask_id_number(own.id_number)


def test_masked_numbers_never_leak_through_other_endpoints(world, api):
    client = api("township1")
    body = client.get("/api/assets/?page_size=500").content.decode()
    for index in (0, 1):
        for household in world.households[index]:
            assert household.id_number not in body
