"""Order numbers SO-YYYY-NNNNN: unique, increasing, never reused.

The counter row for the year is created if missing (INSERT ... ON CONFLICT DO NOTHING)
and then incremented with UPDATE ... RETURNING. The UPDATE takes the row lock on
PostgreSQL and the write lock on SQLite, so concurrent workers queue and each one gets
the next number; a rolled-back transaction gives its number back only if nobody took a
later one, so numbers stay unique and increasing.
"""

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.orders.models import OrderNumberCounter

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def next_order_number(year: int) -> str:
    """Take the next order number for `year` in the current transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = _INSERTS[dialect]
    db.session.execute(
        insert(OrderNumberCounter).values(year=year, last=0).on_conflict_do_nothing()
    )
    taken = db.session.execute(
        update(OrderNumberCounter)
        .where(OrderNumberCounter.year == year)
        .values(last=OrderNumberCounter.last + 1)
        .returning(OrderNumberCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"SO-{year}-{taken:05d}"
