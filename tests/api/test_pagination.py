"""Every row of a list is reachable and the count is exact, past the former 1,000-row cap:
page numbers with the exact count, and cursor (keyset) pagination that walks the whole list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset
from tests.factories import World

pytestmark = pytest.mark.django_db

EXTRA = 1_050  # the world's 8 assets plus these: past the former cap of 1,000


def add_assets(world: World, n: int = EXTRA) -> None:
    template = world.assets[0][0]
    copies = []
    for i in range(n):
        copy = Asset.objects.get(pk=template.pk)
        copy.pk = None
        copy.code = f"BULK-{i:05d}"
        copies.append(copy)
    Asset.objects.bulk_create(copies)


def test_page_numbers_reach_every_row_with_the_exact_count(api, world):
    add_assets(world)
    total = Asset.objects.count()
    assert total > 1_000
    client = api("county")
    page20 = client.get("/api/assets/", {"page": 20}).json()
    assert page20["count"] == total and page20["count_is_capped"] is False
    assert page20["next"] is not None
    last_page = -(-total // 50)
    last = client.get("/api/assets/", {"page": last_page})
    assert last.status_code == 200 and last.json()["next"] is None
    assert len(last.json()["results"]) == total - (last_page - 1) * 50
    # a deep page (ids first, then the rows) has the rows of that position in the list's order
    expected = list(Asset.objects.order_by("-id").values_list("pk", flat=True)[1_000:1_050])
    assert [row["id"] for row in client.get("/api/assets/", {"page": 21}).json()["results"]] == expected
    assert client.get("/api/assets/", {"page": last_page + 1}).status_code == 404


def test_cursor_pagination_walks_the_whole_list_once(api, world):
    add_assets(world)
    client = api("county")
    first = client.get("/api/assets/", {"cursor": "", "page_size": 200, "status": "in_use"}).json()
    in_use = Asset.objects.filter(status="in_use")
    assert first["count"] == in_use.count() > 1_000 and first["previous"] is None
    seen = [row["id"] for row in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        assert "count" not in page  # counted once, on the first page
        assert "status=in_use" in url  # the filters carry on in the links
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == list(in_use.order_by("-id").values_list("pk", flat=True))


def test_cursor_pages_cost_the_same_at_any_depth(api, world):
    add_assets(world)
    client = api("county")
    page = client.get("/api/assets/", {"cursor": "", "page_size": 100}).json()
    costs = []
    while page["next"]:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(page["next"]).json()
        costs.append(len(ctx.captured_queries))
        assert not any("OFFSET" in q["sql"] for q in ctx.captured_queries)  # keyset, not offset
    assert len(set(costs)) == 1


def test_cursor_pagination_stays_within_scope(api, world):
    add_assets(world)
    client = api("village2")
    first = client.get("/api/assets/", {"cursor": ""}).json()
    own = set(Asset.objects.restrict(world.user("village2"), "view").values_list("pk", flat=True))
    assert 0 < len(own) < Asset.objects.count()
    assert first["count"] == len(own) and first["next"] is None
    assert {row["id"] for row in first["results"]} == own
    assert client.get("/api/assets/", {"cursor": "bz0tMQ=="}).status_code == 404  # "o=-1": not a cursor of ours


def test_schema_documents_both_paginations(api, world):
    schema = api("county").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    params = {p["name"] for p in schema["paths"]["/api/assets/"]["get"]["parameters"]}
    assert {"page", "page_size", "cursor"} <= params
    listing = schema["components"]["schemas"]["PaginatedAssetList"]
    assert {"count", "next", "previous", "results"} <= listing["properties"].keys()
    assert "count" not in listing["required"]
