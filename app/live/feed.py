"""Reading the event log as a change feed.

A page remembers the feed position it has seen (its cursor). Polling asks "is the feed's
head past my cursor?" with one indexed query; only when it is does the server work out
which of the page's regions ("topics") the new events touch.

Positions are commit-order safe: an event can never appear at or below a head a reader
has already been given.

- SQLite: one writer commits at a time (BEGIN IMMEDIATE), so ids become visible in id
  order; an event's position is its id and the head is the highest id.
- PostgreSQL: writers run in parallel and ids come from a sequence at INSERT, so a
  transaction can take id 10, another id 11 and commit first; a reader that moved past 11
  would never see 10. So the position is the writing transaction's id (`events.txid`,
  filled by the database), and a reader only takes events of transactions older than the
  oldest one still running in this database (the "xmin horizon" that PostgreSQL event
  stores and queues such as PgQ read with pg_snapshot_xmin, narrowed here to this
  database so that other databases on the same server, e.g. a second test run or another
  application, do not hold the feed back). The horizon is read first, in a statement of
  its own: the next transaction id of that statement's snapshot, lowered to the oldest
  transaction id pg_stat_activity then lists as running in this database (read after
  the snapshot was taken). Every id below it had ended before that read: committed, and
  so visible to the statement that follows, or rolled back; every transaction that can
  still commit has an id at or above it, and the horizon only grows. Hence head = the
  highest txid below the horizon, and the events after cursor c up to head h are those
  with c < txid <= h: nothing committed late falls behind a head already handed out. A
  transaction's events share one position and arrive together. (Events written before
  migration 1403feed have no txid; the feed has passed them.) This assumes the app's
  sessions run as one database role: pg_stat_activity hides other roles' transactions.

The price: a write transaction left open holds the feed back until it ends (pages update
late, never wrongly): keep write transactions short.
"""

import re

from sqlalchemy import bindparam, func, select, text

from app.auth.models import LoginSession, User, UserRole
from app.database import reading_only
from app.events.models import Event
from app.extensions import db
from app.notifications.routing import ACKNOWLEDGED, kinds_for

LIVE_ROLES = ("sales", "inventory", "fulfillment", "manager")  # the roles whose pages follow the feed
TOPIC = re.compile(r"^(orders|notifications|order:\d{1,12})$")
MAX_SCAN = 500  # more new events than this since a page's cursor: redraw everything


# PostgreSQL: the 64-bit id below which every transaction of this database has ended
# (module docstring). pg_stat_activity gives 32-bit ids: each is widened from the snapshot's
# next id N as N - ((N - xid) mod 2^32); ids handed out after the snapshot are ignored.
_DISTANCE = "mod(mod(n - a.backend_xid::text::bigint, 4294967296) + 4294967296, 4294967296)"
HORIZON_SQL = (
    f"SELECT coalesce(min(n - {_DISTANCE}), min(n))"
    " FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n) AS snapshot"
    " LEFT JOIN pg_stat_activity AS a ON a.datname = current_database()"
    f" AND a.backend_xid IS NOT NULL AND {_DISTANCE} BETWEEN 1 AND 2147483647"
)
# a transaction reads pg_stat_activity once and keeps that copy: start from a fresh one
FRESH_ACTIVITY_SQL = "SELECT pg_stat_clear_snapshot()"


def _postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"


def _position(bind):
    """An event's place in the feed (module docstring)."""
    return Event.txid if _postgres(bind) else Event.id


def _head_query(bind):
    """The head; on PostgreSQL below the horizon given as the bind parameter "horizon"."""
    position = _position(bind)
    query = select(func.coalesce(func.max(position), 0))
    return query.where(position < bindparam("horizon")) if _postgres(bind) else query


def horizon(connection) -> dict:
    """The parameters the head query needs on `connection` ({} on SQLite)."""
    dialect = connection.get_bind().dialect if hasattr(connection, "get_bind") else connection.dialect
    if dialect.name != "postgresql":
        return {}
    connection.execute(text(FRESH_ACTIVITY_SQL))
    return {"horizon": connection.execute(text(HORIZON_SQL)).scalar_one()}


def head_sql(engine, param: str) -> str:
    """The head query as plain SQL for `engine`'s database, with `param` standing for the
    horizon on PostgreSQL (app/live/shortcut.py runs it)."""
    if _postgres(engine):
        return f"SELECT coalesce(max(txid), 0) FROM events WHERE txid < {param}"
    return "SELECT coalesce(max(id), 0) FROM events"


def head() -> int:
    """The feed position of the newest event that nothing can still precede (0 when none)."""
    return db.session.execute(_head_query(db.engine), horizon(db.session)).scalar_one()


_VIEWER = (
    select(LoginSession.user_id)
    .join(User, User.id == LoginSession.user_id)
    .join(UserRole, UserRole.user_id == User.id)
    .where(LoginSession.token == bindparam("token"), LoginSession.ended_at.is_(None),
           User.active.is_(True), UserRole.role.in_(LIVE_ROLES))
    .limit(1)
    .scalar_subquery()
)


def head_and_viewer(session_token: str, engine=None):
    """(feed head, id of the live-page viewer behind `session_token` or None): one query
    (after the horizon's on PostgreSQL), on a plain connection (no ORM session): this is what every idle poll costs."""
    engine = engine or db.engine
    with reading_only(), engine.connect() as connection:
        query = select(_head_query(engine).scalar_subquery(), _VIEWER)
        return tuple(connection.execute(query, {"token": session_token, **horizon(connection)}).one())


def parse_topics(raw: str) -> list[str]:
    """The topics a page asks about, e.g. "orders,notifications,order:42" (unknown ones dropped)."""
    return [t for t in dict.fromkeys(raw.split(",")) if TOPIC.match(t)][:8]


def roles_of(user_id: int) -> list[str]:
    return db.session.execute(select(UserRole.role).where(UserRole.user_id == user_id)).scalars().all()


def _touches(topic: str, kind: str, order_id, actor_id, user_id: int, my_kinds: set[str]) -> bool:
    if topic == "orders":
        return order_id is not None or kind.startswith(("order.", "stock."))
    if topic == "notifications":
        return kind in my_kinds and (actor_id != user_id or kind == ACKNOWLEDGED)
    return order_id is not None and topic == f"order:{order_id}"


def events_between(since: int, upto: int, limit: int = MAX_SCAN + 1):
    """(id, kind, order_id, actor_id) of the events after position `since` up to `upto`, in feed order."""
    position = _position(db.engine)
    return db.session.execute(
        select(Event.id, Event.kind, Event.order_id, Event.actor_id)
        .where(position > since, position <= upto).order_by(position, Event.id).limit(limit)
    ).all()


def changed_topics(since: int, upto: int, topics: list[str], user_id: int) -> list[str]:
    """Which of `topics` the events after position `since` up to `upto` touch, for viewer `user_id`."""
    rows = [row[1:] for row in events_between(since, upto)]
    if len(rows) > MAX_SCAN:
        return list(topics)
    my_kinds = kinds_for(roles_of(user_id)) if "notifications" in topics else set()
    return [t for t in topics if any(_touches(t, *row, user_id, my_kinds) for row in rows)]
