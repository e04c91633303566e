"""Orders, their lines and revisions, and the records that hang off an order."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    false,
    func,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.orders.states import (
    CHANNELS,
    METHODS,
    OPEN_STATUSES,
    REQUEST_STATUSES,
    STATUS_LABELS,
    STATUS_TONES,
    STATUSES,
    TEAMS,
    sql_in,
)
from app.timeutil import business_today, utcnow

OPEN_PREDICATE = f"status IN {sql_in(OPEN_STATUSES)}"  # an open order (the late queue's partial index)


class OrderNumberCounter(db.Model):
    """The last order number issued per year; incremented atomically."""

    __tablename__ = "order_number_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(STATUSES)}", name="known_status"),
        CheckConstraint(f"channel IN {sql_in(CHANNELS)}", name="known_channel"),
        CheckConstraint(f"method IN {sql_in(METHODS)}", name="known_method"),
        CheckConstraint("status IN ('draft', 'cancelled') OR number IS NOT NULL", name="number_once_submitted"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        # the dashboards' counts read these alone: per status (oldest waiting), late and at risk
        Index("ix_orders_status_changed", "status", "status_changed_at"),
        Index("ix_orders_status_promised", "status", "promised_date"),
        # the late queue (open orders by promised date): a few dozen entries to walk, not a year's
        Index("ix_orders_open_promised", "promised_date", postgresql_where=sql_text(OPEN_PREDICATE),
              sqlite_where=sql_text(OPEN_PREDICATE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10), default="delivery")
    address: Mapped[str] = mapped_column(Text, default="")
    # the customer's address chosen for this order (the text above is the copy the order keeps)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    instructions: Mapped[str] = mapped_column(Text, default="")
    customer_reference: Mapped[str] = mapped_column(String(60), default="", index=True)
    requested_date: Mapped[date | None] = mapped_column()
    promised_date: Mapped[date | None] = mapped_column(index=True)
    ready_by: Mapped[datetime | None] = mapped_column()  # pickup: when the goods are ready (UTC)
    accepts_split: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    on_hold: Mapped[bool] = mapped_column(default=False)
    hold_reason: Mapped[str] = mapped_column(String(200), default="")
    revision: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    # Set when the retention purge removed the customer's personal data (app/retention).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column()
    # The API token (online channel) that placed the order; it may read and amend it (app/api).
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)

    customer = relationship("Customer")
    created_by = relationship("User")
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan"
    )
    revisions: Mapped[list["Revision"]] = relationship(order_by="Revision.number", viewonly=True)
    special_requests: Mapped[list["SpecialRequest"]] = relationship(
        back_populates="order", order_by="SpecialRequest.id"
    )
    communications: Mapped[list["Communication"]] = relationship(order_by="Communication.id")
    shipments: Mapped[list["Shipment"]] = relationship(order_by="Shipment.id")
    flags: Mapped[list["VerificationFlag"]] = relationship(order_by="VerificationFlag.id", cascade="all, delete-orphan")
    inbound_emails: Mapped[list["InboundEmail"]] = relationship(order_by="InboundEmail.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def ref(self) -> str:
        """How people and URLs name the order: its number, or DRAFT-<id> before it has one."""
        return self.number or f"DRAFT-{self.id}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tone(self) -> str:
        return STATUS_TONES[self.status]

    @property
    def is_draft(self) -> bool:
        """Still being taken: no number, no promise stored yet."""
        return self.status == "draft"

    @property
    def approved_requests(self) -> list["SpecialRequest"]:
        """The special requests the warehouse must carry out."""
        return [r for r in self.special_requests if r.status == "approved"]

    @hybrid_method
    def late_on(self, today: date) -> bool:
        """The one rule for late: promised for a day before `today` and not yet out of the
        building (the open statuses). On an order it is a bool; on the class, SQL."""
        return bool(self.promised_date) and self.promised_date < today and self.status in OPEN_STATUSES

    @late_on.expression
    def late_on(cls, today: date):
        # the statuses as literals, so that the planner sees the partial index's own predicate
        open_statuses = bindparam("open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True, unique=True)
        return and_(cls.promised_date < today, cls.status.in_(open_statuses))

    @property
    def is_late(self) -> bool:
        return self.late_on(business_today())

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("qty_reserved >= 0 AND qty_reserved <= quantity", name="reserved_range"),
        CheckConstraint("qty_picked >= 0 AND qty_picked <= quantity", name="picked_range"),
        CheckConstraint("qty_shipped >= 0 AND qty_shipped <= quantity", name="shipped_range"),
        CheckConstraint("qty_backordered >= 0 AND qty_backordered <= quantity", name="backordered_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    list_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # the price before any override
    # VAT rate in percent as it was when the line was entered (None: the product's rate now)
    tax_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    price_override_reason: Mapped[str] = mapped_column(String(200), default="")
    price_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    qty_reserved: Mapped[int] = mapped_column(default=0)
    qty_picked: Mapped[int] = mapped_column(default=0)
    qty_shipped: Mapped[int] = mapped_column(default=0)
    qty_backordered: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    product = relationship("Product")

    @property
    def line_total(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))


class Revision(db.Model):
    """A confirmed state of an order (v1, v2, ...), with the diff from the one before."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("order_id", "number", name="uq_revisions_order_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(String(120), default="")
    verified_how: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict] = mapped_column(JSON)
    diff: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SpecialRequest(db.Model):
    __tablename__ = "special_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(REQUEST_STATUSES)}", name="known_status"),
        CheckConstraint(f"owner_team IN {sql_in(TEAMS)}", name="known_team"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    owner_team: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    due_date: Mapped[date | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    not_promised: Mapped[bool] = mapped_column(default=False)  # customer accepted it may not happen
    done_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order: Mapped[Order] = relationship(back_populates="special_requests")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def undecided(self) -> bool:
        """Still blocks confirmation: nobody decided and the customer did not accept "not promised"."""
        return self.status == "pending" and not self.not_promised


class Communication(db.Model):
    """A confirmation email, call or message with the customer, in or out."""

    __tablename__ = "communications"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="known_direction"),
        CheckConstraint("medium IN ('email', 'phone', 'message')", name="known_medium"),
        Index("ix_communications_notice_told", "notice", "told_at"),  # the notices not known told yet
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    medium: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contact: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # The revision this communication confirmed to the customer; None for other contact.
    confirms_revision: Mapped[int | None] = mapped_column()
    # The notice this is (app/orders/notices.py NOTICES), None for other contact; a notice
    # owed by phone or post (no email) is told when `told_at` is set by the rep's log entry.
    notice: Mapped[str | None] = mapped_column(String(20))
    told_at: Mapped[datetime | None] = mapped_column()
    user = relationship("User")
    document = relationship("Document")
    outbox = relationship("OutboxMessage")


class Shipment(db.Model):
    """What left the building for an order; an order may ship in several parts."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(10), default="delivery")
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_number: Mapped[str] = mapped_column(String(80), default="")
    collected_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lines: Mapped[list["ShipmentLine"]] = relationship(cascade="all, delete-orphan")


class ShipmentLine(db.Model):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int] = mapped_column()


# Totals for order lists, computed in the same query as the orders (no query per row).
Order.list_total = column_property(
    select(func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price), 0))
    .where(OrderLine.order_id == Order.id)
    .correlate_except(OrderLine)
    .scalar_subquery(),
    deferred=True,
)
Order.list_line_count = column_property(
    select(func.count(OrderLine.id))
    .where(OrderLine.order_id == Order.id)
    .correlate_except(OrderLine)
    .scalar_subquery(),
    deferred=True,
)


class VerificationFlag(db.Model):
    """Something about a draft that a rep must look at and acknowledge before submitting."""

    __tablename__ = "verification_flags"
    __table_args__ = (UniqueConstraint("order_id", "key", name="uq_verification_flags_order_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))  # kind plus what it is about, e.g. new_product:SKU-0001
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(300))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    # why a manager cleared it (a credit check is cleared with a reason, not just acknowledged)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    acknowledged_by = relationship("User")


class InboundEmail(db.Model):
    """An order email as received, kept with the draft it became (or waiting for a customer)."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    problems: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Where it came from: "upload" (a rep's .eml) or "imap" (the order mailbox poller).
    source: Mapped[str] = mapped_column(String(10), default="upload", server_default="upload")
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)  # the Message-ID header
    # The mailbox copy it was taken from ("folder:uidvalidity:uid"); unique, so that two
    # pollers can never take one message twice.
    mailbox_uid: Mapped[str | None] = mapped_column(String(200), unique=True)


