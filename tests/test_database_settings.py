"""What each PostgreSQL connection of the app is told when it opens (app/database.py): wait
for a lock at most DB_LOCK_WAIT_SECONDS, and price an index lookup as memory, not a disk seek
(DB_RANDOM_PAGE_COST), so that a search by a customer's name follows the indexes."""

import pytest
from sqlalchemy import text

from app.extensions import db


def test_postgresql_connections_are_set_up_as_configured(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has its own busy timeout and no planner costs)")
    with db.engine.connect() as connection:
        setting = lambda name: connection.execute(  # noqa: E731
            text("SELECT setting FROM pg_settings WHERE name = :name"), {"name": name}).scalar()
        lock_timeout, random_page_cost = setting("lock_timeout"), setting("random_page_cost")
    assert int(lock_timeout) == int(app.config["DB_LOCK_WAIT_SECONDS"] * 1000)  # milliseconds
    assert float(random_page_cost) == float(app.config["DB_RANDOM_PAGE_COST"]) == 1.1
