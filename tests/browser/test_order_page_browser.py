"""In Chromium at 1366×768: the order page's compact header (status, promised date, the next
step and who owns it), sections that fold and stay folded after a reload, the notes thread
where `@inventory` reaches the inventory team, and the page's height (printed, bounded).
Screenshots in test-artifacts/screenshots/order-page-*.png."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.orders import lifecycle, requests
from app.orders import services as orders
from app.orders.confirmation import confirmations_suppressed
from app.timeutil import business_today
from tests.conftest import order_paperwork

pytestmark = pytest.mark.browser

HEIGHT = "document.body.scrollHeight"
OPEN_ALL = "document.querySelectorAll('#order-live details').forEach(d => d.open = true)"


@pytest.fixture
def typical(make_order, make_product, make_customer, users):
    """A confirmed 4-line delivery order as the desk makes them: a special request decided
    before it was confirmed, a PO, instructions, its confirmation queued, a hold put on and
    released."""
    customer = make_customer("Harrow Building Supplies", phone="0113 496 0000", contact_name="Jane Marsh")
    lines = [(make_product(name=name, price=price), qty) for name, price, qty in (
        ("Brass hinge 100mm", "4.20", 12), ("Galvanised bracket 20mm", "1.15", 40),
        ("Wood screws 4x40 (200)", "6.90", 5), ("Door closer, grade 3", "38.00", 2))]
    order = make_order(lines=lines, customer=customer)
    request = requests.add_request(order, "delivery_window", "Morning only, 8–12", users["sales"])
    requests.decide_request(order, request.id, True, "Booked on the morning van", users["manager"])
    with confirmations_suppressed():
        orders.submit_order(order, users["sales"])
    order.customer_reference, order.instructions = "PO-77120", "Deliver to the side gate; call Jane on arrival."
    order.promised_date = business_today() + timedelta(days=3)
    order_paperwork(order)
    lifecycle.set_hold(order, users["sales"], "Credit check")
    lifecycle.release_hold(order, users["sales"])
    db.session.commit()
    ref = order.ref
    db.session.commit()
    return ref


def test_header_folding_and_height(page, live_server, browser_login, screenshot, typical, capsys):
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{typical}")
    band = page.locator(".order-band")
    expect(band.locator("h1 .status")).to_have_text("Confirmed")
    expect(band.locator("[data-next-step]")).to_contain_text("Pick")
    expect(band.locator("[data-next-step] .team")).to_have_text("fulfillment")
    expect(band.locator("[data-promised-date]")).to_be_visible()
    expect(page.locator("#communications form.comm-form")).to_be_hidden()  # the log form is folded
    expect(page.locator("#order-lines tbody tr")).to_have_count(4)
    default_height = page.evaluate(HEIGHT)
    screenshot(page, "order-page-1-default", full_page=True)

    page.evaluate(OPEN_ALL)  # everything open, as the page was before sections folded
    everything_height = page.evaluate(HEIGHT)
    screenshot(page, "order-page-0-everything-open", full_page=True)
    page.evaluate("localStorage.clear()")  # forget what opening everything remembered
    page.reload()

    page.click("#order-details summary")  # fold two sections…
    page.click("#order-history > details > summary")
    expect(page.locator("#order-details table, #order-details dl").first).to_be_hidden()
    page.reload()  # …and they stay folded
    expect(page.locator("#order-details > details")).not_to_have_attribute("open", "")
    expect(page.locator("#order-history > details")).not_to_have_attribute("open", "")
    expect(page.locator("#order-lines > details")).to_have_attribute("open", "")
    folded_height = page.evaluate(HEIGHT)
    screenshot(page, "order-page-2-folded-after-reload", full_page=True)

    page.click("text=More")  # secondary actions are one click away
    expect(page.get_by_label("Hold reason")).to_be_visible()
    screenshot(page, "order-page-3-more-menu")
    with capsys.disabled():
        print(f"\norder page height at 1366x768: everything open {everything_height}px, "
              f"default {default_height}px, details and history folded {folded_height}px")
    assert default_height <= 1000 < everything_height
    assert folded_height < default_height


def test_a_note_mentioning_inventory_reaches_inventory(browser, page, live_server, browser_login, screenshot, typical):
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{typical}")
    page.locator("#order-notes button", has_text="Add note").click()  # empty: told next to the field
    expect(page.locator("#note-body-error")).to_contain_text("Write the note first.")
    page.fill("#note-body", "@inventory can you hold 2 more door closers until Friday? <b>urgent</b>")
    page.locator("#order-notes button", has_text="Add note").click()
    expect(page.locator("#order-notes .flash--success")).to_have_text(f"{typical}: note added; inventory notified.")
    expect(page.locator("#order-notes .note")).to_have_count(1)
    expect(page.locator("#order-notes .note__body")).to_have_text(
        "@inventory can you hold 2 more door closers until Friday? <b>urgent</b>")
    expect(page.locator("#note-body")).to_have_value("")
    screenshot(page, "order-page-4-note-added")

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    stores = context.new_page()
    browser_login(stores, "inventory")
    stores.click("#notif-menu summary")
    expect(stores.locator("#notif-menu")).to_contain_text("can you hold 2 more door closers")
    screenshot(stores, "order-page-5-inventory-notified")
    stores.goto(f"{live_server}/orders/{typical}")
    expect(stores.locator("#order-notes .note__meta")).to_contain_text("@inventory")
    expect(stores.locator(".history").first).to_contain_text("Note (for inventory)")
    context.close()

    fulfillment = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    browser_login(fulfillment, "fulfillment")
    fulfillment.click("#notif-menu summary")
    expect(fulfillment.locator("#notif-menu")).not_to_contain_text("door closers")
    fulfillment.context.close()
