"""One row per person told about an event; read state and alert acknowledgement on the row."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_alert", "user_id", "alert", "acknowledged_at"),
        Index("ix_notifications_user_id", "user_id", "id"),  # a person's newest first, without a sort
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    team: Mapped[str] = mapped_column(String(20))  # the role through which the user is told
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300))
    alert: Mapped[bool] = mapped_column(default=False)  # shown prominently until acknowledged
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event = relationship("Event")
    order = relationship("Order")
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
