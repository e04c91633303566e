"""In Chromium: the manager opens the audit log from the top bar, filters it, and opens one
event. Screenshots in test-artifacts/screenshots/audit-*.png."""

import pytest
from playwright.sync_api import expect

from app.catalog.stock import adjust_stock, receive_stock
from app.customers.services import update_customer
from app.events.chain import seal_events
from app.extensions import db
from app.orders import lifecycle
from app.orders.confirmation import confirmations_suppressed

pytestmark = pytest.mark.browser


@pytest.fixture
def history(order_in, make_customer, make_product, users):
    acme, birch = make_customer("Acme Engineering Ltd"), make_customer("Birchwood Joinery")
    copper = make_product(on_hand=0, name="Copper elbow 15 mm")
    with confirmations_suppressed():
        held = order_in("confirmed", customer=acme)
        order_in("picking", customer=birch)
        order_in("packed", customer=acme)
    lifecycle.set_hold(held, users["sales"], "Waiting for the customer's PO")
    update_customer(birch, actor=users["sales"], address="4 Mill Lane\nOtley", name="Birchwood Joinery Ltd",
                    contact_name="Sam", email=birch.email, phone="", notes="")
    receive_stock(copper, 40, "PO-2231", users["inventory"])
    adjust_stock(copper, -2, "Damaged in the racking", users["inventory"])
    db.session.commit()
    seal_events(settle_seconds=0)
    code = acme.code
    db.session.commit()  # no transaction left open: on SQLite it would block the server's writes
    return {"acme": code}


def test_the_manager_reads_and_filters_the_audit_log(page, live_server, browser_login, screenshot, history):
    browser_login(page, "manager")
    page.locator(".topnav a", has_text="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    expect(page.locator("#seal-status")).to_contain_text("Sealed up to")
    expect(page.locator("table.audit-log tbody tr").first).to_be_visible()
    screenshot(page, "audit-log")

    page.fill("#f-kind", "stock.")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(2)  # the receipt and the adjustment
    expect(rows.first).to_contain_text("Damaged in the racking")
    screenshot(page, "audit-log-stock")

    page.fill("#f-kind", "")
    page.fill("#f-customer", history["acme"])
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit-log")).to_contain_text("Waiting for the customer's PO")
    expect(page.locator("table.audit-log")).not_to_contain_text("Birchwood")

    page.locator("table.audit-log tbody tr").first.locator("td a").first.click()
    expect(page.locator("h1")).to_contain_text("Event #")
    expect(page.locator(".facts")).to_contain_text("Sealed")
    screenshot(page, "audit-event")
