"""The admin holds reference data only, and its edits are in the history too."""

from __future__ import annotations

import pytest
from django.contrib import admin

from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region, User

pytestmark = pytest.mark.django_db


def test_registered_models():
    registered = admin.site._registry
    for model in (Region, Organisation, AssetCategory, User):
        assert model in registered
    for model in (Asset, Project, Household):
        assert model not in registered


def test_category_department_edit_is_in_history(client, world):
    client.force_login(world.users["admin"])
    category = AssetCategory.objects.get(code="courtyard_economy")
    url = f"/admin/assets/assetcategory/{category.pk}/change/"
    assert client.get(url).status_code == 200
    agri = Organisation.objects.get(code="agri_bureau")
    data = {
        "code": category.code, "name": category.name, "asset_class": category.asset_class,
        "default_form": category.default_form, "department": agri.pk,
        "default_depreciation_method": category.default_depreciation_method,
        "default_useful_life_years": category.default_useful_life_years or "", "sort_order": category.sort_order,
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.department == agri
    record = category.history.first()
    assert record.history_user.username == "admin" and record.history_type == "~"


def test_user_admin_with_roles(client, world):
    client.force_login(world.users["admin"])
    user = world.users["village1"]
    response = client.get(f"/admin/assets/user/{user.pk}/change/")
    assert response.status_code == 200
    assert "role_assignments-0-role" in response.content.decode()
    assert client.get("/admin/assets/region/").status_code == 200
    assert client.get("/admin/assets/asset/").status_code == 404
