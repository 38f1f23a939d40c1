"""The auditors' history browser: who may open it, filters, diffs, bounded queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.actions import do_update_asset, do_update_household
from assets.models import Asset, Household
from tests.ui.helpers import count_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "status"), [("auditor", 200), ("admin", 200), ("county", 403), ("finance", 403),
                                               ("township1", 403), ("village1", 403), ("norole", 403)])
def test_who_may_open_it(login, world, role, status):
    assert login(role).get(reverse("audits:history_browser")).status_code == status


def test_anonymous_goes_to_login(client, world):
    response = client.get(reverse("audits:history_browser"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def edit_something(world):
    asset = world.assets[2][0]
    do_update_asset(asset, {"name": "审计测试改名", "status": "idle"}, acting_user=world.user("village2"),
                    reason="审计抽查整改")
    return asset


def test_shows_who_when_why_and_the_diff(login, world):
    asset = edit_something(world)
    response = login("auditor").get(reverse("audits:history_browser"))
    assert response.status_code == 200
    first = response.context["entries"][0]
    assert first.record.instance_type is Asset and first.record.id == asset.pk
    assert first.user.username == "village2" and first.reason == "审计抽查整改"
    changes = {c.name: (c.old, c.new) for c in first.changes}
    assert changes["name"][1] == "审计测试改名" and changes["status"] == ("使用中", "闲置")
    content = response.content.decode()
    for text in ("审计抽查整改", "审计测试改名", "闲置", "village2", reverse("assets:asset_detail", args=[asset.pk])):
        assert text in content


def test_filters(login, world):
    edit_something(world)
    household = world.households[0][0]
    do_update_household(household, {"members_count": 7}, acting_user=world.user("village1"), reason="人口变动")
    client = login("auditor")
    url = reverse("audits:history_browser")

    def entries(**params):
        response = client.get(url, {"page_size": 200, **params})
        assert response.status_code == 200
        return response.context["entries"]

    by_model = entries(model="household")
    assert by_model and all(e.record.instance_type is Household for e in by_model)
    by_user = entries(user=world.users["village1"].pk)
    assert [e.reason for e in by_user] == ["人口变动"]
    # region: the historical rows' own columns; asset-related rows follow their asset's region
    south = entries(region=world.townships[1].pk)
    kinds = {e.record.instance_type.__name__ for e in south}
    assert {"Asset", "AssetFundingLine", "Household", "Project", "RoleAssignment"} <= kinds
    assert not kinds & {"User", "AssetCategory"}  # no place in the region tree
    for entry in south:
        record = entry.record
        if hasattr(record, "township_id"):
            assert record.township_id == world.townships[1].pk
        if hasattr(record, "asset_id"):
            assert Asset.objects.get(pk=record.asset_id).township_id == world.townships[1].pk
    village = entries(region=world.villages[0].pk, model="asset")
    assert {e.record.id for e in village} == {a.pk for a in world.assets[0]}
    # dates are days in Beijing time, both ends included
    first_day = timezone.localdate(Asset.history.earliest("history_date").history_date)
    today = timezone.localdate()
    assert entries(date_from=(today + datetime.timedelta(days=1)).isoformat()) == []
    assert entries(date_to=(first_day - datetime.timedelta(days=1)).isoformat()) == []
    assert len(entries(date_from=first_day.isoformat(), date_to=today.isoformat())) == len(entries())
    response = client.get(url, {"date_from": today.isoformat(), "date_to": "2020-01-01"})
    assert "截止日期早于起始日期" in response.content.decode()


def test_pagination_counts_exactly(login, world):
    response = login("auditor").get(reverse("audits:history_browser"), {"page_size": 3})
    paginator = response.context["paginator"]
    assert paginator.count == response.context["paginator"].object_list.count() > 7
    assert not paginator.count_is_capped
    assert len(response.context["entries"]) == 3
    assert f"共 {paginator.count:,} 条记录" in response.content.decode()


def test_queries_are_bounded(login, world):
    client = login("auditor")
    url = reverse("audits:history_browser")
    client.get(url)
    # one model: the same number of queries for 5 rows as for 100
    small, _ = count_queries(client, url + "?model=asset&page_size=5")
    large, response = count_queries(client, url + "?model=asset&page_size=100")
    assert len(response.context["entries"]) > 5
    assert small == large
    # all models: a union, then per model on the page a fetch and its previous versions, plus
    # one query per related model -- bounded by the number of tables, not the page size
    everything, response = count_queries(client, url + "?page_size=100")
    assert len(response.context["entries"]) == 100
    few, response = count_queries(client, url + "?page_size=3")
    assert everything <= 40 and few <= everything


def test_history_of_reference_data_is_readable(login, world):
    response = login("auditor").get(reverse("audits:history_browser"), {"model": "role_assignment"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "村级管理员" in content and "village1" in content
