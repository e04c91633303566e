"""PostgreSQL writers run in parallel (no global lock), and the live feed stays exact:
transactions that commit out of event-id order are never skipped, and the last units of a
product are never reserved twice. Each test needs two connections at once on PostgreSQL
(on SQLite one writer at a time is the design: BEGIN IMMEDIATE)."""

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.pool import NullPool

from app.catalog.models import Product
from app.catalog.services import move_stock
from app.events.models import Event
from app.extensions import db
from app.live import feed
from app.orders import lifecycle
from app.orders import services as orders
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order
from app.timeutil import utcnow

WAIT = 10  # seconds: far more than any step needs, so a test that would hang fails instead


@pytest.fixture(autouse=True)
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two concurrent write transactions: SQLite has one writer at a time by design")
    db.session.commit()  # the test's own session holds no transaction while others write


@contextmanager
def open_transaction():
    """A connection of its own whose transaction stays open until the block ends (then commits)."""
    with db.engine.connect() as connection, connection.begin():
        yield connection


def write_event(connection, summary: str) -> int:
    return connection.execute(insert(Event).values(kind="test.write", summary=summary, created_at=utcnow())
                              .returning(Event.id)).scalar_one()


def read_feed(cursor: int) -> tuple[int, list[str]]:
    """What a page at `cursor` gets: the new head and the summaries of the events up to it."""
    head = feed.head()
    summaries = [db.session.get(Event, row.id).summary for row in feed.events_between(cursor, head)]
    db.session.rollback()
    return head, summaries


