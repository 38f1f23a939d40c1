"""A list page costs the same number of queries whatever its size (no per-row queries)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.actions import do_create_asset, do_create_household, do_create_project
from assets.models import AssetCategory, Organisation
from tests.factories import World, make_id_number

pytestmark = pytest.mark.django_db

EXTRA = 12  # more than the small page below


def grow(world: World) -> None:
    """Add EXTRA households, projects and assets (with lines, registrations, beneficiaries and an
    owner) to village 0, so that both a county user and village 0's clerk see more than a page."""
    county = world.user("county")
    village = world.villages[0]
    collective = Organisation.objects.get(code=f"col-{village.code}")
    livestock = AssetCategory.objects.get(code="livestock")
    for n in range(EXTRA):
        household = do_create_household(
            {"head_name": f"加户{n}", "id_number": make_id_number(village.code, 500 + n), "village": village,
             "members_count": 3},
            acting_user=county,
        )
        project = do_create_project(
            {"code": f"XM-Q-{n:03d}", "name": f"查询项目{n}", "year": 2021, "implementing_organisation": collective,
             "region": village, "total_investment": Decimal("2000.00")},
            funding_lines=[{"source": "special_poverty_fund", "amount": "1000.00"},
                           {"source": "xinjiang_aid", "amount": "1000.00"}],
            covered_region_ids=[village.pk, world.villages[1].pk], acting_user=county,
        )
        do_create_asset(
            {"name": f"牛{n}", "asset_class": livestock.asset_class, "category": livestock,
             "form": livestock.default_form, "region": village, "project": project, "year_formed": 2021,
             "quantity": Decimal(2), "unit": "头", "valuation_basis": "actual_expenditure",
             "original_value": Decimal("2000.00"), "ownership_type": "household", "owner_household": household},
            funding_lines=[{"source": "special_poverty_fund", "amount": "1500.00"},
                           {"source": "xinjiang_aid", "amount": "500.00"}],
            beneficiary_ids=[household.pk, world.households[0][0].pk],
            registrations=[{"system": "revitalization_system", "number": f"FP-{n}", "registered_on": "2021-05-01"}],
            acting_user=county,
        )


def queries_for(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", ["assets", "projects", "households", "regions", "organisations", "categories"])
@pytest.mark.parametrize("role", ["county", "village1"])
def test_queries_do_not_grow_with_the_page_size(world, api, endpoint, role):
    grow(world)
    client = api(role)
    client.get(f"/api/{endpoint}/")  # warm-up: content types and the like
    small, small_rows = queries_for(client, f"/api/{endpoint}/?page_size=10")
    large, large_rows = queries_for(client, f"/api/{endpoint}/?page_size=100")
    if endpoint in ("assets", "projects", "households"):
        assert small_rows == 10 and large_rows > 10, (small_rows, large_rows)
    assert small == large, (endpoint, small, large)
    assert large <= 13  # auth, scope, count, page, and one per prefetched relation
