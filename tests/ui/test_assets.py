"""Asset pages: scope, filters, pagination, forms that write history, and bad input in Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Asset, AssetCategory, AssetFundingLine, Organisation
from tests.ui.helpers import count_queries, page_data

pytestmark = pytest.mark.django_db


def add_page_data(login, world, user="village1", village=0, **changes):
    client = login(user)
    response = client.get(reverse("assets:asset_add"))
    assert response.status_code == 200
    village_region = world.villages[village]
    data = page_data(
        response,
        name="新建保鲜库",
        asset_class="operating",
        category=str(AssetCategory.objects.get(code="cold_store").pk),
        form="fixed",
        status="in_use",
        region=str(village_region.pk),
        project=world.projects[village].code,
        year_formed="2021",
        quantity="1",
        unit="座",
        valuation_basis="actual_expenditure",
        original_value="80000.00",
        depreciation_method="straight_line",
        useful_life_years="20",
        ownership_type="collective",
        owner_organisation=str(Organisation.objects.get(code=f"col-{village_region.code}").pk),
        beneficiaries=[str(h.pk) for h in world.households[village]],
        **{"funding-0-source": "special_poverty_fund", "funding-0-amount": "50000.00",
           "funding-1-source": "xinjiang_aid", "funding-1-amount": "30000.00", "funding-TOTAL_FORMS": "2"},
    )
    data.update(changes)
    return client, data


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_only_the_users_scope(login, world):
    response = login("village1").get(reverse("assets:asset_list"))
    assert response.status_code == 200
    content = response.content.decode()
    for asset in world.assets[0]:
        assert asset.code in content
    for index in (1, 2, 3):
        for asset in world.assets[index]:
            assert asset.code not in content
    assert "资产台账" in content  # Chinese by default


def test_region_filter_offers_only_visible_regions(login, world):
    response = login("village1").get(reverse("assets:asset_list"))
    choices = {str(pk) for pk, _label in response.context["filter_form"].fields["region"].choices if pk}
    assert choices == {str(world.townships[0].pk), str(world.villages[0].pk)}
    # another township cannot be chosen: the filter says so and the list stays within scope
    response = login("village1").get(reverse("assets:asset_list"), {"region": world.townships[1].pk})
    assert response.context["filter_form"].errors["region"]


def test_filters(login, world):
    client = login("county")
    url = reverse("assets:asset_list")

    def codes(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {a.code for a in response.context["object_list"]}

    every = {a.code for assets in world.assets.values() for a in assets}
    assert codes() == every
    assert codes(region=world.townships[1].pk) == {a.code for i in (2, 3) for a in world.assets[i]}
    assert codes(region=world.villages[0].pk) == {a.code for a in world.assets[0]}
    assert codes(asset_class="operating") == {a.code for a in Asset.objects.filter(asset_class="operating")}
    water = AssetCategory.objects.get(code="drinking_water")
    assert codes(category=water.pk) == {a.code for a in Asset.objects.filter(category=water)}
    assert codes(q=world.assets[2][1].code) == {world.assets[2][1].code}
    assert codes(q="安全饮水") == {a.code for a in Asset.objects.filter(name__contains="安全饮水")}
    assert codes(year=2020) == every and codes(year=2019) == set()
    assert codes(status="idle") == set()
    assert codes(funding_source="special_poverty_fund") == every
    assert codes(funding_source="xinjiang_aid") == set()


def test_list_columns(login, world):
    asset = world.assets[0][0]
    content = login("township1").get(reverse("assets:asset_list")).content.decode()
    for text in (asset.code, asset.name, asset.category.name, world.townships[0].name, world.villages[0].name,
                 "100,000.00", "使用中"):
        assert text in content


def test_pagination_counts_exactly_and_reaches_every_page(login, world):
    """Past the former 1,000-row cap: the exact total, and page 22 is page 22 (not page 20 again)."""
    template = world.assets[0][0]
    copies = []
    for n in range(1_050):
        copy = Asset.objects.get(pk=template.pk)
        copy.pk = None
        copy.code = f"BULK-{n:05d}"
        copies.append(copy)
    Asset.objects.bulk_create(copies)
    total = Asset.objects.count()
    client = login("county")
    response = client.get(reverse("assets:asset_list"), {"page": 22})
    paginator, page = response.context["paginator"], response.context["page_obj"]
    assert paginator.count == total and paginator.num_pages == -(-total // 50) == 22
    assert page.number == 22 and len(response.context["object_list"]) == total - 21 * 50
    expected = list(Asset.objects.order_by("-id").values_list("code", flat=True)[21 * 50:])
    assert [asset.code for asset in response.context["object_list"]] == expected
    content = response.content.decode()
    assert f"共 {total:,} 条记录" in content and "+ 条记录" not in content
    assert "第 22 页，共 22 页" in content
    assert 'type="number" name="page"' in content and "跳至页码" in content  # the page jump
    middle = client.get(reverse("assets:asset_list"), {"page": 21})
    assert middle.context["page_obj"].number == 21
    assert "尾页" in middle.content.decode()  # the last-page link
    assert [a.code for a in middle.context["object_list"]] == list(
        Asset.objects.order_by("-id").values_list("code", flat=True)[20 * 50:21 * 50])


def test_page_size_is_capped_and_counts_are_grouped(login, world):
    from assets.templatetags.bangfu import thousands

    assert thousands(10_000) == "10,000"  # "10,000+" in Chinese too (zh_Hans formats drop separators)
    response = login("county").get(reverse("assets:asset_list"), {"page_size": 5000})
    assert response.context["paginator"].per_page == 200  # ?page_size= is capped at 200
    assert "8 条记录" in response.content.decode()


def test_query_count_does_not_grow_with_page_size(login, world):
    template = world.assets[0][0]
    copies = []
    for n in range(60):
        copy = Asset.objects.get(pk=template.pk)
        copy.pk = None
        copy.code = f"COPY-{n:03d}"
        copy.owner_organisation = None
        copy.owner_household = world.households[0][n % 2]
        copy.ownership_type = "household"
        copies.append(copy)
    Asset.objects.bulk_create(copies)
    client = login("county")
    client.get(reverse("assets:asset_list"))  # warm up: the first request after login also touches the session
    small, response = count_queries(client, reverse("assets:asset_list") + "?page_size=10")
    assert len(response.context["object_list"]) == 10
    small_queries = response.queries
    large, response = count_queries(client, reverse("assets:asset_list") + "?page_size=100")
    assert len(response.context["object_list"]) == 68
    assert small == large, "\n".join(q[:200] for q in [*small_queries, "----", *response.queries])
    # a filter costs its own constant queries (validating the chosen region), still not per row
    region = f"&region={world.villages[0].pk}"
    filtered_small, _ = count_queries(client, reverse("assets:asset_list") + "?page_size=10" + region)
    filtered_large, _ = count_queries(client, reverse("assets:asset_list") + "?page_size=100" + region)
    assert filtered_small == filtered_large <= large + 1


# --- detail -------------------------------------------------------------------------------------


def test_detail_shows_every_part_and_history(login, world):
    asset = world.assets[0][0]
    household = world.households[0][0]
    response = login("village1").get(reverse("assets:asset_detail", args=[asset.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for text in (asset.code, asset.name, "财政专项扶贫资金", "100,000.00", household.head_name, household.id_number,
                 asset.project.code, "资金来源", "受益户", "变更记录", "录入资产", "county"):
        assert text in content, text


def test_detail_masks_id_numbers_outside_the_village(login, world):
    asset = world.assets[0][0]
    household = world.households[0][0]
    content = login("township1").get(reverse("assets:asset_detail", args=[asset.pk])).content.decode()
    assert household.id_number not in content
    assert household.masked_id_number in content


# --- create and edit ----------------------------------------------------------------------------


def test_create_through_the_form_writes_history(login, world):
    client, data = add_page_data(login, world, reason="新建冷库录入")
    response = client.post(reverse("assets:asset_add"), data)
    assert response.status_code == 302, response.context["form"].errors
    asset = Asset.objects.get(name="新建保鲜库")
    assert response["Location"] == reverse("assets:asset_detail", args=[asset.pk])
    assert asset.code.startswith(f"ZC-{world.villages[0].code}-2021-")
    assert asset.region == world.villages[0] and asset.township == world.townships[0]
    assert sorted((line.source, line.amount) for line in asset.funding_lines.all()) == [
        ("special_poverty_fund", 50000), ("xinjiang_aid", 30000)]
    assert set(asset.beneficiary_links.values_list("household_id", flat=True)) == {h.pk for h in world.households[0]}
    record = asset.history.get()
    assert record.history_type == "+"
    assert record.history_user.username == "village1"
    assert record.history_change_reason == "新建冷库录入"
    line = AssetFundingLine.history.filter(asset_id=asset.pk).first()
    assert line.history_user.username == "village1"
    page = client.get(response["Location"]).content.decode()
    assert "新建冷库录入" in page and "保鲜库" in page


def test_edit_through_the_form_writes_history_with_diff(login, world):
    asset = world.assets[0][1]
    client = login("village1")
    response = client.get(reverse("assets:asset_edit", args=[asset.pk]))
    assert response.status_code == 200
    data = page_data(response, name="改名后的车间", status="idle", original_value="120000.00",
                     reason="竣工决算调整原值", **{"funding-0-amount": "120000.00"})
    response = client.post(reverse("assets:asset_edit", args=[asset.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    asset.refresh_from_db()
    assert asset.name == "改名后的车间" and asset.status == "idle" and asset.original_value == 120000
    latest, previous = asset.history.all()[:2]
    assert latest.history_user.username == "village1"
    assert latest.history_change_reason == "竣工决算调整原值"
    changed = {c.field: (c.old, c.new) for c in latest.diff_against(previous).changes}
    assert changed["name"] == (previous.name, "改名后的车间")
    assert changed["status"] == ("in_use", "idle")
    line = AssetFundingLine.history.filter(asset_id=asset.pk).first()
    assert line.history_type == "~" and line.history_change_reason == "竣工决算调整原值"
    page = client.get(reverse("assets:asset_detail", args=[asset.pk])).content.decode()
    # the diff in Chinese: field label, old -> new with choice labels, who and why
    for text in ("资产名称", previous.name, "改名后的车间", "使用中", "闲置", "竣工决算调整原值", "120,000.00"):
        assert text in page, text


def test_edit_requires_a_reason(login, world):
    asset = world.assets[0][0]
    client = login("village1")
    data = page_data(client.get(reverse("assets:asset_edit", args=[asset.pk])), name="无原因修改")
    response = client.post(reverse("assets:asset_edit", args=[asset.pk]), data)
    assert response.status_code == 200
    assert "该字段是必填项" in response.content.decode()
    asset.refresh_from_db()
    assert asset.name != "无原因修改"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"original_value": "-5.00"}, "金额不能为负数"),
        ({"year_formed": "2012"}, "年份不得早于2013年"),
        ({"funding-1-amount": "20000.00"}, "各资金来源合计 70,000.00 元，与原值 80,000.00 元不符"),
        ({"funding-1-source": "special_poverty_fund"}, "每种资金来源只能填写一次"),
        ({"quantity": "0"}, "数量必须大于0"),
        ({"category": "WATER"}, "选择一个有效的选项"),
        ({"contract_start": "2022-05-01", "contract_end": "2021-01-01"}, "合同终止日期不得早于起始日期"),
        ({"name": ""}, "该字段是必填项"),
    ],
)
def test_bad_input_shows_chinese_message_and_saves_nothing(login, world, changes, message):
    if changes.get("category") == "WATER":  # a category of another class
        changes["category"] = str(AssetCategory.objects.get(code="drinking_water").pk)
        message = "该类别不属于所选资产类型"
    client, data = add_page_data(login, world, **changes)
    assets, history = Asset.objects.count(), Asset.history.count()
    lines = AssetFundingLine.history.count()
    response = client.post(reverse("assets:asset_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "记录未保存" in response.content.decode()
    assert (Asset.objects.count(), Asset.history.count(), AssetFundingLine.history.count()) == (assets, history, lines)


def test_duplicate_code_is_refused(login, world):
    client, data = add_page_data(login, world, code=world.assets[0][0].code)
    before = Asset.history.count()
    response = client.post(reverse("assets:asset_add"), data)
    assert response.status_code == 200
    assert "具有 资产编码 的 资产 已存在" in response.content.decode()
    assert Asset.history.count() == before


def test_location_outside_scope_is_refused(login, world):
    client, data = add_page_data(login, world, region=str(world.villages[2].pk))
    before = Asset.objects.count()
    response = client.post(reverse("assets:asset_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert Asset.objects.count() == before


def test_refresh_redraws_households_and_saves_nothing(login, world):
    client, data = add_page_data(login, world, user="county", village=2, _refresh="1")
    data.pop("beneficiaries")
    before = Asset.objects.count()
    response = client.post(reverse("assets:asset_add"), data)
    assert response.status_code == 200 and Asset.objects.count() == before
    content = response.content.decode()
    assert world.households[2][0].head_name in content
    assert world.households[0][0].head_name not in content
    assert "该字段是必填项" not in content


def test_who_may_post(login, world):
    asset = world.assets[0][0]
    _client, data = add_page_data(login, world, reason="x")
    assert login("township1").post(reverse("assets:asset_add"), data).status_code == 403
    assert login("auditor").post(reverse("assets:asset_edit", args=[asset.pk]), data).status_code == 403
    assert login("village2").post(reverse("assets:asset_edit", args=[asset.pk]), data).status_code == 404
    assert not Asset.objects.filter(name="新建保鲜库").exists()


def test_category_options_carry_their_class(login, world):
    content = login("village1").get(reverse("assets:asset_add")).content.decode()
    cold_store = AssetCategory.objects.get(code="cold_store")
    assert f'data-class="operating" value="{cold_store.pk}"' in content or (
        f'value="{cold_store.pk}" data-class="operating"' in content
    )
