"""The append-only event log: audit trail and live feed in one table, and its seals."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, FetchedValue, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        # the audit log's filters, each read newest first (ORDER BY id DESC)
        Index("ix_events_actor_id_id", "actor_id", "id"),
        Index("ix_events_customer_id_id", "customer_id", "id"),
        # a kind prefix (`stock.`) is a LIKE 'stock.%': PostgreSQL needs pattern ops to use an index
        Index("ix_events_kind_prefix", "kind", "id", postgresql_ops={"kind": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # monotonic: the feed's cursor
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))  # the order's, or the customer's own events
    kind: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # PostgreSQL: the writing transaction's id, filled by the database (migration 1403feed);
    # the live feed's commit-order-safe position (app/live/feed.py). SQLite: NULL.
    txid: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue(), index=True)
    actor = relationship("User")
    order = relationship("Order", viewonly=True)
    customer = relationship("Customer", viewonly=True)


class EventSeal(db.Model):
    """One event's place in the hash chain, written after the fact by `chain.seal_events`.

    `previous_event_id` is the event sealed just before (0 for the first): unique, so two
    sealers can never both extend the chain from the same link."""

    __tablename__ = "event_seals"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True, autoincrement=False)
    previous_event_id: Mapped[int] = mapped_column(unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
