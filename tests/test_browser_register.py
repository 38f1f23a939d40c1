"""The register in a real browser (Debian's chromium through Playwright): a village clerk adds an
asset, finds it in the list and reads its history; an auditor browses the county-wide history;
another village's clerk cannot open that asset."""

from __future__ import annotations

import re

import pytest

from assets.models import Asset, AssetCategory
from tests.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("form.record-form .save-bar button[type=submit]").click()


def errors_on(page) -> list[str]:
    return page.locator(".errorlist, .alert-error").all_inner_texts()


def test_village_clerk_adds_finds_and_reads_history(live_server, live_world: World, browser_page, tmp_path) -> None:
    page = browser_page
    log_in(page, live_server, "village1")
    category = AssetCategory.objects.get(code="drinking_water")

    page.goto(f"{live_server.url}/assets/add/")
    page.fill("#id_name", "浏览器测试水塔")
    page.select_option("#id_asset_class", "public_benefit")
    page.select_option("#id_category", str(category.pk))
    page.select_option("#id_form", "fixed")
    page.select_option("#id_region", str(live_world.villages[0].pk))
    page.fill("#id_project", live_world.projects[0].code)
    page.fill("#id_year_formed", "2021")
    page.fill("#id_quantity", "1")
    page.fill("#id_unit", "处")
    page.select_option("#id_valuation_basis", "actual_expenditure")
    page.fill("#id_original_value", "86000.00")
    page.select_option("#id_funding-0-source", "special_poverty_fund")
    page.fill("#id_funding-0-amount", "86000.00")
    page.fill("#id_reason", "新建水塔入账")
    submit(page)
    assert re.search(r"/assets/\d+/$", page.url), errors_on(page)

    asset = Asset.objects.get(name="浏览器测试水塔")
    assert asset.history.latest().history_user.username == "village1"
    assert "浏览器测试水塔" in page.content()

    # find it in the list with the text search
    page.goto(f"{live_server.url}/assets/?q=浏览器测试")
    page.locator(f"a[href='/assets/{asset.pk}/']").first.click()
    page.wait_for_url(f"**/assets/{asset.pk}/")
    history = page.content()
    assert "新建水塔入账" in history  # the reason
    assert "village1" in history  # who

    # an edit shows up as a diff old -> new
    page.goto(f"{live_server.url}/assets/{asset.pk}/edit/")
    page.fill("#id_caretaker", "阿不都")
    page.fill("#id_reason", "落实管护责任人")
    submit(page)
    assert page.url.endswith(f"/assets/{asset.pk}/"), errors_on(page)
    assert "落实管护责任人" in page.content()
    assert "阿不都" in page.content()
    page.screenshot(path=str(tmp_path / "village-asset-history.png"), full_page=True)


def test_auditor_opens_history_browser(live_server, live_world: World, browser_page) -> None:
    page = browser_page
    log_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/history/?page_size=5")
    # exactly one page of entries (the world has far more than five)
    assert page.locator("ol.history > li.entry").count() == 5
    # the world's records were entered by the county user; filter on that user and on assets
    response = page.goto(f"{live_server.url}/history/?user={live_world.users['county'].pk}&model=asset")
    assert response is not None and response.status == 200
    content = page.content()
    assert live_world.assets[0][0].code in content
    assert "county" in content
    # a village clerk may not open it
    page.context.clear_cookies()
    log_in(page, live_server, "village1")
    response = page.goto(f"{live_server.url}/history/")
    assert response is not None and response.status == 403


def test_other_village_cannot_open_the_asset(live_server, live_world: World, browser_page) -> None:
    page = browser_page
    log_in(page, live_server, "village2")
    target = live_world.assets[0][0]
    response = page.goto(f"{live_server.url}/assets/{target.pk}/")
    assert response is not None and response.status == 404
    assert target.name not in page.content()
    listing = page.goto(f"{live_server.url}/assets/?q={target.code}")
    assert listing is not None and listing.status == 200
    assert page.locator(f"a[href='/assets/{target.pk}/']").count() == 0
    assert target.name not in page.content()
