"""Order desk benchmarks (issue 3).

1. Submitting a 10-line order through the web layer (validation, verification checks,
   numbering, reservation, revision, events): median server time, against a bare Flask +
   SQLAlchemy endpoint that only inserts the same rows (order, 10 lines, event) in one
   transaction. Target: ratio <= 3.
2. The same submit's database work: the statements one submit issues (counted), replayed by a
   bare endpoint in one transaction; the submit's server time as a ratio to that replay.
3. Adding a line to a draft (htmx, the desk's most frequent action): median and p95 server
   time over drafts growing from 0 to 10 lines, for a customer with order history. Target <= 15 ms.
4. The product lookup partial with 50,000 products: median server time. Target <= 20 ms.

Run: .venv/bin/python -m bench.bench_order_entry
"""

import re
import time
from contextlib import contextmanager
from decimal import Decimal

from flask import Flask
from sqlalchemy import create_engine, event, insert

from app.auth.services import create_user
from app.catalog import services as stock
from app.catalog.models import Product
from app.customers.models import Address, Customer
from app.database import configure_sqlite
from app.events.models import Event
from app.extensions import db
from app.orders import services as orders
from app.orders import verification
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order, OrderLine
from app.timeutil import utcnow
from app.web import transaction
from bench.common import bench_app, machine, median, p95, server_ms

SUBMITS = 60
ADDS = 100  # lines added, ten drafts of ten lines
VERSION_RE = re.compile(r'id="draft-version"[^>]*value="(\d+)"')
HISTORY = 20  # confirmed orders the customer already has (the checks read them)
LOOKUPS = 40
CATALOGUE = 50_000
WORDS = ["Steel", "Brass", "Nylon", "Compact", "Marine", "Zinc", "valve", "bolt", "hinge", "pump", "sensor", "cable"]


def _login(client):
    response = client.post("/login", data={"username": "bench", "password": "bench-pass"})
    assert response.status_code == 302, response.status_code


def _setup_orders(app):
    with app.app_context():
        create_user("bench", "bench-pass", ["sales"])
        customer = Customer(code="B0001", name="Bench Buyer", email="buyer@example.com")
        customer.addresses.append(Address(text="1 Bench Street\nLeeds", is_default=True))
        db.session.add(customer)
        products = []
        for i in range(10):
            product = Product(sku=f"BEN-{i:04d}", name=f"Bench product {i}", unit_price=Decimal("9.99"), bin_location=f"A-{i:02d}")
            db.session.add(product)
            db.session.flush()
            stock.move_stock(product.id, "receipt", 1_000_000, "Bench stock")
            products.append(product)
        db.session.commit()
        return customer.id, [p.id for p in products]


def _draft(app, customer_id, product_ids, user_id) -> tuple[str, int]:
    with app.app_context():
        from app.auth.models import User

        actor = db.session.get(User, user_id)
        order = orders.create_draft(db.session.get(Customer, customer_id), channel="phone", actor=actor)
        for pid in product_ids:
            orders.add_line(order, db.session.get(Product, pid), 3)
        db.session.flush()
        verification.refresh_flags(order)  # the rep has acknowledged the checks (duplicates of the last run)
        verification.acknowledge_all(order, actor)
        db.session.commit()
        return order.ref, order.version


def _submit_times(app, client, customer_id, product_ids, count) -> list[float]:
    times = []
    for _ in range(count):
        ref, version = _draft(app, customer_id, product_ids, 1)
        response = client.post(f"/sales/orders/{ref}/submit", data={"version": version})
        assert response.status_code == 302 and "/orders/SO-" in response.headers["Location"], response.status_code
        times.append(server_ms(response))
    return times