@pytest.mark.parametrize("b_wrote_first", [False, True], ids=["A-began-first", "B-began-first"])
def test_an_event_committed_after_a_later_one_is_not_skipped(client, login, b_wrote_first):
    """A takes the lower event id, B the higher; B commits first. With B-began-first, B's
    transaction started writing (took its transaction id) before A: B is readable at once,
    yet the page's cursor must not pass A, which is still to come."""
    login("fulfillment")
    cursor = feed.head()
    db.session.rollback()
    with open_transaction() as a:
        with open_transaction() as b:
            if b_wrote_first:
                write_event(b, "B's first write")
            id_a = write_event(a, "A")
            id_b = write_event(b, "B")
        assert id_a < id_b  # B has committed, A is still open
        head, seen = read_feed(cursor)
        assert "A" not in seen
        assert seen == (["B's first write", "B"] if b_wrote_first else [])
        if not b_wrote_first:
            poll = client.get(f"/live/feed?since={cursor}&topics=orders", headers={"HX-Request": "true"})
            assert poll.status_code == 204  # B waits behind A: not skipped, just not yet
        cursor = head
    head, seen = read_feed(cursor)
    assert seen == (["A"] if b_wrote_first else ["A", "B"])
    poll = client.get(f"/live/feed?since={cursor}&topics=orders", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and poll.get_json()["head"] == head


def run_in_thread(app, work):
    """Run `work()` in its own app context (its own session and connection); commits at the end."""
    outcome = {}

    def target():
        try:
            with app.app_context(), confirmations_suppressed():
                outcome["value"] = work()
                db.session.commit()
        except Exception as exc:  # noqa: BLE001  reported by the test
            outcome["error"] = exc
            db.session.rollback()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def test_two_writers_on_different_orders_do_not_wait_for_each_other(app, make_order, make_product, users):
    """A writes (an order put on hold, stock received: events, ledger, row locks) and keeps its
    transaction open; meanwhile B submits another order and commits without waiting for A."""
    held, other = make_order(submit=True), make_order()
    held_id, other_id, product_id = held.id, other.id, make_product(on_hand=5).id
    a_wrote, b_done = threading.Event(), threading.Event()

    def a_work():
        order = db.session.get(Order, held_id)
        lifecycle.set_hold(order, users["manager"], "Customer asked to wait")
        move_stock(product_id, "receipt", 10, "Delivery", actor=users["inventory"])
        db.session.flush()
        a_wrote.set()
        return b_done.wait(WAIT)  # B finished while A was still open

    def b_work():
        assert a_wrote.wait(WAIT)
        order = orders.submit_order(db.session.get(Order, other_id), users["sales"])
        return order.number

    a, a_result = run_in_thread(app, a_work)
    b, b_result = run_in_thread(app, b_work)
    b.join(WAIT)
    b_done.set()
    a.join(WAIT)
    assert "error" not in a_result and "error" not in b_result, (a_result, b_result)
    assert a_result["value"] is True, "B had to wait for A's commit"
    db.session.expire_all()
    assert db.session.get(Order, held_id).on_hold
    assert db.session.get(Order, other_id).status == "confirmed"


def test_two_submits_for_the_last_units_never_oversell(app, make_order, make_product, users):
    """Both orders want all 5 units left. A submits and keeps its transaction open; B's
    submit waits for the product's row, then finds nothing left: B is backordered."""
    product = make_product(on_hand=5)
    first, second = make_order(lines=[(product, 5)]), make_order(lines=[(product, 5)])
    ids, product_id = (first.id, second.id), product.id
    a_submitted, release_a = threading.Event(), threading.Event()

    def a_work():
        orders.submit_order(db.session.get(Order, ids[0]), users["sales"])
        db.session.flush()
        a_submitted.set()
        release_a.wait(WAIT)

    def b_work():
        assert a_submitted.wait(WAIT)
        return orders.submit_order(db.session.get(Order, ids[1]), users["sales"]).lines[0].qty_reserved

    a, a_result = run_in_thread(app, a_work)
    b, b_result = run_in_thread(app, b_work)
    b.join(0.5)
    assert b.is_alive(), "B should wait for A's row lock on the product"
    release_a.set()
    a.join(WAIT)
    b.join(WAIT)
    assert "error" not in a_result and "error" not in b_result, (a_result, b_result)
    assert b_result["value"] == 0
    db.session.expire_all()
    stock = db.session.execute(select(Product.on_hand, Product.reserved).where(Product.id == product_id)).one()
    assert tuple(stock) == (5, 5)
    lines = [db.session.get(Order, i).lines[0] for i in ids]
    assert [(line.qty_reserved, line.qty_backordered) for line in lines] == [(5, 0), (0, 5)]


def test_an_open_transaction_in_another_database_does_not_hold_the_feed_back(app):
    """The horizon is this database's: a writer left open in another database on the same
    server (another application, a second test run) does not delay this feed's news."""
    url = db.engine.url.set(database="postgres")
    other = create_engine(url, poolclass=NullPool)
    try:
        with other.connect() as elsewhere, elsewhere.begin():
            elsewhere.execute(text("SELECT pg_current_xact_id()"))  # holds a transaction id, open
            before = feed.head()
            db.session.rollback()
            with open_transaction() as ours:
                write_event(ours, "ours")
            head, seen = read_feed(before)
            assert seen == ["ours"] and head > before
    finally:
        other.dispose()


def test_two_customers_created_at_once_get_the_next_two_codes(app, users):
    """Both writers are given the same next free code; the second waits for the first's
    commit, is refused by the unique code, and takes the code after (nothing else lost)."""
    from app.customers.services import create_customer, next_customer_code

    expected = next_customer_code()
    db.session.rollback()
    a_created, release_a = threading.Event(), threading.Event()

    def a_work():
        code = create_customer(actor=users["sales"], name="Alpha Ltd").code
        a_created.set()
        release_a.wait(WAIT)
        return code

    def b_work():
        assert a_created.wait(WAIT)
        return create_customer(actor=users["sales"], name="Beta Ltd", address="1 High St").code

    a, a_result = run_in_thread(app, a_work)
    b, b_result = run_in_thread(app, b_work)
    b.join(0.5)
    assert b.is_alive(), "B should wait for A's code to commit or roll back"
    release_a.set()
    a.join(WAIT)
    b.join(WAIT)
    assert "error" not in a_result and "error" not in b_result, (a_result, b_result)
    number = int(expected[1:])
    assert (a_result["value"], b_result["value"]) == (expected, f"C{number + 1:04d}")
    from app.customers.models import Customer
    beta = db.session.execute(select(Customer).where(Customer.name == "Beta Ltd")).scalar_one()
    assert [address.text for address in beta.addresses] == ["1 High St"]
