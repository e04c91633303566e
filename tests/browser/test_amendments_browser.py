"""In Chromium: a phoned-in amendment, one that adds a product found by name, an amendment
held up by picking until fulfillment releases it, and a special request decided by its owning team."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import CustomerPrice, PriceBreak, Product
from app.events.models import Event
from app.extensions import db
from app.orders import requests
from app.orders import services as orders
from app.orders.models import Order
from tests.orders.helpers import assert_reservations_match

pytestmark = pytest.mark.browser


@pytest.fixture
def confirmed(make_order, make_product, make_customer):
    """A confirmed phone order (5 hinges, 2 brackets) and a product the customer will add;
    the test's session is closed so that it holds no lock while the browser works."""
    hinge = make_product(sku="HNG-100", name="Brass hinge 100mm", on_hand=40, price="4.50")
    bracket = make_product(sku="BRK-20", name="Steel bracket", on_hand=10, price="2.25")
    screws = make_product(sku="SCR-8", name="Wood screws 8x40 (box)", on_hand=6, price="6.00")
    order = make_order(lines=[(hinge, 5), (bracket, 2)], submit=True,
                       customer=make_customer(name="Harbour Joinery Ltd"))
    ids = {"order": order.id, "ref": order.ref, "hinge": hinge.id, "bracket": bracket.id, "screws": screws.id}
    db.session.close()
    return ids


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_customer_phones_to_add_a_line_and_change_a_quantity(page, live_server, browser_login, screenshot, confirmed):
    ref = confirmed["ref"]
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{ref}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
    screenshot(page, "amend-1-order-before")

    page.get_by_role("link", name="Amend").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("revision 1 → 2")
    page.get_by_label("Asked through").select_option("phone")
    page.get_by_label("Who asked").fill("Jane Marsh (buyer)")
    page.get_by_label("How it was verified").fill("Read the changes back on the call")
    page.get_by_label("New quantity of HNG-100").fill("12")
    page.locator("#additions-0-sku").fill("SCR-8")
    page.locator("#additions-0-quantity").fill("8")
    screenshot(page, "amend-2-form-filled", full_page=True)
    page.get_by_role("button", name="Save revision 2").click()

    expect(page.locator(".flash--success")).to_contain_text("amended: revision 2")
    revisions = page.locator("#revisions")
    expect(revisions).to_contain_text("Revision 2")
    expect(revisions).to_contain_text("HNG-100 Brass hinge 100mm: quantity 5 → 12")
    expect(revisions).to_contain_text("Added SCR-8 Wood screws 8x40 (box) × 8")
    expect(revisions).to_contain_text("asked by Jane Marsh (buyer)")
    expect(revisions).to_contain_text("verified: Read the changes back on the call")
    expect(page.locator(".order-head")).to_contain_text("revision 2")
    screenshot(page, "amend-3-order-revision-2", full_page=True)

    order = fresh(Order, confirmed["order"])
    assert (order.revision, [(ln.sku, ln.quantity, ln.qty_reserved, ln.qty_backordered) for ln in order.lines]) == (
        2, [("HNG-100", 12, 12, 0), ("BRK-20", 2, 2, 0), ("SCR-8", 8, 6, 2)])
    assert [db.session.get(Product, confirmed[k]).reserved for k in ("hinge", "bracket", "screws")] == [12, 2, 6]
    assert_reservations_match()
    lines = page.locator("section.panel", has=page.get_by_role("heading", name="Lines")).locator("tbody tr")
    expect(lines).to_have_count(3)
    expect(lines.nth(2)).to_contain_text("SCR-8")


def test_an_amendment_adds_a_product_found_by_name(page, live_server, browser_login, screenshot, confirmed):
    """The rep types part of the name, picks with ↓ and Enter, types the quantity; the preview shows
    the stock and the price that will apply (the customer's agreed price, a quantity break) before saving."""
    order = fresh(Order, confirmed["order"])
    db.session.add_all([CustomerPrice(customer_id=order.customer_id, product_id=confirmed["screws"], unit_price=Decimal("5.40")),
                        PriceBreak(product_id=confirmed["hinge"], min_quantity=10, unit_price=Decimal("4.00"))])
    db.session.commit()
    db.session.close()
    ref = confirmed["ref"]
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{ref}/amend")
    expect(page.get_by_role("heading", level=1)).to_contain_text("revision 1 → 2")

    page.get_by_label("New quantity of HNG-100").fill("12")
    page.get_by_label("New quantity of HNG-100").press("Tab")
    box = page.locator("#additions-0-sku")
    box.click()
    box.press_sequentially("wood scr", delay=40)
    option = page.locator("#add-results-0 [role=option]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Wood screws 8x40 (box)")
    expect(option).to_contain_text("6 avail.")
    expect(option).to_contain_text("5.40")
    expect(page.locator("#amend-preview")).to_contain_text("5 → 12")
    screenshot(page, "amend-search-1-results-open", full_page=True)

    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("SCR-8")
    expect(page.locator("#additions-0-quantity")).to_be_focused()
    page.keyboard.type("8")
    page.keyboard.press("Tab")
    preview = page.locator("#amend-preview")
    expect(preview.locator("tr", has_text="SCR-8")).to_contain_text("2 to backorder")
    expect(preview.locator("tr", has_text="SCR-8")).to_contain_text("43.20")
    expect(preview.locator("tr", has_text="HNG-100")).to_contain_text("£4.50 → £4.00")
    page.get_by_label("Asked through").select_option("phone")
    page.get_by_label("Who asked").fill("Jane Marsh (buyer)")
    page.get_by_label("How it was verified").fill("Read the changes back on the call")
    screenshot(page, "amend-search-2-preview", full_page=True)
    page.get_by_role("button", name="Save revision 2").click()

    expect(page.locator(".flash--success")).to_contain_text("amended: revision 2")
    revisions = page.locator("#revisions")
    expect(revisions).to_contain_text("Added SCR-8 Wood screws 8x40 (box) × 8")
    expect(revisions).to_contain_text("HNG-100 Brass hinge 100mm: quantity 5 → 12, unit price £4.50 → £4.00")
    screenshot(page, "amend-search-3-order-revision-2", full_page=True)
    order = fresh(Order, confirmed["order"])
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.qty_reserved) for ln in order.lines] == [
        ("HNG-100", 12, Decimal("4.00"), 12), ("BRK-20", 2, Decimal("2.25"), 2), ("SCR-8", 8, Decimal("5.40"), 6)]
    assert_reservations_match()


