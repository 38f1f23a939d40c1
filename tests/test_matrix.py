"""The role × action matrix: every role against list, detail, create, edit and the API of every
model, on a record inside its scope and one outside (expected: 200, 403 or 404).

The expectations are written out by hand from the roles of 五 and the issue, not derived from the code
under test. Village 0 and 1 are in township 0; village 2 is in township 1. The "inside" asset is
village 0's drinking-water asset (supervised by 水利局); the "outside" asset is village 2's
workshop (supervised by 商工局).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["admin", "county", "finance", "auditor", "dept_water", "township1", "village1", "village2", "norole"]

# role: (list, detail inside, detail outside, add, edit inside, edit outside)
ASSET = {
    "admin": (200, 200, 200, 403, 403, 403),
    "county": (200, 200, 200, 200, 200, 200),
    "finance": (200, 200, 200, 200, 200, 200),
    "auditor": (200, 200, 200, 403, 403, 403),
    "dept_water": (200, 200, 404, 403, 403, 403),
    "township1": (200, 200, 404, 403, 403, 403),
    "village1": (200, 200, 404, 200, 200, 404),
    "village2": (200, 404, 200, 200, 404, 200),
    "norole": (403, 403, 403, 403, 403, 403),
}
HOUSEHOLD = {
    "admin": (200, 200, 200, 403, 403, 403),
    "county": (200, 200, 200, 200, 200, 200),
    "finance": (200, 200, 200, 200, 200, 200),
    "auditor": (200, 200, 200, 403, 403, 403),
    "dept_water": (403, 403, 403, 403, 403, 403),
    "township1": (200, 200, 404, 403, 403, 403),
    "village1": (200, 200, 404, 200, 200, 404),
    "village2": (200, 404, 200, 200, 404, 200),
    "norole": (403, 403, 403, 403, 403, 403),
}
PROJECT = {
    "admin": (200, 200, 200, 403, 403, 403),
    "county": (200, 200, 200, 200, 200, 200),
    "finance": (200, 200, 200, 200, 200, 200),
    "auditor": (200, 200, 200, 403, 403, 403),
    # both projects formed a drinking-water asset, which 水利局 supervises
    "dept_water": (200, 200, 200, 403, 403, 403),
    "township1": (200, 200, 404, 403, 403, 403),
    "village1": (200, 200, 404, 403, 403, 403),
    "village2": (200, 404, 200, 403, 403, 403),
    "norole": (403, 403, 403, 403, 403, 403),
}
# reference data: (list, detail inside, detail outside); writes only through the admin
REGION = {
    "admin": (200, 200, 200),
    "county": (200, 200, 200),
    "finance": (200, 200, 200),
    "auditor": (200, 200, 200),
    "dept_water": (200, 200, 200),
    "township1": (200, 200, 404),
    "village1": (200, 200, 404),
    "village2": (200, 404, 200),
    "norole": (403, 403, 403),
}

MODELS = {"asset": ASSET, "household": HOUSEHOLD, "project": PROJECT}


def targets(world, model: str):
    if model == "asset":
        return world.assets[0][0], world.assets[2][1]
    if model == "household":
        return world.households[0][0], world.households[2][0]
    return world.projects[0], world.projects[2]


def web_client(client, world, role):
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS)
def test_web_pages(client, world, model, role):
    inside, outside = targets(world, model)
    web_client(client, world, role)
    got = (
        client.get(reverse(f"assets:{model}_list")).status_code,
        client.get(reverse(f"assets:{model}_detail", args=[inside.pk])).status_code,
        client.get(reverse(f"assets:{model}_detail", args=[outside.pk])).status_code,
        client.get(reverse(f"assets:{model}_add")).status_code,
        client.get(reverse(f"assets:{model}_edit", args=[inside.pk])).status_code,
        client.get(reverse(f"assets:{model}_edit", args=[outside.pk])).status_code,
    )
    assert got == MODELS[model][role]


def api_client(world, role) -> APIClient:
    api = APIClient()
    response = api.post("/api/auth/token/", {"username": role, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS)
def test_api_endpoints(world, model, role):
    inside, outside = targets(world, model)
    api = api_client(world, role)
    base = f"/api/{model}s/"
    expected = MODELS[model][role]
    got_read = (
        api.get(base).status_code,
        api.get(f"{base}{inside.pk}/").status_code,
        api.get(f"{base}{outside.pk}/").status_code,
    )
    assert got_read == expected[:3]
    # edits: a PATCH that changes one harmless text field, with a reason
    field = {"asset": "remarks", "household": "address", "project": "description"}[model]
    got_edit = []
    for obj in (inside, outside):
        before = obj.history.count()
        response = api.patch(f"{base}{obj.pk}/", {field: f"matrix {role}", "change_reason": "矩阵测试"}, format="json")
        got_edit.append(response.status_code)
        if response.status_code == 200:
            latest = obj.history.latest()
            assert obj.history.count() == before + 1
            assert latest.history_user.username == role
            assert latest.history_change_reason == "矩阵测试"
        else:
            assert obj.history.count() == before
    assert tuple(got_edit) == expected[4:]
    assert api.delete(f"{base}{inside.pk}/").status_code in (403, 404, 405)
    assert type(inside).objects.filter(pk=inside.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_api_reference_data(world, role):
    api = api_client(world, role)
    expected = REGION[role]
    got = (
        api.get("/api/regions/").status_code,
        api.get(f"/api/regions/{world.villages[0].pk}/").status_code,
        api.get(f"/api/regions/{world.villages[2].pk}/").status_code,
    )
    assert got == expected
    # reference data is edited in the admin only
    assert api.post("/api/regions/", {"code": "1", "name": "x", "level": "village"}, format="json").status_code in (
        403, 405,
    )
    assert api.post("/api/organisations/", {"code": "x", "name": "x"}, format="json").status_code in (403, 405)
    assert api.get("/api/organisations/").status_code == (403 if role == "norole" else 200)
    assert api.get("/api/categories/").status_code == (403 if role == "norole" else 200)


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("assets:asset_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert APIClient().get("/api/assets/").status_code in (401, 403)
