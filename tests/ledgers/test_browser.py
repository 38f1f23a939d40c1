"""A real browser (Debian's chromium through Playwright): a county user asks for the county master
ledger, watches the progress bar move while a Celery worker on Redis writes it, and downloads the
workbook when the link appears."""

from __future__ import annotations

import time

import pytest

from ledgers import jobs
from ledgers.exports import xlsx
from ledgers.models import LedgerExportJob
from tests.factories import PASSWORD, World, build_world
from tests.ledgers.conftest import codes, load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROW_DELAY = 0.4


@pytest.fixture
def county_world(transactional_db, django_db_serialized_rollback) -> World:
    return build_world(assets_per_village=3)


@pytest.fixture
def slow_rows(monkeypatch) -> None:
    """Each written row takes a moment in the worker thread, so the bar has time to move."""
    report = jobs._Tracker.__call__

    def slow(self, done: int, total: int) -> None:
        report(self, done, total)
        time.sleep(ROW_DELAY)

    monkeypatch.setattr(xlsx, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0.0)
    monkeypatch.setattr(jobs._Tracker, "__call__", slow)
    monkeypatch.setattr(jobs, "SMALL_EXPORT_ROWS", 0)  # not downloaded at once: a background job


def test_county_user_watches_the_progress_bar_and_downloads_the_master_ledger(
        county_world, celery_worker, slow_rows, live_server, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.click("nav#topnav a[href='/ledgers/']")
    page.wait_for_url(f"{base}/ledgers/")
    assert page.locator("select[name=ledger]").input_value() == "county"
    page.click("#start-export")
    page.wait_for_url(f"{base}/ledgers/exports/*/")
    job = LedgerExportJob.objects.get(created_by__username="county")

    bar = page.locator(".ledger-progress progress")
    link = page.locator("#download-link")
    # the bar moves while the worker writes: some value strictly between 0 and 100 is seen
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not link.is_visible():
        seen.add(int(float(bar.get_attribute("value") or 0)))
        page.wait_for_timeout(150)
    assert link.is_visible(), f"job {job.pk} never finished: {LedgerExportJob.objects.get(pk=job.pk).status}"
    assert any(0 < value < 100 for value in seen), seen
    assert int(float(bar.get_attribute("value"))) == 100
    assert page.locator(".ledger-progress").get_attribute("data-status") == "done"
    page.screenshot(path=str(tmp_path / "progress-done.png"), full_page=True)

    with page.expect_download() as download_info:
        link.click()
    target = tmp_path / "county.xlsx"
    download_info.value.save_as(target)
    workbook = load(target)
    assert codes(workbook) == {a.code for assets in county_world.assets.values() for a in assets}
    assert workbook["汇总"]["A1"].value.startswith("麦盖提县帮扶项目资产总台账")