def test_an_amendment_during_picking_waits_for_fulfillment(browser, page, live_server, browser_login, screenshot,
                                                           confirmed):
    ref = confirmed["ref"]
    order = fresh(Order, confirmed["order"])
    orders.transition(order, "start_pick", db.session.execute(select(User).filter_by(username="fulfillment")).scalar_one())
    db.session.commit()
    db.session.close()

    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{ref}")
    expect(page.get_by_role("link", name="Amend")).to_have_count(0)
    page.goto(f"{live_server}/orders/{ref}/amend")  # a bookmarked amend link is turned away too
    expect(page.locator(".flash--error")).to_contain_text("is being picked. Ask fulfillment to release the pick")
    page.click(".more-menu summary")  # asking for a release is a secondary action, in the More menu
    page.get_by_label("Change the customer wants").fill("Customer wants 3 hinges, not 5")
    page.get_by_role("button", name="Ask fulfillment to release for amendment").click()
    expect(page.locator(".flash--success")).to_contain_text("Fulfillment has been asked to release the pick")
    screenshot(page, "picking-1-sales-asked-release", full_page=True)
    alert = db.session.execute(select(Event).where(Event.kind == "order.amended_in_picking")).scalar_one()
    assert alert.order_id == confirmed["order"] and "3 hinges" in alert.summary
    db.session.close()

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    floor = context.new_page()
    floor.on("dialog", lambda dialog: dialog.accept())
    browser_login(floor, "fulfillment")
    floor.goto(f"{live_server}/orders/{ref}")
    expect(floor.locator(".banner--release")).to_contain_text("Customer wants 3 hinges, not 5")
    screenshot(floor, "picking-2-fulfillment-sees-request")
    floor.get_by_role("button", name="Release pick").click()
    expect(floor.locator(".order-head")).to_contain_text("Confirmed")
    screenshot(floor, "picking-3-fulfillment-released")
    context.close()

    page.goto(f"{live_server}/orders/{ref}")
    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Asked through").select_option("phone")
    page.get_by_label("Who asked").fill("Jane Marsh")
    page.get_by_label("How it was verified").fill("Called her back")
    page.get_by_label("New quantity of HNG-100").fill("3")
    page.get_by_role("button", name="Save revision 2").click()
    expect(page.locator("#revisions")).to_contain_text("HNG-100 Brass hinge 100mm: quantity 5 → 3")
    screenshot(page, "picking-4-amended-after-release", full_page=True)
    order = fresh(Order, confirmed["order"])
    assert order.status == "confirmed" and order.lines[0].qty_reserved == 3
    assert db.session.get(Product, confirmed["hinge"]).reserved == 3
    assert_reservations_match()


def test_a_special_request_is_approved_by_its_owning_team(browser, page, live_server, browser_login, screenshot,
                                                          confirmed):
    ref = confirmed["ref"]
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{ref}")
    page.get_by_text("Add a special request").click()
    page.get_by_role("button", name="Add request").click()  # empty: told what is missing
    expect(page.locator(".flash--error")).to_contain_text("Choose the kind of request.")
    page.get_by_text("Add a special request").click()
    page.get_by_label("Kind").select_option("substitute")
    page.get_by_label("What the customer asked for").fill("If BRK-20 runs out, send the galvanised BRK-20G")
    screenshot(page, "request-1-sales-adds")
    page.get_by_role("button", name="Add request").click()
    item = page.locator("#requests li.request")
    expect(item).to_contain_text("Pending")
    expect(item).to_contain_text("for inventory")
    screenshot(page, "request-2-pending")

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    stores = context.new_page()
    browser_login(stores, "inventory")
    stores.goto(f"{live_server}/orders/{ref}")
    stores.get_by_label("Decision note").fill("BRK-20G held: 2 on shelf B-04")
    screenshot(stores, "request-3-inventory-decides")
    stores.get_by_role("button", name="Approve").click()
    expect(stores.locator("#requests li.request")).to_contain_text("Approved by Inventory")
    context.close()

    page.goto(f"{live_server}/orders/{ref}")
    expect(item).to_contain_text("Approved")
    expect(item).to_contain_text("BRK-20G held: 2 on shelf B-04")
    expect(item.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "request-4-sales-sees-approval")
    request = fresh(Order, confirmed["order"]).special_requests[0]
    assert (request.status, request.owner_team, request.decision_note) == ("approved", "inventory", "BRK-20G held: 2 on shelf B-04")
    assert requests.undecided(request.order) == []
