"""Stock ledger, backorder allocation, picking, short picks and part shipments, with the
reconciliation check after every step."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.catalog import stock
from app.catalog.models import Product, StockMovement
from app.catalog.services import StockError
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders import picking, services
from app.orders.backorders import allocate_backorders
from app.orders.lifecycle import available as available_transitions
from app.orders.models import Order
from app.orders.services import OrderError

DISPATCH_MAIL = OutboxMessage.subject.like("%dispatched%")  # not the confirmation sent at submit



def reconciles():
    db.session.flush()
    mismatches = stock.stock_mismatches()
    assert mismatches == [], mismatches
    return True


def kinds(order):
    return [e.kind for e in db.session.execute(
        select(Event).where(Event.order_id == order.id).order_by(Event.id)).scalars()]


def test_receive_and_adjust_write_the_ledger(app, make_product, users):
    product = make_product(on_hand=10)
    stock.receive_stock(product, 5, "PO-1", users["inventory"])
    stock.adjust_stock(product, -3, "Damaged in aisle", users["inventory"])
    db.session.commit()
    assert (product.on_hand, product.reserved) == (12, 0)
    ledger = db.session.execute(select(StockMovement.kind, StockMovement.quantity, StockMovement.reason)
                                .where(StockMovement.product_id == product.id).order_by(StockMovement.id)).all()
    assert ledger[1:] == [("receipt", 5, "Received: PO-1"), ("adjustment", -3, "Damaged in aisle")]
    assert reconciles()


def test_adjustment_needs_a_reason_and_cannot_take_reserved_stock(app, make_product, make_order, users):
    product = make_product(on_hand=5)
    with pytest.raises(StockError, match="Say why"):
        stock.adjust_stock(product, -1, "  ", users["inventory"])
    make_order([(product, 4)], submit=True)
    with pytest.raises(StockError):
        stock.adjust_stock(product, -2, "Count", users["inventory"])  # only 1 is free
    db.session.rollback()
    assert reconciles()


def test_reconciliation_finds_a_tampered_product(app, make_product):
    product = make_product(on_hand=7)
    product.on_hand = 9  # changed without a ledger entry
    db.session.commit()
    assert [m["sku"] for m in stock.stock_mismatches()] == [product.sku]


def test_receipt_is_allocated_to_backorders_oldest_promise_first(app, make_product, make_order, users):
    product = make_product(on_hand=0)
    later = make_order([(product, 3)], submit=True)
    sooner = make_order([(product, 4)], submit=True)
    later.promised_date, sooner.promised_date = date.today() + timedelta(days=9), date.today() + timedelta(days=2)
    db.session.commit()
    assert [ln.qty_backordered for ln in (later.lines[0], sooner.lines[0])] == [3, 4]
    assert reconciles()

    stock.receive_stock(product, 5, "PO-9", users["inventory"])
    allocated = allocate_backorders(product, users["inventory"])
    db.session.commit()
    assert [(ln.order_id, n) for ln, n in allocated] == [(sooner.id, 4), (later.id, 1)]
    assert (sooner.lines[0].qty_reserved, sooner.lines[0].qty_backordered) == (4, 0)
    assert (later.lines[0].qty_reserved, later.lines[0].qty_backordered) == (1, 2)
    assert (product.on_hand, product.reserved) == (5, 5)
    assert "order.backorder_allocated" in kinds(sooner)
    assert reconciles()


def _picked_order(make_product, make_order, users, quantities=(3, 2), method="delivery"):
    products = [make_product(on_hand=q, bin_location=f"A-0{i}-1") for i, q in enumerate(quantities, 1)]
    order = make_order([(p, q) for p, q in zip(products, quantities, strict=True)], submit=True, method=method)
    picking.start_picking(order, users["fulfillment"])
    db.session.commit()
    return order, products


def test_scan_adds_one_or_the_typed_quantity_and_refuses_extra(app, make_product, make_order, users):
    order, (a, b) = _picked_order(make_product, make_order, users)
    picking.scan(order, a.sku.lower(), 1, users["fulfillment"])
    picking.scan(order, a.sku, 2, users["fulfillment"])
    assert picking.picked_now(order.lines[0]) == 3
    with pytest.raises(OrderError, match="only 0 more"):
        picking.scan(order, a.sku, 1, users["fulfillment"])
    with pytest.raises(OrderError, match="not on"):
        picking.scan(order, "NOPE-1", 1, users["fulfillment"])
    assert reconciles()


def test_short_pick_becomes_a_backorder_and_tells_sales_and_inventory(app, make_product, make_order, users):
    order, (a, b) = _picked_order(make_product, make_order, users, quantities=(3, 2))
    picking.scan(order, a.sku, 3, users["fulfillment"])
    picking.set_picked(order, order.lines[1].id, 1, users["fulfillment"])
    shorts = picking.finish_pick(order, users["fulfillment"])
    db.session.commit()
    assert shorts == {b.sku: 1}
    assert order.status == "packed"
    line = order.lines[1]
    assert (line.qty_reserved, line.qty_picked, line.qty_backordered) == (1, 1, 1)
    assert b.reserved == 1
    event = db.session.execute(select(Event).where(Event.kind == "order.short_pick")).scalar_one()
    assert event.after == {"sku": b.sku, "missing": 1, "backordered": 1}
    assert reconciles()


def test_part_shipment_keeps_the_order_open_until_the_backorder_ships(app, make_product, make_order, users):
    order, (a, b) = _picked_order(make_product, make_order, users, quantities=(3, 2))
    picking.scan(order, a.sku, 3, users["fulfillment"])
    picking.scan(order, b.sku, 1, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    assert reconciles()
    services.transition(order, "dispatch", users["fulfillment"], carrier="DPD", tracking_number="T1")
    db.session.commit()
    # One unit of b is still owed: the order is back at Confirmed (open), not Dispatched.
    assert order.status == "confirmed"
    assert [ln.qty_shipped for ln in order.lines] == [3, 1]
    assert (a.on_hand, a.reserved, b.on_hand, b.reserved) == (0, 0, 1, 0)
    assert "order.dispatch_part" in kinds(order)
    assert reconciles()
    # Nothing reserved yet: it cannot be picked, and is not offered as "ready to pick".
    with pytest.raises(OrderError, match="nothing in stock"):
        picking.start_picking(order, users["fulfillment"])
    db.session.rollback()

    stock.receive_stock(b, 4, "PO-2", users["inventory"])
    allocate_backorders(b, users["inventory"])
    assert reconciles()
    picking.start_picking(order, users["fulfillment"])
    picking.scan(order, b.sku, 1, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    assert reconciles()
    services.transition(order, "dispatch", users["fulfillment"], carrier="DPD", tracking_number="T2")
    db.session.commit()
    assert order.status == "dispatched"
    assert len(order.shipments) == 2
    assert [[sl.quantity for sl in s.lines] for s in order.shipments] == [[3, 1], [1]]
    assert all(ln.qty_shipped == ln.quantity for ln in order.lines)
    assert reconciles()
    emails = db.session.execute(select(OutboxMessage).where(DISPATCH_MAIL).order_by(OutboxMessage.id)).scalars().all()
    assert [m.to_address for m in emails] == [order.customer.email] * 2
    assert "T1" in emails[0].body_text and "Still to follow" in emails[0].body_text
    assert "Still to follow" not in emails[1].body_text


def test_pickup_collect_records_who_and_ships(app, make_product, make_order, users):
    order, (a,) = _picked_order(make_product, make_order, users, quantities=(2,), method="pickup")
    picking.scan(order, a.sku, 2, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    services.transition(order, "ready_for_pickup", users["fulfillment"])
    services.transition(order, "collect", users["sales"], collected_by="Jo Khan")
    db.session.commit()
    assert order.status == "collected" and order.shipments[0].collected_by == "Jo Khan"
    assert db.session.execute(select(OutboxMessage).where(DISPATCH_MAIL)).first() is None  # none for a pickup
    assert reconciles()


def test_wave_starts_every_order_and_refuses_a_fully_backordered_one(app, make_product, make_order, users):
    p = make_product(on_hand=5)
    first, second = make_order([(p, 2)], submit=True), make_order([(p, 3)], submit=True)
    empty = make_order([(make_product(on_hand=0), 1)], submit=True)
    with pytest.raises(OrderError, match="nothing in stock"):
        picking.start_wave([first, empty], users["fulfillment"])
    db.session.rollback()
    wave = picking.start_wave([first, second], users["fulfillment"])
    db.session.commit()
    assert {o.status for o in wave.orders} == {"picking"}
    assert db.session.get(Order, empty.id).status == "confirmed"
    assert reconciles()


def test_finish_pick_with_nothing_picked_is_refused(app, make_product, make_order, users):
    order, _ = _picked_order(make_product, make_order, users, quantities=(2,))
    with pytest.raises(OrderError, match="Nothing has been picked"):
        picking.finish_pick(order, users["fulfillment"])
    assert reconciles()


def test_part_transitions_are_not_offered_as_buttons(app, make_product, make_order, users):
    order, _ = _picked_order(make_product, make_order, users, quantities=(2,))
    picking.scan(order, order.lines[0].sku, 2, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    names = [t.name for t in available_transitions(order, users["manager"])]
    assert "dispatch" in names and "dispatch_part" not in names


def test_cancelling_an_order_with_a_backorder_reconciles(app, make_product, make_order, users):
    product = make_product(on_hand=1)
    order = make_order([(product, 3)], submit=True)
    assert reconciles()
    services.cancel_order(order, users["sales"], "changed mind")
    db.session.commit()
    assert db.session.get(Product, product.id).reserved == 0
    assert reconciles()
