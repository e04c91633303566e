"""In Chromium: each role logs in through the form, lands on its dashboard, searches with htmx
and the `/` shortcut, and opens an order. Screenshots in test-artifacts/screenshots/."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.orders import lifecycle

pytestmark = pytest.mark.browser

DASHBOARDS = {  # role: (heading, a key element only that dashboard has)
    "sales": ("Sales desk", "nav.tabs >> text=Backorders"),
    "inventory": ("Inventory", "h2:has-text('Low stock')"),
    "fulfillment": ("Fulfillment", "nav.tabs >> text=Ready to pick"),
    "manager": ("Order flow", "section.counts .count"),
    "admin": ("Users", "form >> text=Create user"),
}


@pytest.fixture
def shop(order_in, make_customer, make_product, users):
    """A small but lifelike order book: a few customers, orders in most statuses, a hold, a shortage."""
    acme, birch, cedar = (make_customer(n) for n in ("Acme Engineering Ltd", "Birchwood Joinery", "Cedar Plumbing & Sons"))
    soon = date.today() + timedelta(days=2)
    made = {
        "draft": order_in("draft", customer=acme),
        "held": order_in("draft", customer=birch),
        "confirmed": order_in("confirmed", customer=birch, promised=soon),
        "short": order_in("confirmed", customer=cedar, on_hand=2, quantity=5, promised=soon + timedelta(days=1)),
        "picking": order_in("picking", customer=acme),
        "packed": order_in("packed", customer=cedar),
        "dispatched": order_in("dispatched", customer=acme),
        "pickup": order_in("ready_for_pickup", customer=birch),
        "delivered": order_in("delivered", customer=cedar),
        "cancelled": order_in("cancelled", customer=acme),
    }
    made["confirmed"].customer_reference = "PO-4417"
    lifecycle.set_hold(made["held"], users["sales"], "Waiting for the customer's PO")
    make_product(on_hand=3, reorder_point=20, name="Copper elbow 15 mm")
    db.session.commit()
    refs = {key: order.ref for key, order in made.items()}
    # Plain strings, and no transaction left open: on SQLite an open one would block the
    # server's writes (this thread's reads begin IMMEDIATE outside a request).
    db.session.commit()
    return refs


@pytest.mark.parametrize("role", DASHBOARDS)
def test_each_role_logs_in_and_lands_on_its_dashboard(page, live_server, browser_login, screenshot, shop, role):
    heading, key = DASHBOARDS[role]
    browser_login(page, role)
    assert page.url == f"{live_server}/{role}/"
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator(key).first).to_be_visible()
    expect(page.locator(".topnav a[aria-current=page]")).to_have_count(1)
    if role != "admin":
        expect(page.locator("#queue")).to_be_visible()
    path = screenshot(page, f"dashboard-{role}")
    assert path.stat().st_size > 10_000


def test_fulfillment_queue_in_the_browser(page, live_server, browser_login, shop):
    browser_login(page, "fulfillment")
    refs = page.locator("#queue a.ref").all_inner_texts()
    assert refs == [shop["confirmed"], shop["short"]]


def test_list_search_box_uses_htmx(page, live_server, browser_login, screenshot, shop):
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/?view=all")
    expect(page.locator("#queue a.ref")).to_have_count(len(shop))
    page.evaluate("window.stillTheSamePage = true")
    page.locator("h1").click()  # focus outside any field, as a person would be
    page.keyboard.press("/")  # `/` is the search of every order (the top bar's box)
    expect(page.locator("#global-q")).to_be_focused()
    page.locator("#search-q").click()  # this list's own search
    page.keyboard.type("birchwood")
    expect(page.locator("#queue a.ref")).to_have_count(3)
    expect(page.locator("#queue")).not_to_contain_text("Acme")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, not reloaded
    expect(page.locator("[id=queue]")).to_have_count(1)  # replaced, not nested inside itself
    assert "q=birchwood" in page.url and "view=all" in page.url  # the URL can be shared
    screenshot(page, "search-sales-birchwood")

    page.fill("#search-q", "PO-4417")
    expect(page.locator("#queue a.ref")).to_have_text([shop["confirmed"]])
    page.fill("#search-q", "no such thing")
    expect(page.locator("#queue .empty")).to_contain_text("match “no such thing”")
    page.locator("#queue .empty a").click()  # clear the search
    expect(page.locator("#queue a.ref")).to_have_count(len(shop))


def test_tabs_switch_lists_without_reloading(page, live_server, browser_login, shop):
    browser_login(page, "sales")
    page.evaluate("window.stillTheSamePage = true")
    page.click("nav.tabs >> text=On hold")
    expect(page.locator("#queue a.ref")).to_have_text([shop["held"]])
    page.click("nav.tabs >> text=Backorders")
    expect(page.locator("#queue a.ref")).to_have_text([shop["short"]])
    assert page.evaluate("window.stillTheSamePage") is True and "view=backorders" in page.url
    expect(page.locator("[id=queue]")).to_have_count(1)
    expect(page.locator("nav.tabs")).to_have_count(1)


def test_order_page_shows_the_order_and_its_history(page, live_server, browser_login, screenshot, shop):
    number = shop["short"]
    browser_login(page, "fulfillment")
    page.click(f"#queue a.ref >> text={number}")
    expect(page).to_have_url(f"{live_server}/orders/{number}")
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("h1 .status")).to_have_text("Confirmed")
    expect(page.locator("section:has(h2:text('Lines')) tbody tr")).to_have_count(1)
    expect(page.locator(".history tbody tr")).to_have_count(3)  # draft, submit, confirmation queued
    screenshot(page, "order-page", full_page=True)

    page.click("button:has-text('Start picking')")
    expect(page.locator(".flash--success")).to_have_text(f"{number} is now Picking. Next: finish picking and pack — fulfillment.")
    expect(page.locator("h1 .status")).to_have_text("Picking")
    expect(page.locator(".history tbody tr").first).to_contain_text("Start picking: Confirmed → Picking")


def test_held_order_page(page, live_server, browser_login, screenshot, shop):
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{shop['held']}")
    expect(page.locator(".banner--hold")).to_contain_text("Waiting for the customer's PO")
    expect(page.locator("button:has-text('Release hold')")).to_be_visible()
    screenshot(page, "order-page-held-sales")
