"""Bookkeeping that must never fail or hold up the request it belongs to: an API token's
last use, a rate-limit counter. Written on a connection of its own, in its own short
transaction (so a GET still never writes business data, and a refused POST still counts),
and any failure is logged and ignored.

SQLite has one writer at a time: do bookkeeping at the start of a request, before the
request's own session has begun writing, or it waits for itself (at most SQLITE_WAIT
seconds, then gives up and lets the request through)."""

import logging

from flask import current_app

from app.database import writing_aside
from app.extensions import db

log = logging.getLogger(__name__)


SQLITE_WAIT = 3


def aside(work, default=None):
    """Run `work(connection)` in its own committed transaction; on any error return `default`."""
    try:
        with writing_aside(), db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # on the driver's connection: a statement through SQLAlchemy would BEGIN
                connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_WAIT * 1000}")
            try:
                with connection.begin():
                    return work(connection)
            finally:
                if sqlite:
                    wait = int(current_app.config["DB_LOCK_WAIT_SECONDS"] * 1000)
                    connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={wait}")
    except Exception:  # noqa: BLE001  bookkeeping never fails the request
        log.warning("bookkeeping failed", exc_info=True)
        return default
