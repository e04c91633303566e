"""The inventory and fulfillment screens through HTTP: forms, messages, htmx partials."""

import base64
from io import BytesIO

import barcode
from PIL import Image
from sqlalchemy import select

from app.catalog.stock import stock_mismatches
from app.documents.barcodes import QUIET_MODULES, code128
from app.events.models import Event
from app.extensions import db
from app.orders import picking
from app.orders.models import Order
from app.orders.waves import PickWave


def test_code128_image_draws_exactly_the_encoded_modules():
    url = code128("SKU-0042")
    assert url.startswith("data:image/png;base64,")
    image = Image.open(BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L")
    for y in (0, image.height - 1):  # every row is the same bars, one pixel per module
        drawn = "".join("1" if image.getpixel((x, y)) < 128 else "0" for x in range(image.width))
        expected = barcode.Code128("SKU-0042").build()[0]
        assert drawn == "0" * QUIET_MODULES + expected + "0" * QUIET_MODULES


def test_receive_needs_a_quantity_and_keeps_the_input(client, login, make_product):
    product = make_product(on_hand=3)
    token = login("inventory")
    response = client.post(f"/inventory/products/{product.sku}/receive",
                           data={"csrf_token": token, "quantity": "", "reference": "PO-77"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter how many units arrived." in html and 'value="PO-77"' in html
    assert product.on_hand == 3


def test_adjust_needs_a_reason_and_cannot_go_below_reserved(client, login, make_product, make_order):
    product = make_product(on_hand=5)
    make_order([(product, 4)], submit=True)
    token = login("inventory")
    response = client.post(f"/inventory/products/{product.sku}/adjust",
                           data={"csrf_token": token, "change": "-1", "reason": ""})
    assert response.status_code == 422 and "A reason is required" in response.get_data(as_text=True)
    response = client.post(f"/inventory/products/{product.sku}/adjust",
                           data={"csrf_token": token, "change": "-2", "reason": "Damaged"})
    assert response.status_code == 422 and "on hand cannot go below reserved" in response.get_data(as_text=True)
    response = client.post(f"/inventory/products/{product.sku}/adjust",
                           data={"csrf_token": token, "change": "-1", "reason": "Damaged"})
    assert response.status_code == 302
    assert (product.on_hand, product.reserved) == (4, 4)
    assert stock_mismatches() == []


def test_receipt_offers_the_backorder_and_allocate_reserves_it(client, login, make_product, make_order):
    product = make_product(on_hand=0)
    order = make_order([(product, 2)], submit=True)
    token = login("inventory")
    response = client.post(f"/inventory/products/{product.sku}/receive",
                           data={"csrf_token": token, "quantity": "5", "reference": "PO-1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 unit(s) are on backorder" in html and order.number in html and "Allocate to waiting orders" in html
    response = client.post(f"/inventory/products/{product.sku}/allocate", data={"csrf_token": token},
                           follow_redirects=True)
    assert f"reserved 2 for {order.number}" in response.get_data(as_text=True)
    assert (order.lines[0].qty_reserved, order.lines[0].qty_backordered) == (2, 0)
    assert stock_mismatches() == []


def test_product_search_and_htmx_partial(client, login, make_product):
    make_product(sku="SKU-FINDME", name="Brass hinge")
    make_product(sku="SKU-OTHER", name="Valve")
    login("inventory")
    html = client.get("/inventory/products?q=hinge").get_data(as_text=True)
    assert "SKU-FINDME" in html and "SKU-OTHER" not in html
    partial = client.get("/inventory/products?q=zzz", headers={"HX-Request": "true", "HX-Target": "products"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and "No product matches “zzz”" in body


def test_inventory_dashboard_lists_pending_inventory_requests(client, login, make_order):
    from app.orders.models import SpecialRequest

    order = make_order(submit=True)
    db.session.add(SpecialRequest(order_id=order.id, kind="substitute", text="Accept brass instead of steel",
                                  owner_team="inventory", status="pending"))
    login("inventory")
    html = client.get("/inventory/").get_data(as_text=True)
    assert "Accept brass instead of steel" in html


def test_ready_to_pick_excludes_fully_backordered_orders(client, login, make_product, make_order):
    ready = make_order([(make_product(on_hand=5), 1)], submit=True)
    waiting = make_order([(make_product(on_hand=0), 1)], submit=True)
    login("fulfillment")
    html = client.get("/fulfillment/").get_data(as_text=True)
    queue = html[html.index('id="queue"'):html.index("</table>")]
    assert ready.number in queue and waiting.number not in queue


def test_start_wave_from_ticked_orders(client, login, make_product, make_order):
    product = make_product(on_hand=10)
    orders = [make_order([(product, 1)], submit=True) for _ in range(3)]
    token = login("fulfillment")
    response = client.post("/fulfillment/waves", data={"csrf_token": token, "order": [o.id for o in orders[:2]]})
    wave = db.session.execute(select(PickWave)).scalar_one()
    assert response.headers["Location"] == f"/fulfillment/waves/{wave.id}"
    assert [o.status for o in orders] == ["picking", "picking", "confirmed"]
    response = client.post("/fulfillment/waves", data={"csrf_token": token, "order": [orders[2].id]})
    assert response.headers["Location"] == f"/fulfillment/orders/{orders[2].number}/pick"


def test_scan_by_htmx_returns_the_lines_with_a_message(client, login, make_product, make_order, users):
    product = make_product(on_hand=5, sku="SKU-SCAN")
    order = make_order([(product, 2)], submit=True)
    picking.start_picking(order, users["fulfillment"])
    token = login("fulfillment")
    headers = {"HX-Request": "true", "HX-Target": "pick-lines"}
    response = client.post(f"/fulfillment/orders/{order.number}/scan", headers=headers,
                           data={"csrf_token": token, "sku": "sku-scan", "quantity": "1"})
    body = response.get_data(as_text=True)
    assert body.startswith('<div id="pick-lines">') and "SKU-SCAN: 1 of 2 picked" in body
    response = client.post(f"/fulfillment/orders/{order.number}/scan", headers=headers,
                           data={"csrf_token": token, "sku": "SKU-SCAN", "quantity": "5"})
    assert "only 1 more to pick" in response.get_data(as_text=True)
    assert order.lines[0].qty_picked == 1


def test_finish_short_pick_then_dispatch_through_the_screens(client, login, make_product, make_order, users):
    product = make_product(on_hand=3, sku="SKU-SHORT")
    order = make_order([(product, 3)], submit=True)
    picking.start_picking(order, users["fulfillment"])
    token = login("fulfillment")
    client.post(f"/fulfillment/orders/{order.number}/lines/{order.lines[0].id}",
                data={"csrf_token": token, "picked": "2"})
    response = client.post(f"/fulfillment/orders/{order.number}/finish", data={"csrf_token": token},
                           follow_redirects=True)
    assert "backordered 1 × SKU-SHORT (sales and inventory are told)" in response.get_data(as_text=True)
    assert db.session.execute(select(Event).where(Event.kind == "order.short_pick")).scalar_one()
    response = client.post(f"/fulfillment/orders/{order.number}/ship/dispatch",
                           data={"csrf_token": token, "carrier": "", "tracking_number": "X"})
    assert response.status_code == 422 and "Enter the carrier" in response.get_data(as_text=True)
    client.post(f"/fulfillment/orders/{order.number}/ship/dispatch",
                data={"csrf_token": token, "carrier": "DPD", "tracking_number": "X1"})
    order = db.session.get(Order, order.id)
    assert order.status == "confirmed" and order.lines[0].qty_shipped == 2
    assert stock_mismatches() == []


def test_manager_sees_a_warning_when_stock_does_not_reconcile(client, login, make_product):
    product = make_product(on_hand=2)
    token = login("manager")
    html = client.get("/manager/").get_data(as_text=True)
    assert 'id="stock-warning"' not in html and "Stock not checked yet" in html
    product.on_hand = 5
    db.session.commit()
    assert 'id="stock-warning"' not in client.get("/manager/").get_data(as_text=True)  # until the next check
    html = client.post("/manager/stock-check", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert 'id="stock-warning"' in html and product.sku in html and "checked 0 min ago" in html
    assert "Stock check: 1 product(s) do not reconcile." in html


def test_collect_asks_who_collected(client, login, make_product, make_order, users):
    from app.orders import services

    order = make_order([(make_product(on_hand=2), 2)], submit=True, method="pickup")
    picking.start_picking(order, users["fulfillment"])
    picking.scan(order, order.lines[0].sku, 2, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    services.transition(order, "ready_for_pickup", users["fulfillment"])
    token = login("fulfillment")
    response = client.post(f"/fulfillment/orders/{order.number}/ship/collect", data={"csrf_token": token, "collected_by": " "})
    assert response.status_code == 422 and "Enter who collected it." in response.get_data(as_text=True)
    client.post(f"/fulfillment/orders/{order.number}/ship/collect", data={"csrf_token": token, "collected_by": "Jo Khan"})
    order = db.session.get(Order, order.id)
    assert order.status == "collected" and order.shipments[0].collected_by == "Jo Khan"
    assert stock_mismatches() == []
