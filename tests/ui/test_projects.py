"""Project pages: scoped assets on the detail page, county-only forms with funding lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assets.actions import do_create_asset, do_create_project
from assets.models import AssetCategory, Organisation, Project, ProjectFundingLine
from tests.ui.helpers import page_data

pytestmark = pytest.mark.django_db


def cross_village_project(world):
    """A county project covering villages 0 and 2 with one asset in each."""
    county = world.user("county")
    project = do_create_project(
        {"code": "XM-CROSS", "name": "跨村饮水工程", "year": 2021, "region": world.county,
         "implementing_organisation": Organisation.objects.get(code="dept_water"),
         "total_investment": Decimal("200000.00")},
        funding_lines=[{"source": "integrated_agri_fund", "amount": "200000.00"}],
        covered_region_ids=[world.villages[0].pk, world.villages[2].pk], acting_user=county,
    )
    water = AssetCategory.objects.get(code="drinking_water")
    for index in (0, 2):
        village = world.villages[index]
        do_create_asset(
            {"name": f"{village.name}饮水管网", "asset_class": "public_benefit", "category": water, "form": "fixed",
             "region": village, "project": project, "year_formed": 2021, "valuation_basis": "actual_expenditure",
             "original_value": Decimal("100000.00"), "useful_life_years": 20, "ownership_type": "collective",
             "owner_organisation": Organisation.objects.get(code=f"col-{village.code}")},
            funding_lines=[{"source": "integrated_agri_fund", "amount": "100000.00"}], acting_user=county,
        )
    return project


def test_detail_lists_only_assets_in_scope(login, world):
    project = cross_village_project(world)
    response = login("village1").get(reverse("assets:project_detail", args=[project.pk]))
    assert response.status_code == 200
    assert [a.region_id for a in response.context["assets"]] == [world.villages[0].pk]
    content = response.content.decode()
    for text in ("XM-CROSS", "统筹整合使用财政涉农资金", "200,000.00", world.villages[2].name):
        assert text in content  # covered regions are listed, the other village's asset is not
    assert f"{world.villages[2].name}饮水管网" not in content
    response = login("county").get(reverse("assets:project_detail", args=[project.pk]))
    assert len(response.context["assets"]) == 2


def test_list_filters(login, world):
    client = login("county")
    response = client.get(reverse("assets:project_list"), {"region": world.townships[0].pk})
    assert {p.pk for p in response.context["object_list"]} == {world.projects[0].pk, world.projects[1].pk}
    response = client.get(reverse("assets:project_list"), {"q": world.projects[3].code})
    assert [p.pk for p in response.context["object_list"]] == [world.projects[3].pk]
    assert login("village1").get(reverse("assets:project_list")).context["may_add"] is False


def project_form_data(client, world, **changes):
    response = client.get(reverse("assets:project_add"))
    assert response.status_code == 200
    data = page_data(
        response, code="XM-NEW", name="新建设施农业项目", year="2022",
        implementing_organisation=str(Organisation.objects.get(code="agri_bureau").pk),
        region=str(world.townships[0].pk), covered_regions=[str(world.villages[0].pk), str(world.villages[1].pk)],
        poor_households_covered="30", monitored_households_covered="4", total_investment="500000.00",
        needs_final_accounts="on", reason="", **{"funding-0-source": "revitalization_subsidy",
                                                  "funding-0-amount": "500000.00"},
    )
    data.update(changes)
    return data


def test_create_and_edit_project(login, world):
    client = login("county")
    response = client.post(reverse("assets:project_add"), project_form_data(client, world))
    assert response.status_code == 302, response.context["form"].errors
    project = Project.objects.get(code="XM-NEW")
    assert set(project.covered_regions.values_list("pk", flat=True)) == {world.villages[0].pk, world.villages[1].pk}
    assert project.history.first().history_user.username == "county"
    response = client.get(reverse("assets:project_edit", args=[project.pk]))
    data = page_data(response, total_investment="520000.00", reason="追加投资",
                     **{"funding-1-source": "xinjiang_aid", "funding-1-amount": "20000.00"})
    data["funding-TOTAL_FORMS"] = "2"
    response = client.post(reverse("assets:project_edit", args=[project.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    latest = project.history.first()
    assert latest.history_change_reason == "追加投资" and latest.history_user.username == "county"
    assert ProjectFundingLine.history.filter(project_id=project.pk, source="xinjiang_aid").get().history_user.username \
        == "county"


def test_bad_project_input(login, world):
    client = login("county")
    data = project_form_data(client, world, **{"funding-0-amount": "400000.00"})
    response = client.post(reverse("assets:project_add"), data)
    assert "各资金来源合计 400,000.00 元，与总投资 500,000.00 元不符" in response.content.decode()
    data = project_form_data(client, world, year="2012", final_accounts_done="on")
    response = client.post(reverse("assets:project_add"), data)
    content = response.content.decode()
    assert "年份不得早于2013年" in content and "已完成竣工财务决算的，请填写决算金额" in content
    assert not Project.objects.filter(code="XM-NEW").exists()


def test_only_county_roles_edit_projects(login, world):
    project = world.projects[0]
    assert login("village1").post(reverse("assets:project_add"), {}).status_code == 403
    assert login("auditor").get(reverse("assets:project_edit", args=[project.pk])).status_code == 403
    assert login("finance").get(reverse("assets:project_edit", args=[project.pk])).status_code == 200
