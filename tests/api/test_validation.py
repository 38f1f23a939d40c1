"""Bad input: each invalid field answers 400 with an error under that field's name, and nothing
is saved (row counts and history unchanged). DRF's and Django's own messages come out in the
default language, Simplified Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assets.models import (
    Asset,
    AssetCategory,
    AssetFundingLine,
    AssetRegistration,
    Household,
    Organisation,
    Project,
    ProjectFundingLine,
)
from tests.api.payloads import asset_payload, household_payload, project_payload
from tests.factories import World

pytestmark = pytest.mark.django_db

Spoil = Callable[[World], dict[str, Any]]


def snapshot() -> tuple[int, ...]:
    return (
        Asset.objects.count(), Asset.history.count(), AssetFundingLine.objects.count(),
        AssetFundingLine.history.count(), AssetRegistration.objects.count(), Household.objects.count(),
        Household.history.count(), Project.objects.count(), Project.history.count(),
        ProjectFundingLine.objects.count(),
    )


def lines(*amounts: tuple[str, str]) -> list[dict[str, str]]:
    return [{"source": source, "amount": amount} for source, amount in amounts]


# (field expected in the error, changes to a valid body)
ASSET_CASES: dict[str, tuple[str, Spoil]] = {
    "negative original value": ("original_value", lambda w: {
        "original_value": "-1.00", "funding_lines": lines(("special_poverty_fund", "-1.00"))}),
    "year before 2013": ("year_formed", lambda w: {"year_formed": 2012}),
    "year before the project's year": ("year_formed", lambda w: {"year_formed": 2019}),
    "funding lines not adding up": ("funding_lines", lambda w: {
        "funding_lines": lines(("special_poverty_fund", "30000.00"), ("xinjiang_aid", "10000.00"))}),
    "no funding line": ("funding_lines", lambda w: {"funding_lines": []}),
    "duplicate funding source": ("funding_lines", lambda w: {
        "funding_lines": lines(("special_poverty_fund", "25000.00"), ("special_poverty_fund", "25000.00"))}),
    "negative funding line": ("funding_lines", lambda w: {
        "funding_lines": lines(("special_poverty_fund", "60000.00"), ("xinjiang_aid", "-10000.00"))}),
    "unknown funding source": ("funding_lines", lambda w: {"funding_lines": lines(("lottery", "50000.00"))}),
    "duplicate code": ("code", lambda w: {"code": w.assets[2][0].code}),
    "region outside scope": ("region", lambda w: {"region": w.villages[2].pk}),
    "unknown region": ("region", lambda w: {"region": 999999}),
    "category of another class": ("category", lambda w: {
        "category": AssetCategory.objects.get(code="workshop").pk}),
    "project outside scope": ("project", lambda w: {"project": w.projects[2].pk}),
    "owner household outside scope": ("owner_household", lambda w: {
        "ownership_type": "household", "owner_organisation": None, "owner_household": w.households[2][0].pk}),
    "two owners": ("owner_household", lambda w: {"owner_household": w.households[0][0].pk}),
    "owner organisation outside scope": ("owner_organisation", lambda w: {
        "owner_organisation": Organisation.objects.get(code=f"col-{w.villages[2].code}").pk}),
    "beneficiary outside scope": ("beneficiary_ids", lambda w: {
        "beneficiary_ids": [w.households[0][0].pk, w.households[2][0].pk]}),
    "contract ends before it starts": ("contract_end", lambda w: {
        "contract_start": "2023-01-01", "contract_end": "2022-12-31"}),
    "quantity zero": ("quantity", lambda w: {"quantity": "0"}),
    "negative maintenance funding": ("maintenance_funding", lambda w: {"maintenance_funding": "-5.00"}),
    "registration before 2013": ("registrations", lambda w: {
        "registrations": [{"system": "collective_platform", "number": "X", "registered_on": "2012-12-31"}]}),
    "unknown status": ("status", lambda w: {"status": "lost"}),
    "missing name": ("name", lambda w: {"name": ""}),
}


@pytest.mark.parametrize("case", ASSET_CASES)
def test_invalid_asset_create(world, api, case):
    field, spoil = ASSET_CASES[case]
    before = snapshot()
    response = api("village1").post("/api/assets/", asset_payload(world, **spoil(world)), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert errors[field], errors
    assert snapshot() == before


UPDATE_CASES = {
    "negative original value": ("original_value", {"original_value": "-100.00"}),
    "year before 2013": ("year_formed", {"year_formed": 2012}),
    "value not matching the lines": ("funding_lines", {"original_value": "99999.00"}),
    "region outside scope": ("region", "other village"),
    "category of another class": ("category", "workshop"),
    "duplicate code": ("code", "other code"),
    "duplicate funding source": ("funding_lines", {"funding_lines": lines(
        ("special_poverty_fund", "50000.00"), ("special_poverty_fund", "50000.00"))}),
}


@pytest.mark.parametrize("case", UPDATE_CASES)
def test_invalid_asset_update(world, api, case):
    field, change = UPDATE_CASES[case]
    asset = world.assets[0][0]  # drinking water, village 0, 100,000.00 yuan
    if change == "other village":
        change = {"region": world.villages[2].pk}
    elif change == "workshop":
        change = {"category": AssetCategory.objects.get(code="workshop").pk}
    elif change == "other code":
        change = {"code": world.assets[3][1].code}
    before, stored = snapshot(), Asset.objects.values().get(pk=asset.pk)
    response = api("village1").patch(f"/api/assets/{asset.pk}/", change, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before
    assert Asset.objects.values().get(pk=asset.pk) == stored


HOUSEHOLD_CASES: dict[str, tuple[str, Spoil]] = {
    "bad check digit": ("id_number", lambda w: {
        "id_number": household_payload(w)["id_number"][:17] + ("0" if household_payload(w)["id_number"][17] != "0"
                                                               else "1")}),
    "short id number": ("id_number", lambda w: {"id_number": "65312719800101"}),
    "duplicate id number": ("id_number", lambda w: {"id_number": w.households[0][0].id_number}),
    "village outside scope": ("village", lambda w: {"village": w.villages[2].pk}),
    "a township is not a village": ("village", lambda w: {"village": w.townships[0].pk}),
    "no members": ("members_count", lambda w: {"members_count": 0}),
    "missing head": ("head_name", lambda w: {"head_name": ""}),
}


@pytest.mark.parametrize("case", HOUSEHOLD_CASES)
def test_invalid_household(world, api, case):
    field, spoil = HOUSEHOLD_CASES[case]
    before = snapshot()
    response = api("village1").post("/api/households/", household_payload(world, **spoil(world)), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


PROJECT_CASES: dict[str, tuple[str, Spoil]] = {
    "year before 2013": ("year", lambda w: {"year": 2012}),
    "negative investment": ("total_investment", lambda w: {"total_investment": "-1.00"}),
    "funding lines not adding up": ("funding_lines", lambda w: {
        "funding_lines": lines(("revitalization_subsidy", "500000.00"))}),
    "duplicate funding source": ("funding_lines", lambda w: {"funding_lines": lines(
        ("revitalization_subsidy", "400000.00"), ("revitalization_subsidy", "400000.00"))}),
    "duplicate code": ("code", lambda w: {"code": w.projects[1].code}),
    "final accounts done without amount": ("final_accounts_amount", lambda w: {"final_accounts_done": True}),
    "negative final accounts": ("final_accounts_amount", lambda w: {"final_accounts_amount": "-3.00"}),
    "unknown covered region": ("covered_region_ids", lambda w: {"covered_region_ids": [999999]}),
    "unknown implementing unit": ("implementing_organisation", lambda w: {"implementing_organisation": 999999}),
}


@pytest.mark.parametrize("case", PROJECT_CASES)
def test_invalid_project(world, api, case):
    field, spoil = PROJECT_CASES[case]
    before = snapshot()
    response = api("county").post("/api/projects/", project_payload(world, **spoil(world)), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


def test_messages_are_chinese_by_default_and_english_on_request(world, api):
    client = api("village1")
    response = client.post("/api/assets/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == ["该字段是必填项。"]
    response = client.post("/api/assets/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["name"] == ["This field is required."]
    wrong_type = client.post("/api/assets/", asset_payload(world, year_formed="二〇二一"), format="json")
    assert wrong_type.json()["year_formed"] == ["请填写合法的整数值。"]


def test_errors_are_json_objects_of_lists(world, api):
    response = api("village1").post("/api/assets/", asset_payload(world, original_value="-1", year_formed=2012),
                                    format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"original_value", "year_formed"} <= errors.keys()
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages)
               for messages in errors.values())
