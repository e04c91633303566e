"""No oversell: several reps submit orders for the last units at the same moment, each
through the web layer with their own session. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

import threading

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db
from app.orders import verification
from app.orders.models import Order, OrderLine
from app.orders.states import CLOSED_STATUSES
from tests.conftest import csrf_from, log_in

REPS = 8


def _submit_together(app, jobs):
    """Each job (client, url, data) posts at the same moment from its own thread."""
    db.session.commit()  # the test's own session must not hold SQLite's write lock meanwhile
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, client, url, data):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                response = client.post(url, data=data)
                results[i] = (response.status_code, response.headers.get("Location", ""))
            except Exception as exc:  # noqa: BLE001  (a crash is a finding, not a test error)
                results[i] = (repr(exc), "")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


@pytest.mark.parametrize(("on_hand", "wanted", "checked_short"), [
    (10, 3, False),  # enough for three and a bit: later reps find the shortage at submit
    (5, 6, True),    # every order is short and the rep has already agreed to backorder
], ids=["last-units", "all-short-backordered"])
def test_no_oversell_when_reps_submit_at_the_same_moment(app, make_user, make_customer, make_product,
                                                         new_draft, on_hand, wanted, checked_short):
    product = make_product(on_hand=on_hand)
    jobs, orders = [], []
    for n in range(REPS):
        rep = make_user(f"rep{n}", ["sales"])
        order = new_draft([(product, wanted)], customer=make_customer(), actor=rep)
        if checked_short:
            order = db.session.get(Order, order.id)
            verification.refresh_flags(order)
            verification.acknowledge_all(order, rep)
            db.session.commit()
        client = app.test_client()
        assert log_in(client, rep.username).status_code == 302
        review = client.get(f"/sales/orders/{order.ref}/review").get_data(as_text=True)
        data = {"csrf_token": csrf_from(review), "version": str(db.session.get(Order, order.id).version)}
        jobs.append((client, f"/sales/orders/{order.ref}/submit", data))
        orders.append(order.id)

    results = _submit_together(app, jobs)

    assert all(status == 302 for status, _ in results), results
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    held = db.session.execute(
        select(func.coalesce(func.sum(OrderLine.qty_reserved), 0)).join(Order)
        .where(OrderLine.product_id == product.id, Order.status.not_in(CLOSED_STATUSES))
    ).scalar_one()
    assert product.reserved == held
    assert product.reserved <= product.on_hand == on_hand
    submitted = [o for o in (db.session.get(Order, i) for i in orders) if o.status == "confirmed"]
    assert submitted, results
    for order in submitted:
        assert order.number
        for line in order.lines:
            assert line.qty_backordered + line.qty_reserved == line.quantity
    assert len({o.number for o in submitted}) == len(submitted)
    if checked_short:  # nobody was stopped: all confirmed, the stock went to exactly one or more of them
        assert len(submitted) == REPS and product.reserved == on_hand
    else:  # each rep was either confirmed or sent back to review, holding nothing, with the shortage to check
        for (_status, location), order_id in zip(results, orders, strict=True):
            order = db.session.get(Order, order_id)
            if order.status == "draft":
                assert location.endswith("/review") and order.lines[0].qty_reserved == 0
        assert product.reserved == min(on_hand, sum(o.lines[0].quantity for o in submitted))


def test_no_oversell_or_deadlock_across_products_in_any_line_order(app, make_user, make_customer, make_product,
                                                                   new_draft):
    """Orders naming the same two products in opposite orders, reducing or backordering."""
    a, b = make_product(on_hand=7), make_product(on_hand=7)
    jobs, orders = [], []
    for n in range(REPS):
        rep = make_user(f"rep{n}", ["sales"])
        lines = [(a, 3), (b, 3)] if n % 2 else [(b, 3), (a, 3)]
        order = new_draft(lines, customer=make_customer(), actor=rep)
        verification.refresh_flags(db.session.get(Order, order.id))
        verification.acknowledge_all(order, rep)
        db.session.commit()
        client = app.test_client()
        assert log_in(client, rep.username).status_code == 302
        review = client.get(f"/sales/orders/{order.ref}/review").get_data(as_text=True)
        choice = "reduce" if n % 3 == 0 else "backorder"
        data = {"csrf_token": csrf_from(review), "version": str(db.session.get(Order, order.id).version),
                **{f"shortage-{line.id}": choice for line in db.session.get(Order, order.id).lines}}
        jobs.append((client, f"/sales/orders/{order.ref}/submit", data))
        orders.append(order.id)

    results = _submit_together(app, jobs)

    assert all(status == 302 for status, _ in results), results
    db.session.expire_all()
    for product in (a, b):
        product = db.session.get(Product, product.id)
        held = db.session.execute(
            select(func.coalesce(func.sum(OrderLine.qty_reserved), 0)).join(Order)
            .where(OrderLine.product_id == product.id, Order.status.not_in(CLOSED_STATUSES))
        ).scalar_one()
        assert product.reserved == held <= product.on_hand == 7
    submitted = [o for o in (db.session.get(Order, i) for i in orders) if o.status == "confirmed"]
    assert submitted
    for order in submitted:
        for line in order.lines:
            assert line.qty_backordered + line.qty_reserved == line.quantity
