"""Writing to the append-only event log.

The log is also the live feed: dashboards poll "anything after event N?". For that to
be safe, event ids must become visible in id order. SQLite gives that for free (one
writer at a time, BEGIN IMMEDIATE). On PostgreSQL a sequence hands out ids at INSERT,
not at COMMIT, so a transaction that took id 10 and commits after the one that took
id 11 would be skipped by a reader that already moved past 11. Event writers therefore
hold one transaction-scoped advisory lock (FEED_LOCK) from before their first event id
until they commit: ids are then handed out in commit order. Write transactions take the
same lock at BEGIN (app/database.py), before any row lock, so it cannot deadlock.
"""

from blinker import Namespace
from sqlalchemy import text

from app.events.models import Event
from app.extensions import db
from app.timeutil import utcnow

signals = Namespace()
# Sent in the writer's transaction for every event recorded, with `event` and `order`:
# other capabilities react here (notifications reach the teams that must act).
event_recorded = signals.signal("event-recorded")

FEED_LOCK = 7_000_001  # the advisory lock key that serialises event writers on PostgreSQL
_TAKE_FEED_LOCK = text(f"SELECT pg_advisory_xact_lock({FEED_LOCK})")


def serialise_event_writers(connection) -> None:
    """On PostgreSQL, wait for (and hold until commit) the event writers' lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(_TAKE_FEED_LOCK)


def record_event(kind, summary, *, order=None, actor=None, before=None, after=None, customer=None) -> Event:
    """Append one event (who, when, what, before/after) to the log and return it.

    An order's event belongs to the order's customer too; `customer` ties an event that has
    no order to a customer (the audit log finds it under the customer).

    Whoever listens to `event_recorded` reacts in the same transaction (the notifications
    for the teams that must act: app/notifications/routing.py).
    """
    serialise_event_writers(db.session.connection())
    event = Event(
        created_at=utcnow(),  # when it happened, not when the session happens to flush
        kind=kind,
        summary=summary[:300],
        order_id=order.id if order is not None else None,
        customer_id=_customer_id(order, customer),
        actor_id=actor.id if actor is not None else None,
        before=before,
        after=after,
    )
    db.session.add(event)
    event_recorded.send(event, order=order)
    return event


def _customer_id(order, customer) -> int | None:
    if customer is not None:
        return customer.id
    return order.customer_id if order is not None else None
