"""Engine set-up: SQLite honest under several writers, PostgreSQL writers in parallel.

SQLite runs in WAL mode with a busy timeout. Requests that may write (anything but
GET/HEAD/OPTIONS, and all CLI and service work outside a request) start their
transaction with BEGIN IMMEDIATE, so two writers queue instead of failing on upgrade
from a read lock. One writer at a time also means event ids become visible in id order.

PostgreSQL: no lock is global. Writers run in parallel and meet only on the rows they
share: the row locks of a conditional UPDATE (stock, the year's order-number counter, an
order's version) and unique constraints (idempotency keys, rate windows, intake
messages). Rows that one transaction locks several of are locked in one order (stock by
product id, then the counter: app/orders/services.py `by_product`), so writers wait for
each other but never in a circle. The live feed does not need ids in commit order: it
reads by transaction (app/live/feed.py). No lock is waited for longer than
DB_LOCK_WAIT_SECONDS (lock_timeout); past that, or if PostgreSQL still finds a deadlock,
the request answers 503 "nothing was saved, try again".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
DB_INT_MAX = 2**31 - 1  # ids are INTEGER on PostgreSQL: the smaller range of the two databases
_reading: ContextVar[bool] = ContextVar("reading", default=False)
_aside: ContextVar[bool] = ContextVar("aside", default=False)


@contextmanager
def reading_only():
    """Database work outside a request that only reads: a plain BEGIN (on SQLite no write lock)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def writing_aside():
    """Bookkeeping written on its own connection (app/bookkeeping.py), even inside a GET:
    BEGIN IMMEDIATE on SQLite (a plain BEGIN on PostgreSQL)."""
    token = _aside.set(True)
    try:
        yield
    finally:
        _aside.reset(token)


def _begin_mode() -> str:
    if _aside.get():
        return "ASIDE"
    if _reading.get() or (has_request_context() and request.method in READ_METHODS):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_sqlite(engine: Engine, wait_seconds: float = 15) -> None:
    """Install WAL, busy timeout, foreign keys and explicit BEGIN on a SQLite engine.
    A writer waits up to `wait_seconds` for its turn; past that the request answers 503."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = _begin_mode()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "ASIDE" else mode)


def configure_postgresql(engine: Engine, wait_seconds: float = 15, random_page_cost: str = "") -> None:
    """No lock is waited for longer than `wait_seconds` (lock_timeout); past that the request
    answers 503. Transactions begin plainly: writers run in parallel (module docstring).

    `random_page_cost` (DB_RANDOM_PAGE_COST, default 1.1; empty keeps the server's): an order
    desk's year fits in memory, and PostgreSQL's default of 4 prices an index lookup as a
    spinning disk's seek, so the planner read whole tables where an index finds a few rows
    (order search by a customer's name hashed all 100,000 orders to find 5,000)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(wait_seconds * 1000)}")
            if random_page_cost:
                cursor.execute(f"SET random_page_cost = {float(random_page_cost)}")
        dbapi_connection.commit()
