"""Valid request bodies for the write tests; each test spoils one field. ``at`` is the index of
the world's village the record belongs to."""

from __future__ import annotations

from typing import Any

from assets.models import AssetCategory, Organisation
from tests.factories import World, make_id_number


def asset_payload(world: World, at: int = 0, **overrides: Any) -> dict[str, Any]:
    water = AssetCategory.objects.get(code="drinking_water")
    region = world.villages[at]
    data: dict[str, Any] = {
        "name": "新建安全饮水工程",
        "asset_class": "public_benefit",
        "category": water.pk,
        "form": "fixed",
        "region": region.pk,
        "project": world.projects[at].pk,
        "year_formed": 2021,
        "quantity": "2.00",
        "unit": "处",
        "valuation_basis": "actual_expenditure",
        "original_value": "50000.00",
        "useful_life_years": 20,
        "ownership_type": "collective",
        "owner_organisation": Organisation.objects.get(code=f"col-{region.code}").pk,
        "beneficiary_ids": [household.pk for household in world.households[at]],
        "funding_lines": [
            {"source": "special_poverty_fund", "amount": "30000.00"},
            {"source": "xinjiang_aid", "amount": "20000.00"},
        ],
        "registrations": [{"system": "collective_platform", "number": "JT-2021-001", "registered_on": "2021-06-30"}],
        "caretaker": "李四",
        "change_reason": "新建工程入账",
    }
    data.update(overrides)
    return data


def household_payload(world: World, at: int = 0, serial: int = 900, **overrides: Any) -> dict[str, Any]:
    region = world.villages[at]
    data: dict[str, Any] = {
        "head_name": "艾力·买买提",
        "id_number": make_id_number(region.code, serial),
        "village": region.pk,
        "is_poverty_alleviated": True,
        "is_monitored": False,
        "members_count": 5,
        "change_reason": "新增脱贫户",
    }
    data.update(overrides)
    return data


def project_payload(world: World, at: int = 0, **overrides: Any) -> dict[str, Any]:
    region = world.villages[at]
    data: dict[str, Any] = {
        "code": "XM-API-2022-001",
        "name": "村级光伏电站",
        "year": 2022,
        "implementing_organisation": Organisation.objects.get(code=f"col-{region.code}").pk,
        "region": region.pk,
        "covered_region_ids": [region.pk],
        "poor_households_covered": 40,
        "monitored_households_covered": 3,
        "total_investment": "800000.00",
        "funding_lines": [
            {"source": "revitalization_subsidy", "amount": "500000.00"},
            {"source": "integrated_agri_fund", "amount": "300000.00"},
        ],
        "needs_final_accounts": True,
        "final_accounts_done": False,
        "change_reason": "项目入库",
    }
    data.update(overrides)
    return data
