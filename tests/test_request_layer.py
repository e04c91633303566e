"""The request layer: one transaction per request, refusals answered in one place, writers
that wait their turn and get a 503 (never a 500) when the wait runs out, reads that never
write, and input bounded where it enters."""

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.config import TestConfig
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.web.transaction import ReadsNeverWrite
from tests.conftest import PASSWORD, csrf_from


@contextmanager
def database_locked(app, order_id):
    """Another writer holds the database (SQLite's write lock) or, on PostgreSQL, where
    writers only meet on shared rows, the order's row."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM orders WHERE id = :id FOR UPDATE"), {"id": order_id})
            try:
                yield
            finally:
                conn.rollback()
        engine.dispose()


@pytest.fixture
def impatient(app, tmp_path):
    """A second app on the same database whose writers wait only half a second."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       DB_LOCK_WAIT_SECONDS=0.5, MAIL_FILE_DIR=str(tmp_path / "mail"))
    other.test_client_class = type(app.test_client())
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_writer_that_cannot_get_its_turn_gets_503_with_retry_after(app, impatient, order_in):
    order = order_in("confirmed")
    order_id, number, version = order.id, order.number, order.version
    db.session.commit()  # the test's own session holds no lock while the other app works
    client = impatient.test_client()
    with impatient.app_context():
        token = csrf_from(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": "sales", "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
        token = csrf_from(client.get(f"/orders/{number}").get_data(as_text=True))
        form = {"csrf_token": token, "version": version, "reason": "Customer asked"}
        with database_locked(app, order_id):
            page = client.post(f"/orders/{number}/hold", data=form)
            htmx = client.post(f"/orders/{number}/hold", data=form, headers={"HX-Request": "true"})
            # a page can still be read while the writer waits
            assert client.get(f"/orders/{number}").status_code == 200
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "nothing was saved" in page.get_data(as_text=True)
        assert "Go back to the form" in page.get_data(as_text=True)
        assert htmx.status_code == 503 and htmx.headers["HX-Retarget"] == "#messages"
        assert "what you typed is still in your browser" in htmx.get_data(as_text=True)
        assert not db.session.get(Order, order_id).on_hold
        db.session.commit()
        # once the other writer is done, the same form goes through
        assert client.post(f"/orders/{number}/hold", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order_id).on_hold


def test_writers_wait_their_turn_rather_than_fail(app, login, client, order_in):
    order = order_in("confirmed")
    order_id = order.id
    token = login("sales")
    holder_started, results = threading.Event(), []

    def hold_the_lock_briefly():
        with app.app_context(), database_locked(app, order_id):
            holder_started.set()
            threading.Event().wait(1.0)

    holder = threading.Thread(target=hold_the_lock_briefly)
    holder.start()
    holder_started.wait(5)
    results.append(client.post(f"/orders/{order.number}/hold",
                               data={"csrf_token": token, "version": order.version, "reason": "Wait"}))
    holder.join()
    assert results[0].status_code == 302  # it waited a second and then wrote
    assert db.session.get(Order, order.id).on_hold


def test_a_get_that_tries_to_write_is_caught_and_never_saved(app, tmp_path, users):
    strict = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        MAIL_FILE_DIR=str(tmp_path / "mail"))
    lenient = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         MAIL_FILE_DIR=str(tmp_path / "mail"), READS_NEVER_WRITE_STRICT=False)
    for other in (strict, lenient):
        @other.get("/_test/sneaky-write")
        def sneaky_write():
            db.session.add(Event(kind="test.sneaky", summary="written by a GET"))
            db.session.flush()
            return "wrote"
    db.session.commit()
    with strict.app_context(), pytest.raises(ReadsNeverWrite):
        strict.test_client().get("/_test/sneaky-write")
    with lenient.app_context():
        assert lenient.test_client().get("/_test/sneaky-write").status_code == 200  # logged, then rolled back
    for other in (strict, lenient):
        with other.app_context():
            db.engine.dispose()
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "test.sneaky")) == 0


def test_a_refusal_keeps_the_form_for_htmx_and_flashes_for_a_page(client, login, order_in):
    order = order_in("dispatched")
    token = login("manager")
    form = {"csrf_token": token, "version": order.version}
    page = client.post(f"/orders/{order.number}/transition/start_pick", data=form)
    assert page.status_code == 302 and page.headers["Location"] == f"/orders/{order.number}"
    assert "Start picking is not possible" in client.get(page.headers["Location"]).get_data(as_text=True)
    htmx = client.post(f"/orders/{order.number}/transition/start_pick", data=form, headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and htmx.headers["HX-Retarget"] == "#messages"
    assert "Start picking is not possible" in htmx.get_data(as_text=True)


def test_a_stale_page_is_a_conflict_not_an_overwrite(client, login, order_in):
    order = order_in("confirmed")
    token = login("sales")
    response = client.post(f"/orders/{order.number}/hold",
                           data={"csrf_token": token, "version": order.version - 1, "reason": "x"})
    assert response.status_code == 302
    assert "changed by someone else" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not db.session.get(Order, order.id).on_hold


@pytest.mark.parametrize("path", [
    "/orders/DRAFT-99999999999999999999", "/orders/DRAFT-2147483648", "/mail/99999999999999999999",
    "/fulfillment/waves/99999999999999999999", "/orders/SO%002026", "/orders/" + "X" * 300,
    "/sales/orders/DRAFT-99999999999999999999/edit",
])
def test_out_of_range_or_unprintable_addresses_are_404(client, login, path):
    login("manager")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", [
    "page=99999999999999999999", "page=-5", "page=abc", "q=%00%01", "q=" + "x" * 5000,
    "view=%00", "page=1e9",
])
def test_list_arguments_are_clamped_not_errors(client, login, query):
    login("manager")
    for path in ("/sales/", "/manager/", "/sales/customers/", "/mail/", "/notifications/"):
        assert client.get(f"{path}?{query}").status_code == 200, path


def test_control_characters_are_stripped_from_form_text(client, users):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "sa\x00les", "password": PASSWORD + "\x01",
                                           "csrf_token": token})
    assert response.status_code == 302  # "sales" and the password, without the control characters


def test_oversized_field_is_refused_next_to_the_field(client, users):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "x" * 1_000_000, "password": "p", "csrf_token": token})
    assert response.status_code == 422
    assert "Field cannot be longer than 64 characters." in response.get_data(as_text=True)


def test_the_app_refuses_to_start_without_a_secret_key(app):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(TestConfig, SECRET_KEY=None, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
