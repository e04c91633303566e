"""Pick waves: several confirmed orders picked in one walk of the warehouse."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

pick_wave_orders = Table(
    "pick_wave_orders",
    db.metadata,
    Column("wave_id", ForeignKey("pick_waves.id", ondelete="CASCADE"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), primary_key=True, index=True),
)


class PickWave(db.Model):
    """A batch of orders started together, with one pick list summarised by bin."""

    __tablename__ = "pick_waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    printed_at: Mapped[datetime | None] = mapped_column()

    orders = relationship("Order", secondary=pick_wave_orders, order_by="Order.promised_date")
    created_by = relationship("User")

    @property
    def ref(self) -> str:
        return f"W-{self.id:05d}"
