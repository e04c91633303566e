"""Rate limits that every worker and host shares: a count per key and fixed window, kept in
the database (table `rate_windows`) and counted on a connection of its own.

`hit("api:token:7", limit=120, per_seconds=60)` counts one request and returns None while
the key is within its limit, else the seconds until its window ends (for `Retry-After`).
If the count cannot be kept (database busy), the request is let through.
"""

import math
import time

from sqlalchemy import Integer, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.bookkeeping import aside
from app.extensions import db

KEEP_SECONDS = 24 * 3600


class RateWindow(db.Model):
    """How many requests `key` made in the window starting at `window_start` (epoch seconds)."""

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


def _count(connection, key: str, start: int) -> int:
    table = RateWindow.__table__
    bump = update(table).where(table.c.key == key, table.c.window_start == start).values(count=table.c.count + 1)
    if connection.execute(bump).rowcount == 0:
        try:
            with connection.begin_nested():
                connection.execute(insert(table).values(key=key, window_start=start, count=1))
        except IntegrityError:  # another worker made the row first
            connection.execute(bump)
    return connection.execute(
        select(table.c.count).where(table.c.key == key, table.c.window_start == start)).scalar_one()


def hit(key: str, limit: int, per_seconds: int, now: float | None = None) -> int | None:
    """Count one request for `key`; None if allowed, else seconds to wait (at least 1)."""
    now = time.time() if now is None else now
    start = int(now // per_seconds * per_seconds)
    count = aside(lambda connection: _count(connection, key[:160], start), default=0)
    if count <= limit:
        return None
    return max(1, math.ceil(start + per_seconds - now))


def forget_old_windows() -> str | None:
    """Housekeeping: drop windows older than a day."""
    cutoff = int(time.time()) - KEEP_SECONDS
    gone = db.session.execute(delete(RateWindow).where(RateWindow.window_start < cutoff)).rowcount
    return f"{gone} old rate-limit windows removed" if gone else None
