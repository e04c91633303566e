"""Fulfillment prints a wave pick list, scans, short-picks, packs and dispatches; inventory
receives stock, allocates the backorder and it ships. Stock reconciles after every step."""

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.catalog.stock import stock_mismatches
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.models import Order, SpecialRequest
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS  # noqa: F401

pytestmark = pytest.mark.browser
PDF_DIR = ARTIFACTS.parent / "pdfs"


# On SQLite the test's own reads take the write lock (BEGIN IMMEDIATE outside a request):
# every helper below ends its transaction so the server is never blocked by the test.

def reconciles():
    db.session.rollback()  # see what the server committed
    mismatches = stock_mismatches()
    db.session.rollback()
    assert mismatches == []


def save_pdf(page, url, name) -> Path:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    path = PDF_DIR / f"{name}.pdf"
    path.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(PDF_DIR / name)], check=True)
    return path


def order_state(order_id) -> dict:
    db.session.rollback()
    order = db.session.get(Order, order_id)
    state = {"status": order.status, "backordered": [ln.qty_backordered for ln in order.lines],
             "complete": all(ln.qty_shipped == ln.quantity for ln in order.lines),
             "shipments": len(order.shipments),
             "mail": [(m.to_address, m.body_text) for m in db.session.execute(
                 select(OutboxMessage).where(OutboxMessage.order_id == order_id, OutboxMessage.subject.like("%dispatched%"))
                 .order_by(OutboxMessage.id)).scalars()]}
    db.session.rollback()
    return state


@pytest.fixture
def warehouse(make_product, make_order, make_customer):
    hinge = make_product(sku="SKU-HINGE", name="Brass hinge 50 mm", on_hand=10, bin_location="A-02-1")
    valve = make_product(sku="SKU-VALVE", name="Steel valve 1/2 in", on_hand=2, bin_location="B-05-2")
    cable = make_product(sku="SKU-CABLE", name="Insulated cable 5 m", on_hand=20, bin_location="A-07-3")
    customer = make_customer(name="Calder Engineering", email="buyer@calder.example.com")
    first = make_order([(hinge, 3), (valve, 2)], submit=True, customer=customer)
    second = make_order([(cable, 4), (hinge, 1)], submit=True)
    db.session.add(SpecialRequest(order_id=first.id, kind="gift_wrap", text="Wrap each hinge separately",
                                  owner_team="fulfillment", status="approved"))
    first.instructions = "Deliver to goods-in at the rear."
    db.session.commit()
    refs = {"first": first.number, "second": second.number, "first_id": first.id, "second_id": second.id}
    db.session.rollback()
    return refs


