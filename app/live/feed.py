"""Reading the event log as a change feed.

A page remembers the id of the last event it has seen (its cursor). Polling asks
"is there an event after my cursor?" with one indexed query; only when there is does
the server work out which of the page's regions ("topics") the new events touch.
Ids become visible in id order on both databases (see app/events/services.py), so
"id > cursor" never skips an event that commits late.
"""

import re

from sqlalchemy import bindparam, func, select

from app.auth.models import LoginSession, User, UserRole
from app.database import reading_only
from app.events.models import Event
from app.extensions import db
from app.notifications.routing import ACKNOWLEDGED, kinds_for

LIVE_ROLES = ("sales", "inventory", "fulfillment", "manager")  # the roles whose pages follow the feed
TOPIC = re.compile(r"^(orders|notifications|order:\d{1,12})$")
MAX_SCAN = 500  # more new events than this since a page's cursor: redraw everything


def head() -> int:
    """The id of the newest committed event (0 when there is none)."""
    return db.session.execute(select(func.coalesce(func.max(Event.id), 0))).scalar_one()


_VIEWER = (
    select(LoginSession.user_id)
    .join(User, User.id == LoginSession.user_id)
    .join(UserRole, UserRole.user_id == User.id)
    .where(LoginSession.token == bindparam("token"), LoginSession.ended_at.is_(None),
           User.active.is_(True), UserRole.role.in_(LIVE_ROLES))
    .limit(1)
    .scalar_subquery()
)
_HEAD_AND_VIEWER = select(select(func.coalesce(func.max(Event.id), 0)).scalar_subquery(), _VIEWER)


def head_and_viewer(session_token: str, engine=None):
    """(newest event id, id of the live-page viewer behind `session_token` or None): one query,
    on a plain connection (no ORM session): this is what every idle poll costs."""
    with reading_only(), (engine or db.engine).connect() as connection:
        return tuple(connection.execute(_HEAD_AND_VIEWER, {"token": session_token}).one())


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


def changed_topics(since: int, upto: int, topics: list[str], user_id: int) -> list[str]:
    """Which of `topics` the events in (since, upto] touch, for viewer `user_id`."""
    rows = db.session.execute(
        select(Event.kind, Event.order_id, Event.actor_id)
        .where(Event.id > since, Event.id <= upto).order_by(Event.id).limit(MAX_SCAN + 1)
    ).all()
    if len(rows) > MAX_SCAN:
        return list(topics)
    my_kinds = kinds_for(roles_of(user_id)) if "notifications" in topics else set()
    return [t for t in topics if any(_touches(t, *row, user_id, my_kinds) for row in rows)]
