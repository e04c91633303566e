"""`seed-demo --orders N`: a year of history written in bulk, as the services would have written it."""

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product, StockMovement
from app.catalog.stock import stock_mismatches
from app.customers.models import Customer
from app.events.chain import seal_events, verify_chain
from app.events.models import Event
from app.extensions import db
from app.notifications.models import Notification
from app.orders.models import Order, OrderLine, OrderNumberCounter, Revision, Shipment
from app.orders.states import STATUSES
from tests.conftest import empty_tables, log_in


@pytest.fixture(scope="module")
def year(_app):
    """One small year (300 orders, 30 customers, 100 products) for every test of the module."""
    with _app.app_context():
        empty_tables()
        db.session.remove()
    result = _app.test_cli_runner().invoke(
        args=["seed-demo", "--orders", "300", "--customers", "30", "--products", "100"])
    yield result
    with _app.app_context():
        empty_tables()
        db.session.remove()


@pytest.fixture
def seeded(_app, year):
    with _app.app_context():
        yield year
        db.session.rollback()
        db.session.remove()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_year_has_the_size_asked_and_every_status(seeded):
    assert seeded.exit_code == 0, seeded.output
    assert "Demo data loaded: 100 products, 30 customers, 300 orders, 5 users." in seeded.output
    assert (count(Order), count(Customer), count(Product)) == (300, 30, 100)
    statuses = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    assert set(statuses) == set(STATUSES), statuses
    assert statuses["delivered"] > statuses["confirmed"]  # a year of history is mostly closed
    assert 4 <= count(OrderLine) / 300 <= 12
    assert count(Revision) >= count(Order, Order.number.is_not(None))
    assert count(Shipment, Shipment.tracking_number.like("TRK%")) >= statuses["delivered"]
    # numbers as the counter hands them out, and the counter ready for the next one
    numbers = db.session.scalars(select(Order.number).where(Order.number.is_not(None))).all()
    assert all(n.startswith("SO-") and len(n) == 13 for n in numbers) and len(set(numbers)) == len(numbers)
    for counter in db.session.scalars(select(OrderNumberCounter)):
        assert f"SO-{counter.year}-{counter.last:05d}" in numbers


def test_stock_reconciles_with_the_ledger_and_open_orders(seeded):
    assert stock_mismatches() == []
    assert count(StockMovement, StockMovement.kind == "ship") > 0
    assert count(StockMovement, StockMovement.reason == "Opening stock") == 100


def test_events_follow_time_notify_the_teams_and_seal(seeded, _app):
    kinds = set(db.session.scalars(select(Event.kind).distinct()))
    assert {"order.draft", "order.submit", "order.dispatch", "order.deliver", "order.cancel",
            "confirmation.logged"} <= kinds
    times = db.session.scalars(select(Event.created_at).where(Event.order_id.is_not(None)).order_by(Event.id)).all()
    assert times == sorted(times)  # ids in the order things happened: the feed and the chain read them so
    submit = db.session.scalars(select(Event).where(Event.kind == "order.submit").limit(1)).one()
    told = {n.team for n in db.session.scalars(select(Notification).where(Notification.event_id == submit.id))}
    assert told == {"inventory", "fulfillment"} and submit.summary.startswith("Submit and confirm: Draft → Confirmed (SO-")
    while seal_events(limit=5000, settle_seconds=0):
        db.session.commit()
    assert verify_chain().intact


def test_generated_orders_open_for_the_right_roles_and_are_found(seeded, _app):
    order = db.session.scalars(select(Order).where(Order.status == "delivered").order_by(Order.id).limit(1)).one()
    customer = db.session.get(Customer, order.customer_id)
    client = _app.test_client()
    log_in(client, "sales", "demo")
    page = client.get(f"/orders/{order.number}")
    assert page.status_code == 200 and order.number in page.get_data(as_text=True)
    assert client.get(f"/sales/customers/{customer.code}").status_code == 200
    found = client.get(f"/search?q={order.number}").get_data(as_text=True)
    assert order.number in found
    warehouse = _app.test_client()
    log_in(warehouse, "fulfillment", "demo")
    assert warehouse.get(f"/orders/{order.number}").status_code == 200
    assert warehouse.get(f"/sales/customers/{customer.code}").status_code == 403
