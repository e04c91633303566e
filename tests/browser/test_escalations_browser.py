"""In Chromium: sales escalates an order from its page; an SLA run raises another; the manager
opens the list, assigns, comments and resolves (confirming first). Screenshots of the list and
of one escalation in test-artifacts/screenshots/."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.escalations import sla
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.timeutil import utcnow

pytestmark = pytest.mark.browser


@pytest.fixture
def orders(make_order, make_customer, users):
    with confirmations_suppressed():
        late = make_order(submit=True, customer=make_customer("Acme Engineering Ltd"))
    stale = make_order(customer=make_customer("Birchwood Joinery"))
    stale.created_at = utcnow().replace(microsecond=0) - timedelta(days=10)
    db.session.commit()
    refs = (late.number, stale.ref)
    db.session.commit()
    return refs


def test_escalate_then_handle_it_as_the_manager(page, live_server, browser_login, orders, screenshot, users):
    number, draft_ref = orders
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{number}")
    page.click("text=Escalate to the manager…")
    page.fill("#escalate-reason", "Customer rang twice today: the site opens Monday and they need it by then.")
    page.click("#order-escalations button[type=submit]")
    expect(page.locator(".flash--success")).to_contain_text("escalated (escalation #")
    expect(page.locator("#order-escalations")).to_contain_text("Escalated to the manager")
    screenshot(page, "escalation-on-order-page")

    assert "1 escalation" in sla.run_sla()  # the stale draft (other rules: the order's unsent confirmation is new)
    db.session.commit()

    page.click("text=Log out")
    browser_login(page, "manager")
    page.goto(f"{live_server}/escalations/")
    rows = page.locator("table.escalations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(number)  # oldest first
    expect(rows.nth(0)).to_contain_text("Sales")
    expect(rows.nth(1)).to_contain_text(draft_ref)
    expect(rows.nth(1)).to_contain_text("SLA: Draft not confirmed")
    screenshot(page, "escalations-list")

    rows.nth(0).locator("td").nth(4).locator("a").click()
    page.select_option("#assign-user", label="Fulfillment (fulfillment)")
    page.click("form[action$='/assign'] button")
    expect(page.locator(".flash--success")).to_contain_text("assigned")
    page.fill("#comment-text", "Fulfillment: please pick it first thing tomorrow.")
    page.click("form.thread__form button")
    expect(page.locator(".thread")).to_contain_text("please pick it first thing")
    expect(page.locator("#assign-user option:checked")).to_have_text("Fulfillment (fulfillment)")
    page.fill("#resolve-note", "Promised for Monday; customer told.")
    screenshot(page, "escalation-page", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/resolve'] button")
    expect(page.locator("h1")).to_contain_text("Resolved")
    expect(page.locator(".thread__item--resolve")).to_contain_text("customer told")
    screenshot(page, "escalation-resolved", full_page=True)
