"""Customers with their contacts and delivery addresses."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, false, true
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
    # terms and credit: an order taking open orders past credit_limit (None: no limit), or any
    # order while credit_hold is set, raises a check only a manager can clear
    payment_terms: Mapped[str] = mapped_column(String(60), default="", server_default="")
    credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    credit_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    credit_hold_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # tax: TAX_TREATMENTS; VAT is charged at each product's rate only under "standard"
    vat_number: Mapped[str] = mapped_column(String(20), default="", server_default="")
    tax_treatment: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")
    preferred_channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    updated_at: Mapped[datetime | None] = mapped_column()
    addresses: Mapped[list["Address"]] = relationship(
        back_populates="customer", order_by="Address.id", cascade="all, delete-orphan"
    )
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="customer", order_by="Contact.id", cascade="all, delete-orphan"
    )
    price_list = relationship("PriceList")

    @property
    def default_address(self) -> "Address | None":
        return next((a for a in self.addresses if a.is_default), None) or (
            self.addresses[0] if self.addresses else None
        )


TAX_TREATMENTS = {
    "standard": "UK VAT at each product's rate",
    "zero_rated": "Zero-rated (export outside the UK)",
    "reverse_charge": "Reverse charge (customer accounts for VAT)",
    "exempt": "Exempt from VAT",
}
CONFIRMATION_CHANNELS = {"email": "Email", "phone": "Phone", "post": "Post"}


class Contact(db.Model):
    """Another person at the customer (accounts, goods-in…); the main one is on Customer."""

    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Address(db.Model):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="Main")
    text: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(default=False)
    customer: Mapped[Customer] = relationship(back_populates="addresses")
