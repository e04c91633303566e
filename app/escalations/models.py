"""Escalations: an order someone (or an SLA rule) asked the manager to look at, and its thread."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.orders.states import sql_in
from app.timeutil import utcnow

ESCALATION_STATUSES = ("open", "resolved")
SOURCES = ("person", "sla")
CONCERNED_TEAMS = ("sales", "inventory", "fulfillment")  # the team that must act, besides the manager
NOTE_KINDS = ("comment", "assign", "hold", "resolve")
REASON_MAX = 1000  # what a person types when escalating, commenting or resolving


class Escalation(db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(ESCALATION_STATUSES)}", name="known_status"),
        CheckConstraint(f"source IN {sql_in(SOURCES)}", name="known_source"),
        CheckConstraint("source = 'person' OR breach_key IS NOT NULL", name="sla_has_breach_key"),
        # the open list, oldest first; "mine"; an order's open escalations
        Index("ix_escalations_status_created", "status", "created_at"),
        Index("ix_escalations_assignee_status", "assignee_id", "status"),
        Index("ix_escalations_order_status", "order_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    source: Mapped[str] = mapped_column(String(10), default="person")  # person | sla
    rule: Mapped[str | None] = mapped_column(String(30))  # the SLA rule's key (app/escalations/sla.py)
    # One per breach: an SLA run inserts with this key and skips what is already there.
    breach_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    team: Mapped[str | None] = mapped_column(String(20))  # the team concerned, told of each step
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    reason: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    order = relationship("Order")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    notes: Mapped[list["EscalationComment"]] = relationship(order_by="EscalationComment.id",
                                                            back_populates="escalation")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class EscalationComment(db.Model):
    """One entry of an escalation's thread: a comment, or what the manager did (assign, hold, resolve)."""

    __tablename__ = "escalation_comments"
    __table_args__ = (CheckConstraint(f"kind IN {sql_in(NOTE_KINDS)}", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="comment")
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    escalation: Mapped[Escalation] = relationship(back_populates="notes")
    author = relationship("User")