@pytest.mark.real_pdf  # the pick lists and packing slip are kept as PNGs to look at
def test_wave_pick_short_pick_dispatch_then_backorder_ships(
        live_server, page, browser, browser_login, screenshot, warehouse, users):
    first = warehouse["first"]
    first_id, second_id = warehouse["first_id"], warehouse["second_id"]
    page.on("dialog", lambda dialog: dialog.accept())
    reconciles()

    # Fulfillment: tick both orders (keyboard: j moves, x ticks) and start a wave.
    browser_login(page, "fulfillment")
    page.goto(f"{live_server}/fulfillment/")
    assert page.locator("text=gift wrap: Wrap each hinge separately").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("#start-wave").inner_text() == "Start wave of 2 orders"
    screenshot(page, "warehouse-fulfillment-dashboard")
    page.click("#start-wave")
    page.wait_for_url("**/fulfillment/waves/*")
    screenshot(page, "warehouse-wave")
    with page.expect_popup() as popup:  # printing is a POST that opens the stored PDF in a new tab
        page.click("#print-wave")
    popup.value.wait_for_url("**/pick-list.pdf")
    wave_pdf = popup.value.url
    popup.value.close()
    save_pdf(page, wave_pdf, "wave-pick-list")
    save_pdf(page, f"{live_server}/orders/{first}/pick-list.pdf", "pick-list")
    assert {order_state(first_id)["status"], order_state(second_id)["status"]} == {"picking"}
    reconciles()

    # Scan the first order: hinge ×3 (one scan with quantity 3), valve once of two: a short pick.
    page.click(f"main table a:has-text('{first}')")
    page.wait_for_url("**/pick")
    scan = page.locator("#scan-sku")
    assert scan.evaluate("el => el === document.activeElement")
    page.fill("#scan-qty", "3")
    scan.type("SKU-HINGE")
    scan.press("Enter")
    page.wait_for_selector("#scan-message:has-text('SKU-HINGE: 3 of 3 picked')")
    scan.type("sku-valve")
    scan.press("Enter")
    page.wait_for_selector("#scan-message:has-text('SKU-VALVE: 1 of 2 picked')")
    assert scan.evaluate("el => el === document.activeElement && el.value === ''")
    scan.type("SKU-NOPE")
    scan.press("Enter")
    page.wait_for_selector("#scan-message:has-text('is not on')")
    screenshot(page, "warehouse-picking")
    reconciles()
    page.click("#finish-pick")
    page.wait_for_url("**/ship")
    assert "backordered 1 × SKU-VALVE (sales and inventory are told)" in page.inner_text(".flashes")
    screenshot(page, "warehouse-ship")
    with page.expect_popup() as popup:
        page.click("#packing-slip")
    popup.value.wait_for_url("**/packing-slip.pdf")
    slip_url = popup.value.url
    popup.value.close()
    save_pdf(page, slip_url, "packing-slip")
    reconciles()

    # Dispatch without a carrier is refused next to the field; then dispatched.
    page.click("#dispatch")
    assert page.locator(".field__error").inner_text() == "Enter the carrier (e.g. DPD, own van)."
    page.fill("#carrier", "DPD")
    page.fill("#tracking_number", "DPD123456")
    page.click("#dispatch")
    page.wait_for_url("**/fulfillment/")
    reconciles()
    state = order_state(first_id)
    assert state["status"] == "confirmed" and state["backordered"] == [0, 1]  # open: one valve owed
    assert [to for to, _ in state["mail"]] == ["buyer@calder.example.com"]
    body = state["mail"][0][1]
    assert "DPD123456" in body and "1 x SKU-VALVE" in body and "Still to follow" in body

    # Inventory receives valves; the page offers the waiting order and allocates it.
    inventory = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    browser_login(inventory, "inventory")
    inventory.goto(f"{live_server}/inventory/")
    assert first in inventory.inner_text("#queue")
    screenshot(inventory, "warehouse-inventory-dashboard")
    inventory.goto(f"{live_server}/inventory/products?q=valve")
    screenshot(inventory, "warehouse-products")
    inventory.click("#products a:has-text('SKU-VALVE')")
    inventory.fill("#quantity", "5")
    inventory.fill("#reference", "PO-4411")
    inventory.click("#receive")
    assert "allocate them below" in inventory.inner_text(".flashes")
    reconciles()
    inventory.click("#allocate")
    assert f"reserved 1 for {first}" in inventory.inner_text(".flashes")
    screenshot(inventory, "warehouse-product", full_page=True)
    reconciles()

    # Fulfillment picks and ships the backorder: the order is complete.
    page.goto(f"{live_server}/fulfillment/")
    page.locator("tr", has_text=first).locator("button:has-text('Start')").click()
    page.wait_for_url("**/pick")
    page.locator("#scan-sku").type("SKU-VALVE")
    page.locator("#scan-sku").press("Enter")
    page.wait_for_selector("#scan-message:has-text('1 of 1 picked')")
    page.click("#finish-pick")
    page.wait_for_url("**/ship")
    page.fill("#carrier", "DPD")
    page.fill("#tracking_number", "DPD999")
    page.click("#dispatch")
    page.wait_for_url("**/fulfillment/")
    reconciles()
    state = order_state(first_id)
    assert state["status"] == "dispatched" and state["shipments"] == 2 and state["complete"]
    assert len(state["mail"]) == 2 and "DPD999" in state["mail"][1][1]

    # The manager sees no stock warning.
    manager = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    browser_login(manager, "manager")
    assert manager.locator("#stock-warning").count() == 0
    screenshot(manager, "warehouse-manager")
