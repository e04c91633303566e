"""In Chromium at 1366x768: the manager's desk opens on the late orders with their reasons,
the tiles lead to the tabs, and deliveries are marked in bulk after a confirmation."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.catalog import services as stock
from app.extensions import db
from app.orders import lifecycle
from app.orders.communications import log_communication
from app.orders.confirmation import confirmations_suppressed
from app.orders.promising import add_business_days
from app.orders.requests import add_request
from app.timeutil import business_today, frozen_clock, utcnow
from tests.manager.test_lateness import business_days_before

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(order_in, make_customer, make_product, users):
    """Late orders for each kind of reason, two at risk, three out for delivery."""
    names = ("Acme Engineering Ltd", "Birchwood Joinery", "Cedar Plumbing & Sons", "Dale Electrical")
    customers = [make_customer(n) for n in names]
    today, now = business_today(), utcnow()

    def order(status, days_ago=0, late=None, confirmed=True, n=0, **kw):
        with confirmations_suppressed(), frozen_clock(now - timedelta(days=days_ago)):
            made = order_in(status, customer=customers[n % len(customers)], **kw)
            if confirmed:
                log_communication(made, users["sales"], direction="out", medium="phone", summary="Read back", confirms=True)
        if late is not None:
            made.promised_date = business_days_before(today, late) if late >= 0 else add_business_days(today, -late)
        return made

    short = make_product(sku="SKU-0042", name="Brass valve 22 mm", on_hand=1)
    order("confirmed", days_ago=12, late=5, product=short, quantity=4)
    order("picking", days_ago=6, late=4, n=1)
    order("packed", days_ago=3, late=2, n=2)
    order("ready_for_pickup", days_ago=4, late=1, n=3)
    held = order("confirmed", days_ago=2, late=1, n=1, confirmed=False)
    lifecycle.set_hold(held, users["sales"], "Credit limit exceeded")
    asked = order("confirmed", days_ago=1, late=-1, n=2)
    add_request(asked, "gift_wrap", "Wrap each item", users["sales"])
    order("picking", late=0, n=3, confirmed=False)
    for days in (9, 5, 2):
        order("dispatched", days_ago=days, n=days)
    stock.move_stock(make_product(sku="SKU-0099", on_hand=0).id, "receipt", 5, "Opening")
    db.session.commit()
    db.session.commit()  # no transaction left open (the server writes to the same SQLite file)


def test_manager_desk_shows_why_late_and_marks_deliveries(page, live_server, browser_login, screenshot, desk):
    browser_login(page, "manager")
    expect(page.locator("nav.tabs a[aria-current=true]")).to_have_text("Late")
    expect(page.locator("[data-tile=late] .count__n")).to_have_text("5")
    expect(page.locator("[data-tile=at_risk] .count__n")).to_have_text("2")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("5 business days late")
    expect(rows.first).to_contain_text("Waiting for stock: SKU-0042 (3 short)")
    expect(page.locator("#queue")).to_contain_text("On hold: Credit limit exceeded")
    expect(page.locator("#queue")).to_contain_text("In picking for 6 days")
    screenshot(page, "manager-desk-late")

    page.click("[data-tile=at_risk]")
    expect(page.locator("nav.tabs a[aria-current=true]")).to_have_text("At risk")
    expect(page.locator("#queue")).to_contain_text("Special request undecided: Gift wrap")
    screenshot(page, "manager-desk-at-risk")

    page.click("nav.tabs >> text=Awaiting delivery")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("9 days")
    rows.nth(0).locator("[data-row-check]").check()
    rows.nth(1).locator("[data-row-check]").check()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("#mark-delivered")
    expect(page.locator(".flash--success")).to_have_text("2 orders marked delivered: closed, nothing more to do.")
    assert questions == ["Mark the 2 ticked order(s) delivered? Each gets a Delivered entry in its history."]
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    screenshot(page, "manager-desk-deliveries")
