"""Submits per second on PostgreSQL with 1 and 4 writer processes, with and without the old
global advisory lock: `.venv/bin/python -m bench.bench_parallel_submits URL [--orders N]`, or
in `make bench` with BENCH_DATABASE_URL set (a database <its name>_parallel beside it).

URL names a PostgreSQL database whose schema is dropped and rebuilt. Each process submits
its own 10-line drafts (products drawn from 200, so writers meet on some stock rows) with
the confirmation document left out: what is measured is the submit's database work. With
`--global-lock` every write transaction first takes the advisory lock that writers took
before migration 1403feed, as a baseline.
"""

import argparse
import multiprocessing
import os
import random
import time

LOCK_KEY = 7_000_001  # the old FEED_LOCK


def _app(url: str, global_lock: bool):
    from sqlalchemy import event, text

    from app import create_app
    from app.config import Config
    from app.extensions import db

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-secret")
    if global_lock:
        with app.app_context():
            event.listen(db.engine, "begin",
                         lambda conn: conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")))
    return app


def prepare(url: str, drafts: int) -> list[int]:
    """A fresh schema, 200 products, 50 customers and `drafts` 10-line drafts; their ids."""
    from decimal import Decimal

    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.auth.services import create_user
    from app.catalog.models import Product
    from app.catalog.services import move_stock
    from app.customers.models import Customer
    from app.extensions import db
    from app.orders import services as orders

    app = _app(url, False)
    rng = random.Random(14)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade(revision="heads")
        sales = create_user("sales", "bench-pass-1", ["sales"])
        products = [Product(sku=f"B-{n:04d}", name=f"Bench product {n}", unit_price=Decimal("9.50"),
                            bin_location=f"A-{n % 40:02d}-{n % 7}") for n in range(200)]
        customers = [Customer(code=f"B{n:04d}", name=f"Bench customer {n}", email=f"b{n}@example.com")
                     for n in range(50)]
        db.session.add_all(products + customers)
        db.session.flush()
        for product in products:
            move_stock(product.id, "receipt", 100_000, "Opening stock", actor=sales)
        ids = []
        for n in range(drafts):
            order = orders.create_draft(customers[n % 50], channel="phone", actor=sales, method="pickup")
            for product in rng.sample(products, 10):
                orders.add_line(order, product, rng.randint(1, 5))
            db.session.flush()
            ids.append(order.id)
        db.session.commit()
    return ids


def _worker(url, global_lock, order_ids, barrier, results):
    from app.auth.models import User
    from app.extensions import db
    from app.orders import services as orders
    from app.orders.confirmation import confirmations_suppressed
    from app.orders.models import Order

    app = _app(url, global_lock)
    with app.app_context(), confirmations_suppressed():
        actor_id = db.session.query(User.id).filter_by(username="sales").scalar()
        db.session.rollback()
        barrier.wait()
        started = time.perf_counter()
        for order_id in order_ids:
            orders.submit_order(db.session.get(Order, order_id), db.session.get(User, actor_id))
            db.session.commit()
        results.put(time.perf_counter() - started)


def run(url: str, processes: int, global_lock: bool, order_ids: list[int]) -> float:
    """Submits per second with `processes` writers sharing `order_ids`."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    shares = [order_ids[k::processes] for k in range(processes)]
    workers = [ctx.Process(target=_worker, args=(url, global_lock, share, barrier, results)) for share in shares]
    for worker in workers:
        worker.start()
    elapsed = max(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    return len(order_ids) / elapsed


def _url_from_environment() -> str | None:
    """`make bench`: a database beside BENCH_DATABASE_URL's, named <it>_parallel (made if missing)."""
    from sqlalchemy.engine import make_url

    from bench._served import _admin_engine, _pg_exists

    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        return None
    name = f"{make_url(base).database}_parallel"
    admin = _admin_engine(base)
    if not _pg_exists(admin, name):
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    url = args.url or _url_from_environment()
    if url is None:
        print("bench_parallel_submits: PostgreSQL only (set BENCH_DATABASE_URL); skipped")
        return 0
    for global_lock in (True, False):
        for processes in (1, 4):
            ids = prepare(url, args.orders)
            rate = run(url, processes, global_lock, ids)
            print(f"{'global lock' if global_lock else 'no lock    '}  {processes} writer(s): {rate:6.1f} submits/s",
                  flush=True)
    return 0


if __name__ == "__main__":
    main()
