"""Emails waiting to be sent, written in the same transaction as their cause."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")
# How a message's delivery looks to a person: (label, tone); "retrying" is queued after a failure.
DELIVERY_STATES = {"queued": ("Queued", "info"), "sending": ("Sending", "progress"), "sent": ("Sent", "done"),
                   "failed": ("Failed", "danger"), "retrying": ("Retrying", "active")}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")", name="known_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # A relay owns a message while `status` is 'sending' and `lease_until` is in the future.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column()
    order = relationship("Order")

    @property
    def is_sent(self) -> bool:
        return self.status == "sent"

    @property
    def gave_up(self) -> bool:
        """The relay stopped trying (every attempt failed)."""
        return self.status == "failed"

    @property
    def is_retrying(self) -> bool:
        """Queued again after a failed attempt."""
        return self.status == "queued" and self.attempts > 0

    @property
    def can_retry(self) -> bool:
        """A delivery problem a person can retry by hand: given up, or waiting to try again."""
        return self.gave_up or self.is_retrying

    @property
    def delivery_state(self) -> str:
        return "retrying" if self.is_retrying else self.status

    @property
    def state_label(self) -> str:
        return DELIVERY_STATES[self.delivery_state][0]

    @property
    def state_tone(self) -> str:
        return DELIVERY_STATES[self.delivery_state][1]