def bench_submit() -> tuple[float, float, float]:
    """Median server ms: submit without the confirmation document, with it, and the bare insert."""
    app = bench_app("submit")
    customer_id, product_ids = _setup_orders(app)
    client = app.test_client()
    _login(client)
    with confirmations_suppressed():  # the measure: validation, numbering, reservation, event
        core = _submit_times(app, client, customer_id, product_ids, SUBMITS)
    full = _submit_times(app, client, customer_id, product_ids, SUBMITS // 4)  # plus PDF + outbox row
    return median(core), median(full), _bare_insert_median(app.config["SQLALCHEMY_DATABASE_URI"], customer_id, product_ids)


def _bare_insert_median(url, customer_id, product_ids) -> float:
    """The floor: a plain Flask + SQLAlchemy endpoint inserting the same rows, no checks."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    bare = Flask("bare")
    bare.testing = True
    timings = []

    @bare.post("/orders")
    def insert_order():
        started = time.perf_counter()
        with engine.begin() as conn:
            order_id = conn.execute(insert(Order.__table__).values(
                customer_id=customer_id, channel="phone", method="delivery", address="1 Bench Street",
                instructions="", customer_reference="", status="confirmed", on_hold=False, hold_reason="",
                revision=1, version=1, number=f"SO-BARE-{len(timings):05d}",
                created_at=utcnow(), status_changed_at=utcnow(),
                updated_at=utcnow(),
            )).inserted_primary_key[0]
            conn.execute(insert(OrderLine.__table__), [
                {"order_id": order_id, "position": i, "product_id": pid, "sku": f"BEN-{i:04d}",
                 "description": "Bench", "quantity": 3, "unit_price": Decimal("9.99"), "price_override_reason": "",
                 "qty_reserved": 3, "qty_picked": 0, "qty_shipped": 0, "qty_backordered": 0}
                for i, pid in enumerate(product_ids)])
            conn.execute(insert(Event.__table__).values(kind="order.submit", summary="bare",
                                                        order_id=order_id, created_at=utcnow()))
        timings.append((time.perf_counter() - started) * 1000)
        return "", 201

    client = bare.test_client()
    for _ in range(SUBMITS):
        assert client.post("/orders").status_code == 201
    return median(timings)


@contextmanager
def recorded_statements(engine):
    """Every statement (and its parameters) the engine runs inside the block, BEGINs left out."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _rolled_back_submit(app, client, ref, version) -> list:
    """The statements of one submit through the web, its transaction rolled back instead of
    committed (so the same draft can be replayed against the database as it was)."""
    real_end = transaction.end_transaction
    transaction.end_transaction = lambda: db.session.rollback()
    try:
        with app.app_context(), recorded_statements(db.engine) as statements:
            response = client.post(f"/sales/orders/{ref}/submit", data={"version": version})
    finally:
        transaction.end_transaction = real_end
    assert response.status_code == 302, response.status_code
    return statements


def bench_submit_statements() -> tuple[int, float, float, float]:
    """(statements, median submit ms, median ms of a bare endpoint replaying those statements,
    median submit ms without issuing the confirmation)."""
    app = bench_app("submit-statements")
    customer_id, product_ids = _setup_orders(app)
    client = app.test_client()
    _login(client)
    with confirmations_suppressed():
        submits = _submit_times(app, client, customer_id, product_ids, SUBMITS // 2)
    ref, version = _draft(app, customer_id, product_ids, 1)  # issues its confirmation: the full submit
    statements = _rolled_back_submit(app, client, ref, version)
    replay = _replay_median(app.config["SQLALCHEMY_DATABASE_URI"], statements)  # before the next number is taken
    full = _submit_times(app, client, customer_id, product_ids, SUBMITS // 2)
    return len(statements), median(full), replay, median(submits)


def _replay_median(url, statements) -> float:
    """A bare Flask endpoint issuing exactly the recorded statements in one transaction (rolled
    back, so every replay meets the same draft)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    bare = Flask("bare")
    timings = []

    @bare.post("/replay")
    def replay():
        started = time.perf_counter()
        with engine.connect() as conn, conn.begin() as tx:
            for statement, parameters in statements:
                conn.exec_driver_sql(statement, parameters)
            tx.rollback()
        timings.append((time.perf_counter() - started) * 1000)
        return "", 204

    client = bare.test_client()
    for _ in range(SUBMITS):
        assert client.post("/replay").status_code == 204
    return median(timings)


def _customer_history(app, customer_id, product_ids):
    """The customer's earlier orders, confirmed (what the duplicate and quantity checks read)."""
    with confirmations_suppressed():
        for n in range(HISTORY):
            ref, _version = _draft(app, customer_id, product_ids[n % 5:n % 5 + 3], 1)
            with app.app_context():
                from app.auth.models import User

                orders.submit_order(orders.find_order(ref), db.session.get(User, 1))
                db.session.commit()


def bench_add_line() -> tuple[list[float], list[float]]:
    """Server ms of each line added to a draft through the entry screen (htmx), and the CPU ms
    of each (this process's CPU time: what the request costs whatever else the machine runs)."""
    app = bench_app("add-line")
    customer_id, product_ids = _setup_orders(app)
    _customer_history(app, customer_id, product_ids)
    client = app.test_client()
    _login(client)
    times, cpu = [], []
    for _ in range(ADDS // len(product_ids)):
        ref, version = _draft(app, customer_id, [], 1)
        for n in range(len(product_ids)):
            started = time.process_time()
            response = client.post(f"/sales/orders/{ref}/lines", data={"sku": f"BEN-{n:04d}", "quantity": 2, "version": version},
                                   headers={"HX-Request": "true", "HX-Target": "draft-lines"})
            assert response.status_code == 200 and f"BEN-{n:04d}" in response.get_data(as_text=True), response.status_code
            cpu.append((time.process_time() - started) * 1000)
            version = int(VERSION_RE.search(response.get_data(as_text=True)).group(1))
            times.append(server_ms(response))
    return times, cpu


def bench_lookup() -> dict[str, float]:
    app = bench_app("lookup")
    customer_id, _ = _setup_orders(app)
    with app.app_context():
        rows = [{"sku": f"SKU-{i:06d}", "name": f"{WORDS[i % 6]} {WORDS[6 + (i * 7) % 6]} {i}",
                 "description": "", "unit_price": Decimal("5.00"), "bin_location": "A", "lead_time_days": 7,
                 "reorder_point": 0, "on_hand": 10, "reserved": 0, "active": True,
                 "created_at": utcnow()} for i in range(CATALOGUE)]
        db.session.execute(insert(Product.__table__), rows)
        db.session.commit()
    ref, _ = _draft(app, customer_id, [], 1)
    client = app.test_client()
    _login(client)
    results = {}
    for label, term in (("SKU prefix", "SKU-0421"), ("name word", "marine pump"), ("common word", "valve"),
                        ("no match", "zzzz")):
        times = []
        for _ in range(LOOKUPS):
            response = client.get(f"/sales/orders/{ref}/products", query_string={"sku": term}, headers={"HX-Request": "true"})
            assert response.status_code == 200
            times.append(server_ms(response))
        results[label] = median(times)
    return results


def main():
    print(f"Order desk benchmarks on {machine()}")
    core, full, bare = bench_submit()
    print(f"submit 10-line order via web (validation, checks, numbering, reservation, revision, events): "
          f"median {core:.1f} ms; bare insert endpoint: median {bare:.2f} ms; ratio {core / bare:.1f} (target <= 3)")
    print(f"the same submit issuing the confirmation (document and outbox email; PDF rendered after commit): "
          f"median {full:.1f} ms")
    count, with_confirmation, replay, _core = bench_submit_statements()
    print(f"submit database work: {count} statements; replayed by a bare endpoint: median {replay:.2f} ms; "
          f"submit {with_confirmation:.1f} ms = {with_confirmation / replay:.1f}x the bare replay (target towards 3)")
    adds, cpu = bench_add_line()
    print(f"add a line to a draft (htmx, {len(adds)} adds, customer with {HISTORY} orders): "
          f"median {median(adds):.1f} ms, p95 {p95(adds):.1f} ms (target <= 15 ms); "
          f"CPU median {median(cpu):.1f} ms, p95 {p95(cpu):.1f} ms")
    for label, ms in bench_lookup().items():
        print(f"product lookup, {CATALOGUE:,} products, {label}: median {ms:.1f} ms (target <= 20 ms)")


if __name__ == "__main__":
    main()
