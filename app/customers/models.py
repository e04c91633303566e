"""Customers with their contacts and delivery addresses."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    price_terms: Mapped[str] = mapped_column(String(40), default="standard")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the retention purge removed the contact details (app/retention).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column()
    addresses: Mapped[list["Address"]] = relationship(
        back_populates="customer", order_by="Address.id", cascade="all, delete-orphan"
    )

    @property
    def default_address(self) -> "Address | None":
        return next((a for a in self.addresses if a.is_default), None) or (
            self.addresses[0] if self.addresses else None
        )


class Address(db.Model):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="Main")
    text: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(default=False)
    customer: Mapped[Customer] = relationship(back_populates="addresses")
