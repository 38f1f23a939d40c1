"""One real-browser walk (Debian's chromium through Playwright): a transfer proposed by the
village, passed by the committee, approved by the finance bureau with its document number and
registered by the village; then a disposal's public notice read without logging in."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, World, build_world
from tests.workflows.conftest import add_workflow_users
from tests.workflows.helpers import collective, ensure_reference_data
from transfers.models import Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def live_flow(transactional_db, django_db_serialized_rollback) -> World:
    ensure_reference_data()
    return add_workflow_users(build_world())


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_transfer_walk_in_a_browser(live_flow, live_server, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    project, workshop = live_flow.projects[0], live_flow.assets[0][1]

    log_in(page, base, "village1")
    page.goto(f"{base}/transfers/new/?project={project.pk}")
    page.fill("textarea[name=proposal]", "村两委会议：帮扶车间确权给本村股份经济合作社。")
    page.check(f"input[name=line-{workshop.pk}-include]")
    page.select_option(f"select[name=line-{workshop.pk}-owner]", str(collective(live_flow, 0).pk))
    page.click("form .save-bar button[type=submit]")
    page.wait_for_url(f"{base}/transfers/*/")
    transfer = Transfer.objects.get()
    assert transfer.number in page.inner_text("h1")
    page.click("button[name=submit]")
    page.wait_for_load_state()
    assert Transfer.objects.get().status == "in_review"

    log_in(page, base, "committee")
    badge = page.locator("a[data-inbox-count]")
    assert badge.get_attribute("data-inbox-count") == "1"
    badge.click()
    page.click(f"text={transfer.number}")
    assert workshop.code in page.content()
    page.fill("textarea[name=comment]", "经审议，同意移交。")
    page.click("button[name=decision][value=approve]")
    page.wait_for_load_state()
    assert Transfer.objects.get().current_step == "approval"
    page.screenshot(path=str(tmp_path / "committee.png"), full_page=True)

    log_in(page, base, "finance")
    page.goto(f"{base}/transfers/{transfer.pk}/")
    page.click("button[name=decision][value=approve]")  # without the number: refused
    page.wait_for_load_state()
    assert page.locator(".message-error").count() == 1
    assert Transfer.objects.get().current_step == "approval"
    page.fill("input[name=document_number]", "麦财资〔2026〕66号")
    page.click("button[name=decision][value=approve]")
    page.wait_for_load_state()
    assert Transfer.objects.get().approval_number == "麦财资〔2026〕66号"
    pdf = page.request.get(f"{base}/transfers/{transfer.pk}/approval.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    log_in(page, base, "village1")
    page.goto(f"{base}/transfers/{transfer.pk}/")
    for system in ("collective_platform", "revitalization_system"):
        page.fill(f"input[name=reg-{workshop.pk}-{system}-number]", f"DJ-{system[:6]}-001")
    page.click("button[name=decision][value=approve]")
    page.wait_for_load_state()
    transfer.refresh_from_db()
    assert transfer.status == "done"
    assert "麦财资〔2026〕66号" in page.content()
    rounds = page.locator(".trail > li")
    assert rounds.count() == 4
    page.screenshot(path=str(tmp_path / "done.png"), full_page=True)
    workshop.refresh_from_db()
    assert workshop.registrations.count() == 2

    # the public notice pages need no login
    page.context.clear_cookies()
    page.goto(f"{base}/disposals/public/{live_flow.townships[0].code}/")
    assert live_flow.townships[0].name in page.inner_text("h1")
    assert "/login/" not in page.url
