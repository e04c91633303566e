"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL
is set), the app, a test client, the CLI runner, logins by role and small factories."""

import os
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text

from app import create_app
from app.auth.models import ROLES
from app.auth.services import create_user
from app.catalog import services as stock
from app.catalog.models import Product
from app.config import TestConfig
from app.customers.models import Address, Customer
from app.documents.store import store_document
from app.extensions import db
from app.mail.outbox import queue_email
from app.orders import services as orders
from app.orders.confirmation import confirmation_filename
from app.orders.models import InboundEmail
from app.textsearch import TEXT_INDEXES

PASSWORD = "secret-pass"


def database_url(tmp_dir) -> str:
    """SQLite in the session's temporary folder, or TEST_DATABASE_URL; with pytest-xdist each
    worker gets its own PostgreSQL database beside it (<name>_gw0, <name>_gw1, …)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / 'test.sqlite'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_schema(app) -> None:
    """Start from an empty database, then build the schema with the migrations."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")


def empty_tables() -> None:
    """Remove every row (keeping the schema) so each test starts clean."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        _empty_postgresql(tables)
    else:  # the append-only tables' triggers refuse DELETE: set aside while emptying, then back
        triggers = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            db.session.execute(text(f'DROP TRIGGER "{name}"'))
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
        for _name, sql in triggers:
            db.session.execute(text(sql))
        _rebuild_text_indexes()
    db.session.commit()


def _rebuild_text_indexes() -> None:
    """The FTS tables missed the DELETEs above (their triggers were set aside): empty them too."""
    for table in TEXT_INDEXES:
        db.session.execute(text(f"INSERT INTO {table}_fts({table}_fts) VALUES ('delete-all')"))


APPEND_ONLY = ("event_seals", "events")  # their triggers refuse DELETE


def _empty_postgresql(tables) -> None:
    """Only the tables a test wrote to, with DELETE (a TRUNCATE of every table cost ~0.1 s
    per test, most of the PostgreSQL run), and every sequence back to 1 as RESTART IDENTITY."""
    probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
    used = {row[0] for row in db.session.execute(text(probe))}
    guarded = [t for t in APPEND_ONLY if t in used]
    for table in guarded:
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    for table in (t for t in tables if t in used):
        db.session.execute(text(f"DELETE FROM {table}"))
    for table in guarded:
        db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    db.session.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"))


class RequestClient(FlaskClient):
    """A test client whose requests each run in their own app context, like a real server:
    their own `g`, their own database session. The test's pending work is committed first
    so the request sees it, and the test's objects are expired after so it sees the result."""

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(instance),
                     MAIL_FILE_DIR=str(instance / "mail"))
    app.instance_path = str(instance)
    app.test_client_class = RequestClient
    reset_schema(app)
    return app


@pytest.fixture
def app(_app, request):
    # Laying out a PDF costs 0.1–1 s: only tests that open their documents pay for it.
    _app.config["PDF_LAYOUT"] = request.node.get_closest_marker("real_pdf") is not None
    with _app.app_context():
        empty_tables()
        yield _app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------

@pytest.fixture
def make_user(app):
    def make(username="user", roles=("sales",), password=PASSWORD, **kw):
        user = create_user(username, password, list(roles), **kw)
        db.session.commit()
        return user
    return make


@pytest.fixture
def users(make_user):
    """One user per role, named after the role."""
    return {role: make_user(role, [role], full_name=role.title()) for role in ROLES}


@pytest.fixture
def make_product(app):
    counter = {"n": 0}

    def make(sku=None, on_hand=100, price="10.00", **kw):
        counter["n"] += 1
        product = Product(sku=sku or f"SKU-T{counter['n']:03d}", name=kw.pop("name", f"Test product {counter['n']}"),
                          unit_price=Decimal(price), bin_location=kw.pop("bin_location", f"A-{counter['n']:02d}-1"), **kw)
        db.session.add(product)
        db.session.flush()
        if on_hand:
            stock.move_stock(product.id, "receipt", on_hand, "Test stock")
        db.session.commit()
        return product
    return make


