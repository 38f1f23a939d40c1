"""Every endpoint for every role: the list holds exactly the rows of the role's scope, a record
inside answers 200 and one outside 404, a role without the permission 403, DELETE 405.

The expected sets are written from the world's layout, not from assets/scoping.py:
villages 0 and 1 are in township 0, villages 2 and 3 in township 1; each village has two assets
(a drinking-water asset supervised by 水利局, and a workshop), two households and one project.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region
from tests.factories import World

pytestmark = pytest.mark.django_db

ROLES = ["admin", "county", "finance", "auditor", "dept_water", "township1", "township2", "village1", "village1b",
         "village2", "norole"]
COUNTY_WIDE = {"admin", "county", "finance", "auditor"}
VILLAGES_OF = {"township1": (0, 1), "township2": (2, 3), "village1": (0,), "village1b": (1,), "village2": (2,)}
FORBIDDEN = 403


def asset_scope(world: World, role: str) -> set[int] | int:
    if role == "norole":
        return FORBIDDEN
    if role in COUNTY_WIDE:
        return set(Asset.objects.values_list("pk", flat=True))
    if role == "dept_water":
        return {assets[0].pk for assets in world.assets.values()}  # the drinking-water one of each village
    return {asset.pk for i in VILLAGES_OF[role] for asset in world.assets[i]}


def household_scope(world: World, role: str) -> set[int] | int:
    if role in ("norole", "dept_water"):  # departments do not read households
        return FORBIDDEN
    if role in COUNTY_WIDE:
        return set(Household.objects.values_list("pk", flat=True))
    return {household.pk for i in VILLAGES_OF[role] for household in world.households[i]}


def project_scope(world: World, role: str) -> set[int] | int:
    if role == "norole":
        return FORBIDDEN
    if role in COUNTY_WIDE or role == "dept_water":  # every project formed a drinking-water asset
        return set(Project.objects.values_list("pk", flat=True))
    return {world.projects[i].pk for i in VILLAGES_OF[role]}


def region_scope(world: World, role: str) -> set[int] | int:
    if role == "norole":
        return FORBIDDEN
    if role in COUNTY_WIDE or role == "dept_water":
        return set(Region.objects.values_list("pk", flat=True))
    villages = VILLAGES_OF[role]
    township = world.townships[0] if villages[0] < 2 else world.townships[1]
    return {world.county.pk, township.pk} | {world.villages[i].pk for i in villages}


def organisation_scope(world: World, role: str) -> set[int] | int:
    if role == "norole":
        return FORBIDDEN
    everything = set(Organisation.objects.values_list("pk", flat=True))
    if role in COUNTY_WIDE or role == "dept_water":
        return everything
    county_level = set(Organisation.objects.filter(region=world.county).values_list("pk", flat=True))
    return county_level | set(
        Organisation.objects.filter(region__in=region_scope(world, role)).exclude(region=world.county)
        .values_list("pk", flat=True)
    )


def category_scope(world: World, role: str) -> set[int] | int:
    return FORBIDDEN if role == "norole" else set(AssetCategory.objects.values_list("pk", flat=True))


ENDPOINTS = {
    "assets": (Asset, asset_scope),
    "households": (Household, household_scope),
    "projects": (Project, project_scope),
    "regions": (Region, region_scope),
    "organisations": (Organisation, organisation_scope),
    "categories": (AssetCategory, category_scope),
}


def listed_ids(client: APIClient, url: str) -> set[int]:
    ids: set[int] = set()
    next_url: str | None = f"{url}?page_size=500"
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        next_url = body["next"]
    return ids


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_list_and_detail_follow_the_scope(world, api, role, endpoint):
    model, scope = ENDPOINTS[endpoint]
    expected = scope(world, role)
    client = api(role)
    url = f"/api/{endpoint}/"
    every_row = list(model.objects.values_list("pk", flat=True))
    if expected == FORBIDDEN:
        assert client.get(url).status_code == 403
        assert client.get(f"{url}{every_row[0]}/").status_code == 403
        return
    assert expected, "each role sees something of every endpoint it may read"
    assert listed_ids(client, url) == expected
    for pk in every_row:
        response = client.get(f"{url}{pk}/")
        assert response.status_code == (200 if pk in expected else 404), (pk, response.content)
        if response.status_code == 200:
            assert response.json()["id"] == pk


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_delete_is_not_offered(world, api, endpoint):
    model, _scope = ENDPOINTS[endpoint]
    obj = model.objects.first()
    client = api("county")
    before = model.objects.count()
    assert client.delete(f"/api/{endpoint}/{obj.pk}/").status_code == 405
    assert client.delete(f"/api/{endpoint}/").status_code == 405
    assert model.objects.count() == before


@pytest.mark.parametrize("endpoint", ["regions", "organisations", "categories"])
def test_reference_data_is_read_only_for_everyone(world, api, endpoint):
    model, _scope = ENDPOINTS[endpoint]
    obj = model.objects.first()
    before = model.objects.count()
    for role in ("admin", "county"):
        client = api(role)
        assert client.post(f"/api/{endpoint}/", {"code": "x", "name": "x"}, format="json").status_code == 405
        assert client.patch(f"/api/{endpoint}/{obj.pk}/", {"name": "x"}, format="json").status_code == 405
    assert model.objects.count() == before


def test_filters_narrow_the_scoped_list(world, api):
    county = api("county")
    township = world.townships[0]
    by_township = {row["id"] for row in county.get(f"/api/assets/?region={township.pk}").json()["results"]}
    assert by_township == {a.pk for i in (0, 1) for a in world.assets[i]}
    by_village = {row["id"] for row in county.get(f"/api/assets/?region={world.villages[2].pk}").json()["results"]}
    assert by_village == {a.pk for a in world.assets[2]}
    water = {row["id"] for row in county.get("/api/assets/?asset_class=public_benefit").json()["results"]}
    assert water == {assets[0].pk for assets in world.assets.values()}
    target = world.assets[3][1]
    found = county.get("/api/assets/", {"q": target.code}).json()["results"]
    assert [row["id"] for row in found] == [target.pk]
    assert county.get("/api/assets/", {"status": "idle"}).json()["count"] == 0
    assert county.get("/api/assets/", {"funding_source": "special_poverty_fund"}).json()["count"] == 8
    # a filter never widens the scope: village1 asking for village 2 gets nothing
    village1 = api("village1")
    assert village1.get("/api/assets/", {"region": world.villages[2].pk}).json()["count"] == 0
    households = county.get("/api/households/", {"region": world.villages[1].pk}).json()["results"]
    assert {row["id"] for row in households} == {h.pk for h in world.households[1]}
    projects = county.get("/api/projects/", {"region": township.pk}).json()["results"]
    assert {row["id"] for row in projects} == {world.projects[0].pk, world.projects[1].pk}
    villages = county.get("/api/regions/", {"parent": township.pk}).json()["results"]
    assert {row["id"] for row in villages} == {world.villages[0].pk, world.villages[1].pk}


@pytest.mark.parametrize(("role", "offered"), [("village1", ["POST"]), ("township1", []), ("auditor", [])])
def test_options_and_browsable_api_offer_writes_only_to_roles_that_may(world, api, session_api, role, offered):
    assert list(api(role).options("/api/assets/").json().get("actions", {})) == offered
    page = session_api(role).get("/api/assets/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert ('method="POST"' in page.content.decode()) == bool(offered)