CHANGE_REQUEST_STATUSES = ("open", "applied", "declined")
CHANGE_REQUEST_SOURCES = {"api": "Web shop (API)", "status_page": "Customer status page",
                          "email": "Email", "desk": "Sales desk"}


class ChangeRequest(db.Model):
    """A change the customer asked for that sales has not verified yet (from the API, the
    status page or an email quoting the order). Never applied by itself: sales applies it
    as an amendment, or declines it, and the customer is told either way."""

    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(CHANGE_REQUEST_STATUSES)}", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # online | email | phone
    source: Mapped[str] = mapped_column(String(20))  # a key of CHANGE_REQUEST_SOURCES
    requested_by: Mapped[str] = mapped_column(String(200), default="")  # who asked, as they said
    text: Mapped[str] = mapped_column(Text, default="")  # what they asked, in their words
    # What they asked in structured form, if any: {"lines": [{"sku", "quantity"}], "cancel": bool,
    # "header": {"address"|"instructions"|"requested_date"|"customer_reference": value}}
    payload: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    inbound_email_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_emails.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    revision_applied: Mapped[int | None] = mapped_column()  # the revision the amendment made
    order = relationship("Order")
    decided_by = relationship("User")

    @property
    def source_label(self) -> str:
        return CHANGE_REQUEST_SOURCES.get(self.source, self.source)

    @property
    def customer_answer(self) -> str:
        """Where the request stands, in the words the customer reads on their status page."""
        if self.status == "open":
            return "Waiting for sales to contact you"
        if self.status == "applied":
            return f"Done: the order is now revision {self.revision_applied}" if self.revision_applied else "Done"
        return f"Not possible: {self.decision_note}" if self.decision_note else "Not possible"


class StatusLink(db.Model):
    """The customer's link to their order's status page: a signed token naming this row and
    its random nonce. Revoking it (or issuing a new one) makes the old link answer 404."""

    __tablename__ = "status_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order = relationship("Order")