@pytest.fixture
def make_customer(app):
    counter = {"n": 0}

    def make(name=None, **kw):
        counter["n"] += 1
        customer = Customer(code=kw.pop("code", f"T{counter['n']:04d}"), name=name or f"Customer {counter['n']}",
                            email=kw.pop("email", f"buyer{counter['n']}@example.com"), **kw)
        customer.addresses.append(Address(label="Main", text="1 Test Street\nLeeds\nLS1 1AA", is_default=True))
        db.session.add(customer)
        db.session.commit()
        return customer
    return make


@pytest.fixture
def make_order(app, make_customer, make_product, users):
    """A draft (or, with submit=True, a confirmed order) with the given lines."""
    def make(lines=None, submit=False, customer=None, method="delivery", actor=None):
        customer = customer or make_customer()
        actor = actor or users["sales"]
        order = orders.create_draft(customer, channel="phone", actor=actor, method=method)
        for product, quantity in lines or [(make_product(), 2)]:
            orders.add_line(order, product, quantity)
        db.session.flush()
        if submit:
            orders.submit_order(order, actor)
        db.session.commit()
        return order
    return make


def order_paperwork(order):
    """An order email received for `order`, a stored stand-in confirmation (no PDF rendered)
    and the email queued with it: (inbound email, outbox message)."""
    email = InboundEmail(order_id=order.id, from_address="a@example.com", subject="PO", raw=b"Subject: PO\n\nx")
    db.session.add(email)
    document = store_document(order, "confirmation", b"%PDF-1.4\n% stand-in\n",
                              confirmation_filename(order.number, 1), revision=1)
    message = queue_email(order.customer.email, f"Order {order.number}", "Thank you.", order=order, document=document)
    return email, message


# --- logging in ------------------------------------------------------------------------

@contextmanager
def counting_statements():
    """The SQL statements sent to the database inside the block (a list that fills as they go)."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def log_in(client, username, password=PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def log_out(client):
    """Log out the way the page does: a POST with the CSRF token (GET /logout is refused)."""
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": csrf_from(page)})


@pytest.fixture
def login(client, users):
    """Log the test client in as the demo user of `role`; returns the client's CSRF token."""
    def as_role(role):
        response = log_in(client, role)
        assert response.status_code == 302, response.get_data(as_text=True)
        return csrf_from(client.get(response.headers["Location"]).get_data(as_text=True))
    return as_role


# --- orders in any status (added for the lifecycle, dashboard and browser tests) ----------

LIFECYCLE_PATHS = {
    "delivery": ["submit", "start_pick", "pack", "dispatch", "deliver"],
    "pickup": ["submit", "start_pick", "pack", "ready_for_pickup", "collect"],
}
STEPS_TO = {"draft": 0, "confirmed": 1, "picking": 2, "packed": 3, "dispatched": 4,
            "ready_for_pickup": 4, "delivered": 5, "collected": 5}


@pytest.fixture
def order_in(make_order, make_product, users):
    """A committed order brought to `status` through the real lifecycle (the manager makes
    the steps). Pickup for ready_for_pickup/collected, delivery otherwise unless `method`."""
    def make(status, method=None, quantity=3, product=None, customer=None, on_hand=100, promised=None):
        method = method or ("pickup" if status in ("ready_for_pickup", "collected") else "delivery")
        product = product or make_product(on_hand=on_hand)
        order = make_order(lines=[(product, quantity)], method=method, customer=customer)
        order.promised_date = promised
        steps = ["submit", "cancel"] if status == "cancelled" else LIFECYCLE_PATHS[method][: STEPS_TO[status]]
        for step in steps:
            orders.transition(order, step, users["manager"])
        db.session.commit()
        assert order.status == status
        return order
    return make
