"""Creates and updates through the API: who may (201/200 and a history row naming the user,
the reason and the changed fields), who may not (403), and records outside the scope (404)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assets.models import Asset, AssetFundingLine, AssetRegistration, Household, Project
from tests.api.payloads import asset_payload, household_payload, project_payload

pytestmark = pytest.mark.django_db


def changes_of(record) -> dict[str, tuple]:
    return {change.field: (change.old, change.new) for change in record.diff_against(record.prev_record).changes}


# --- assets ----------------------------------------------------------------------------------------


def test_village_clerk_enters_an_asset_with_lines_beneficiaries_and_registrations(world, api):
    response = api("village1").post("/api/assets/", asset_payload(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    asset = Asset.objects.get(pk=body["id"])
    assert asset.code.startswith(f"ZC-{world.villages[0].code}-2021-")  # numbered by the action
    assert body["original_value"] == "50000.00" and body["net_value"] == str(asset.net_value)
    assert body["category_name"] == "安全饮水" and body["township_name"] == world.townships[0].name
    assert body["village_name"] == world.villages[0].name
    assert body["supervising_department_name"] == asset.supervising_department.name
    assert {(line["source"], line["amount"]) for line in body["funding_lines"]} == {
        ("special_poverty_fund", "30000.00"), ("xinjiang_aid", "20000.00"),
    }
    assert sorted(body["beneficiary_ids"]) == sorted(h.pk for h in world.households[0])
    assert body["registrations"][0]["number"] == "JT-2021-001"
    assert "change_reason" not in body
    assert AssetFundingLine.objects.filter(asset=asset).count() == 2
    assert AssetRegistration.objects.get(asset=asset).registered_on.isoformat() == "2021-06-30"
    (created,) = asset.history.all()
    assert created.history_type == "+"
    assert created.history_user.username == "village1"
    assert created.history_change_reason == "新建工程入账"
    # the funding lines were written in the same request: same user, reason and request id
    line_rows = AssetFundingLine.history.filter(asset_id=asset.pk)
    assert line_rows.count() == 2
    assert {row.history_request_id for row in line_rows} == {created.history_request_id}
    assert {row.history_user.username for row in line_rows} == {"village1"}


def test_reason_may_come_from_the_header(world, api):
    payload = asset_payload(world)
    del payload["change_reason"]
    # as a WSGI server passes a UTF-8 header on: decoded as Latin-1
    header = "补录".encode().decode("latin-1")
    response = api("county").post("/api/assets/", payload, format="json", HTTP_X_CHANGE_REASON=header)
    assert response.status_code == 201, response.content
    created = Asset.history.get(id=response.json()["id"])
    assert created.history_user.username == "county"
    assert created.history_change_reason == "补录"


@pytest.mark.parametrize("role", ["admin", "auditor", "dept_water", "township1", "norole"])
def test_roles_that_may_not_enter_assets_get_403(world, api, role):
    before, history = Asset.objects.count(), Asset.history.count()
    response = api(role).post("/api/assets/", asset_payload(world), format="json")
    assert response.status_code == 403
    assert (Asset.objects.count(), Asset.history.count()) == (before, history)


def test_village_clerk_edits_own_asset_with_reason_and_field_diff(world, api):
    asset = world.assets[0][0]
    response = api("village1").patch(
        f"/api/assets/{asset.pk}/",
        {"status": "idle", "caretaker": "张三", "change_reason": "年度清查：闲置"}, format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "idle"
    latest = asset.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user.username == "village1"
    assert latest.history_change_reason == "年度清查：闲置"
    changes = changes_of(latest)
    assert changes["status"] == ("in_use", "idle")
    assert changes["caretaker"] == ("", "张三")
    assert "name" not in changes and "original_value" not in changes
    # lines not sent are left alone
    assert AssetFundingLine.objects.filter(asset=asset).count() == 1


def test_county_replaces_funding_lines_and_value(world, api):
    asset = world.assets[1][1]
    response = api("county").patch(f"/api/assets/{asset.pk}/", {
        "original_value": "120000.00",
        "funding_lines": [{"source": "special_poverty_fund", "amount": "100000.00"},
                          {"source": "social_donation", "amount": "20000.00"}],
        "change_reason": "竣工决算",
    }, format="json")
    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert asset.original_value == Decimal("120000.00")
    assert dict(asset.funding_lines.values_list("source", "amount")) == {
        "special_poverty_fund": Decimal("100000.00"), "social_donation": Decimal("20000.00"),
    }
    latest = asset.history.latest()
    assert latest.history_user.username == "county"
    assert changes_of(latest)["original_value"] == (Decimal("100000.00"), Decimal("120000.00"))


def test_full_update_with_put(world, api):
    client = api("finance")
    asset = world.assets[2][0]
    current = client.get(f"/api/assets/{asset.pk}/").json()
    current.update(name="更名后的饮水工程", change_reason="名称更正")
    response = client.put(f"/api/assets/{asset.pk}/", current, format="json")
    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert asset.name == "更名后的饮水工程"
    latest = asset.history.latest()
    assert latest.history_user.username == "finance"
    assert changes_of(latest)["name"][1] == "更名后的饮水工程"


def test_other_villages_asset_is_404_for_a_clerk_and_403_for_readers(world, api):
    asset = world.assets[2][0]
    before = asset.history.count()
    assert api("village1").patch(f"/api/assets/{asset.pk}/", {"caretaker": "x"}, format="json").status_code == 404
    assert api("village1b").put(f"/api/assets/{asset.pk}/", {}, format="json").status_code == 404
    assert api("township2").patch(f"/api/assets/{asset.pk}/", {"caretaker": "x"}, format="json").status_code == 403
    assert api("auditor").patch(f"/api/assets/{asset.pk}/", {"caretaker": "x"}, format="json").status_code == 403
    assert asset.history.count() == before


# --- households ------------------------------------------------------------------------------------


def test_village_clerk_enters_and_edits_a_household(world, api):
    client = api("village1")
    payload = household_payload(world)
    response = client.post("/api/households/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == payload["id_number"]  # own village: shown in full
    household = Household.objects.get(pk=body["id"])
    assert household.township_id == world.townships[0].pk
    created = household.history.get()
    assert (created.history_user.username, created.history_change_reason) == ("village1", "新增脱贫户")
    response = client.patch(f"/api/households/{household.pk}/", {"members_count": 6, "is_monitored": True,
                                                                 "change_reason": "人口变化"}, format="json")
    assert response.status_code == 200, response.content
    latest = household.history.latest()
    assert latest.history_change_reason == "人口变化"
    assert changes_of(latest)["members_count"] == (5, 6)


@pytest.mark.parametrize("role", ["admin", "auditor", "dept_water", "township1"])
def test_roles_that_may_not_enter_households_get_403(world, api, role):
    before = Household.objects.count()
    assert api(role).post("/api/households/", household_payload(world), format="json").status_code == 403
    household = world.households[0][0]
    assert api(role).patch(f"/api/households/{household.pk}/", {"address": "x"}, format="json").status_code == 403
    assert Household.objects.count() == before


def test_other_villages_household_is_404(world, api):
    household = world.households[2][0]
    before = household.history.count()
    response = api("village1").patch(f"/api/households/{household.pk}/", {"address": "x"}, format="json")
    assert response.status_code == 404
    assert household.history.count() == before


# --- projects --------------------------------------------------------------------------------------


def test_county_enters_and_finance_edits_a_project(world, api):
    response = api("county").post("/api/projects/", project_payload(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    project = Project.objects.get(pk=body["id"])
    assert body["covered_region_ids"] == [world.villages[0].pk]
    assert body["total_investment"] == "800000.00"
    assert project.funding_lines.count() == 2
    # the covered regions (a tracked many-to-many) add a second row in the same request
    rows = list(project.history.all())
    assert rows[-1].history_type == "+"
    assert {(row.history_user.username, row.history_change_reason) for row in rows} == {("county", "项目入库")}
    assert len({row.history_request_id for row in rows}) == 1
    response = api("finance").patch(f"/api/projects/{project.pk}/", {
        "final_accounts_done": True, "final_accounts_amount": "790000.00", "change_reason": "决算完成",
    }, format="json")
    assert response.status_code == 200, response.content
    latest = project.history.latest()
    assert (latest.history_user.username, latest.history_change_reason) == ("finance", "决算完成")
    assert changes_of(latest)["final_accounts_done"] == (False, True)


@pytest.mark.parametrize("role", ["admin", "auditor", "dept_water", "township1", "village1"])
def test_roles_that_may_not_enter_projects_get_403(world, api, role):
    before = Project.objects.count()
    assert api(role).post("/api/projects/", project_payload(world), format="json").status_code == 403
    project = world.projects[0]
    history = project.history.count()
    assert api(role).patch(f"/api/projects/{project.pk}/", {"description": "x"}, format="json").status_code == 403
    assert Project.objects.count() == before
    assert project.history.count() == history
