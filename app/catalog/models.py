"""Products and the stock ledger.

`on_hand` and `reserved` are kept in step with the ledger (`StockMovement`) and the
open reservations on order lines; CHECK constraints make an oversell impossible.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

MOVEMENT_KINDS = ("receipt", "adjustment", "pick", "ship", "return")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    bin_location: Mapped[str] = mapped_column(String(20), default="", index=True)  # found by its start
    lead_time_days: Mapped[int] = mapped_column(default=7)
    reorder_point: Mapped[int] = mapped_column(default=0)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # how it is counted and sold: quantities on orders are whole multiples of pack_size
    unit: Mapped[str] = mapped_column(String(20), default="each", server_default="each")
    pack_size: Mapped[int] = mapped_column(default=1, server_default="1")
    # VAT rate in percent (20 for 20 %), snapshotted onto order lines when they are entered
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("20"), server_default="20")
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)  # optional barcode number
    updated_at: Mapped[datetime | None] = mapped_column()

    @property
    def list_price(self) -> Decimal:
        """The list price (stored as `unit_price`; CSV and screens call it list price)."""
        return self.unit_price

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(db.Model):
    """One entry of the stock ledger: a signed change of `on_hand` with its reason."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in MOVEMENT_KINDS) + ")", name="known_kind"
        ),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        # the reconciliation sums each product's ledger from this index alone
        Index("ix_stock_movements_product_quantity", "product_id", "quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    product: Mapped[Product] = relationship()
    order = relationship("Order")
    user = relationship("User")


class PriceBreak(db.Model):
    """A lower unit price from a quantity upwards (list-price quantity breaks)."""

    __tablename__ = "price_breaks"
    __table_args__ = (
        UniqueConstraint("product_id", "min_quantity", name="uq_price_breaks_product_qty"),
        CheckConstraint("min_quantity > 1", name="min_quantity_above_one"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    min_quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[date | None] = mapped_column()  # None: since always
    valid_to: Mapped[date | None] = mapped_column()  # None: until changed (inclusive when set)


class CustomerPrice(db.Model):
    """A price agreed with one customer for one product (from a quantity, between dates);
    wins over the customer's price list, quantity breaks and the list price."""

    __tablename__ = "customer_prices"
    __table_args__ = (
        UniqueConstraint("customer_id", "product_id", "min_quantity", "valid_from",
                         name="uq_customer_prices_pair"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    min_quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    valid_from: Mapped[date | None] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()


class PriceList(db.Model):
    """A price list for a group of customers (trade, wholesale…); a customer has at most one."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[list["PriceListItem"]] = relationship(
        back_populates="price_list", order_by="PriceListItem.id", cascade="all, delete-orphan")


class PriceListItem(db.Model):
    __tablename__ = "price_list_items"
    __table_args__ = (
        UniqueConstraint("price_list_id", "product_id", "min_quantity", "valid_from",
                         name="uq_price_list_items_entry"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    min_quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[date | None] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()
    price_list: Mapped[PriceList] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class PriceChange(db.Model):
    """One change of a price of a product (list price, a break, a customer or list price):
    who, when, old and new; shown on the product. Written by `record_price_change`."""

    __tablename__ = "price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    # what changed, in words: "List price", "Break from 10", "Customer C0001", "Price list TRADE"
    what: Mapped[str] = mapped_column(String(120))
    old_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # None: newly set
    new_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # None: removed
    source: Mapped[str] = mapped_column(String(20), default="screen")  # screen | import
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user = relationship("User")


def record_price_change(product_id: int, what: str, old, new, user_id: int | None,
                        source: str = "screen") -> PriceChange | None:
    """Add a PriceChange row when the price really changed (nothing when old == new)."""
    old = None if old is None else Decimal(old).quantize(Decimal("0.01"))
    new = None if new is None else Decimal(new).quantize(Decimal("0.01"))
    if old == new:
        return None
    change = PriceChange(product_id=product_id, what=what, old_price=old, new_price=new,
                         user_id=user_id, source=source)
    db.session.add(change)
    return change


class StockCheck(db.Model):
    """The result of one reconciliation of the ledger and reservations against the products'
    figures: when, how many products differed and (the first few of) which. The housekeeping
    loop runs it; dashboards read the latest instead of summing the whole ledger per request."""

    __tablename__ = "stock_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    products_checked: Mapped[int] = mapped_column()
    mismatch_count: Mapped[int] = mapped_column()
    mismatches: Mapped[list] = mapped_column(JSON)  # the first MISMATCHES_KEPT, as stock_mismatches gives them
    took_ms: Mapped[int] = mapped_column()
