"""Order numbers SO-YYYY-NNNNN: unique, increasing, no gaps, even with several workers at once."""

import multiprocessing
import re
import traceback
from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.orders import services
from app.orders.models import Order
from app.timeutil import business_today, frozen_clock

NUMBER = re.compile(r"SO-(\d{4})-(\d{5})")
WORKERS, ORDERS_EACH = 4, 5


def sequence(numbers):
    return [int(NUMBER.fullmatch(n).group(2)) for n in numbers]


def test_numbers_are_unique_increasing_and_formatted(make_order, users):
    numbers = [make_order(submit=True).number for _ in range(4)]
    year = business_today().year
    assert all(NUMBER.fullmatch(n) and n.startswith(f"SO-{year}-") for n in numbers)
    assert sequence(numbers) == [1, 2, 3, 4]


def test_drafts_and_cancelled_drafts_take_no_number(make_order, users):
    first = make_order(submit=True)
    draft = make_order()
    services.cancel_order(draft, users["sales"])
    db.session.commit()
    assert draft.number is None and draft.ref == f"DRAFT-{draft.id}"
    assert sequence([first.number, make_order(submit=True).number]) == [1, 2]


def test_a_refused_submit_uses_no_number(make_order, make_customer, users):
    first = make_order(submit=True)
    empty = services.create_draft(make_customer(), channel="phone", actor=users["sales"])
    db.session.commit()
    with pytest.raises(services.OrderError):
        services.submit_order(empty, users["sales"])
    db.session.rollback()
    assert sequence([first.number, make_order(submit=True).number]) == [1, 2]


def test_year_rollover_starts_at_00001(make_order, users):
    with frozen_clock(datetime(2026, 12, 31, 23, 50)):
        late = [make_order(submit=True).number for _ in range(2)]
    with frozen_clock(datetime(2027, 1, 1, 0, 5)):
        new_year = [make_order(submit=True).number for _ in range(2)]
    assert late == ["SO-2026-00001", "SO-2026-00002"]
    assert new_year == ["SO-2027-00001", "SO-2027-00002"]
    with frozen_clock(datetime(2026, 12, 31, 23, 59)):  # a late straggler keeps its own year's count
        assert make_order(submit=True).number == "SO-2026-00003"


def test_the_year_is_the_business_year_not_utc(app, make_order, users, monkeypatch):
    monkeypatch.setitem(app.config, "BUSINESS_TIMEZONE", "Asia/Tokyo")  # UTC+9
    with frozen_clock(datetime(2026, 12, 31, 16, 0)):  # already 1 January 2027 in Tokyo
        assert make_order(submit=True).number == "SO-2027-00001"


# --- several OS processes at the same moment ----------------------------------------------

def _submit_worker(url, worker, barrier, results):
    """One worker process: its own app and connection; drafts made first, then submitted at the barrier."""
    try:
        from decimal import Decimal

        from app.auth.services import create_user
        from app.catalog import services as stock
        from app.catalog.models import Product
        from app.customers.models import Address, Customer

        # the numbers are under test, not the lock wait: a loaded machine may keep a writer waiting long
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, DB_LOCK_WAIT_SECONDS=120)
        with app.app_context():
            actor = create_user(f"worker{worker}", "pass-word", ["sales"])
            product = Product(sku=f"SKU-W{worker}", name="Widget", unit_price=Decimal("2.50"))
            customer = Customer(code=f"W{worker:03d}", name=f"Worker {worker} Ltd")
            customer.addresses.append(Address(text="1 Road", is_default=True))
            db.session.add_all([product, customer])
            db.session.flush()
            stock.move_stock(product.id, "receipt", 100, "Test stock")
            drafts = []
            for _ in range(ORDERS_EACH):
                order = services.create_draft(customer, channel="online", actor=actor)
                services.add_line(order, product, 1)
                drafts.append(order.id)
            db.session.commit()
            barrier.wait(timeout=60)
            numbers = []
            for order_id in drafts:  # one transaction per order, as one request each
                numbers.append(services.submit_order(db.session.get(Order, order_id), actor).number)
                db.session.commit()
            results.put((worker, numbers, None))
    except Exception:
        results.put((worker, [], traceback.format_exc()))
        raise


def _sqlite_file_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'numbering.sqlite'}"
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        upgrade(revision="heads")
        db.session.remove()
    return url


@pytest.fixture(params=["sqlite-file", "postgresql"])
def shared_database(request, app, tmp_path):
    """The URL of a database several processes can open: a SQLite file, and PostgreSQL when testing on it."""
    dialect = db.engine.dialect.name
    if request.param == "postgresql":
        if dialect != "postgresql":
            pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to run this")
        return db.engine.url.render_as_string(hide_password=False)
    if dialect == "sqlite":
        return db.engine.url.render_as_string(hide_password=False)
    return _sqlite_file_db(tmp_path)


def test_concurrent_workers_get_unique_gapless_numbers(shared_database):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    workers = [ctx.Process(target=_submit_worker, args=(shared_database, n, barrier, results))
               for n in range(WORKERS)]
    for process in workers:
        process.start()
    reports = [results.get(timeout=90) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    errors = [error for _, _, error in reports if error]
    assert not errors, "\n".join(errors)
    assert [p.exitcode for p in workers] == [0] * WORKERS

    per_worker = {worker: numbers for worker, numbers, _ in reports}
    for numbers in per_worker.values():  # each worker's numbers go up in the order it submitted
        assert len(numbers) == ORDERS_EACH and sequence(numbers) == sorted(sequence(numbers))
    issued = [n for numbers in per_worker.values() for n in numbers]
    assert len(set(issued)) == len(issued) == WORKERS * ORDERS_EACH
    assert sorted(sequence(issued)) == list(range(1, WORKERS * ORDERS_EACH + 1))

    check = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=shared_database)
    with check.app_context():  # everything the workers were told was committed is in the database
        stored = db.session.execute(select(Order.number, Order.status)).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted(n for n, _ in stored) == sorted(issued)
    assert {s for _, s in stored} == {"confirmed"}
