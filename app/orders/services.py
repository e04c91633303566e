"""Order operations. Each one flushes, logs its events and returns; the caller commits."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog import services as stock
from app.catalog.models import Product
from app.catalog.products import check_pack_quantity
from app.customers.models import Customer
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders import lifecycle
from app.orders.confirmation import issue_cancellation, issue_confirmation
from app.orders.dispatch_mail import queue_dispatch_email
from app.orders.models import Order, OrderLine, Revision, Shipment, ShipmentLine
from app.orders.numbering import next_order_number
from app.orders.promising import apply_promise
from app.orders.refs import parse_ref
from app.orders.states import CHANNEL_LABELS
from app.settings.store import setting
from app.timeutil import business_today, utcnow


class OrderError(Refusal):
    """An order operation refused for a business reason; the message is for the user."""


def find_order(ref: str, with_customer: bool = False) -> Order | None:
    """The order an URL or a person names: its number (SO-…) or DRAFT-<id>; `with_customer`
    loads the customer and its addresses in the same query (the entry screen reads them)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    stmt = select(Order).options(selectinload(Order.lines).joinedload(OrderLine.product))
    if with_customer:
        stmt = stmt.options(joinedload(Order.customer).joinedload(Customer.addresses))
    if parsed.draft_id is not None:
        stmt = stmt.where(Order.id == parsed.draft_id, Order.number.is_(None))
    else:
        stmt = stmt.where(Order.number == parsed.number)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def submitted_draft(ref: str) -> Order | None:
    """The order a DRAFT-<id> named, if it has been submitted (and numbered) since."""
    parsed = parse_ref(ref)
    if parsed is None or parsed.draft_id is None:
        return None
    order = db.session.get(Order, parsed.draft_id)
    return order if order is not None and order.number else None


def check_intake_channel(channel: str) -> None:
    """Refuse an order by a channel the business has not approved (INTAKE_CHANNELS, a setting)."""
    approved = [c.strip() for c in setting("INTAKE_CHANNELS").split(",") if c.strip()]
    if channel not in approved:
        names = ", ".join(CHANNEL_LABELS.get(c, c) for c in approved) or "none"
        raise OrderError(f"Orders by {CHANNEL_LABELS.get(channel, channel).lower()} are not accepted; "
                         f"the approved channels are: {names} (see Settings).")


def create_draft(customer, *, channel, actor, method="delivery", address=None, **fields) -> Order:
    """Start a draft order for `customer`, addressed to their default address unless told."""
    check_intake_channel(channel)
    default = customer.default_address
    if address is None:
        address = default.text if default else ""
    if default is not None and address == default.text:
        fields.setdefault("address_id", default.id)
    order = Order(customer=customer, channel=channel, method=method, address=address,
                  created_by_id=actor.id if actor else None, **fields)
    db.session.add(order)
    db.session.flush()
    record_event("order.draft", f"Draft started ({channel})", order=order, actor=actor)
    return order


def add_line(order: Order, product: Product, quantity: int, unit_price: Decimal | None = None) -> OrderLine:
    """Add a product to a draft; the SKU, name and price are copied onto the line."""
    if order.status != "draft":
        raise OrderError("Lines can only be added to a draft; amend a confirmed order instead.")
    if quantity <= 0:
        raise OrderError("Quantity must be at least 1.")
    check_pack_quantity(product, quantity)
    line = OrderLine(
        product=product, sku=product.sku, description=product.name, quantity=quantity,
        unit_price=product.unit_price if unit_price is None else unit_price, list_price=product.unit_price,
        tax_rate=product.tax_rate,  # the VAT rate as it is today stays with the order
        position=len(order.lines) + 1,
    )
    order.lines.append(line)
    return line


def _cents(amount) -> Decimal:
    """Money with exactly two decimals, however the amount was typed (12.7 → 12.70)."""
    return Decimal(amount).quantize(Decimal("0.01"))


def order_snapshot(order: Order) -> dict:
    """The order as plain values: what a revision keeps and a document prints."""
    return {
        "number": order.number,
        "customer": {"code": order.customer.code, "name": order.customer.name},
        "channel": order.channel,
        "method": order.method,
        "address": order.address,
        "instructions": order.instructions,
        "customer_reference": order.customer_reference,
        "requested_date": order.requested_date.isoformat() if order.requested_date else None,
        "promised_date": order.promised_date.isoformat() if order.promised_date else None,
        "lines": [
            {"sku": line.sku, "description": line.description, "quantity": line.quantity,
             "unit_price": str(_cents(line.unit_price)), "backordered": line.qty_backordered}
            for line in order.lines
        ],
        "total": str(order.total),
    }


def reserve_line(line: OrderLine) -> None:
    """Reserve what stock allows for the part of a line not yet reserved, shipped or
    backordered; the rest of the line is backordered."""
    wanted = line.quantity - line.qty_reserved - line.qty_shipped - line.qty_backordered
    if wanted > 0:  # nothing to ask the stock row for otherwise (a line the draft step reserved)
        in_full = stock.reserve_stock(line.product_id, wanted)
        line.qty_reserved += wanted if in_full else stock.reserve_up_to(line.product_id, wanted)
    line.qty_backordered = line.quantity - line.qty_reserved - line.qty_shipped


def by_product(lines) -> list[OrderLine]:
    """Lines in the order their stock rows are locked: always by product id, so two
    orders naming the same products never wait for each other in a circle (deadlock).
    Every operation that changes the stock of several products goes through this."""
    return sorted(lines, key=lambda line: line.product_id)


def _reserve_lines(order: Order) -> None:
    for line in by_product(order.lines):
        reserve_line(line)


def submit_order(order: Order, actor, *, verified_how: str = "") -> Order:
    """Confirm a draft: number it, reserve stock, promise a date, record revision 1, send the confirmation."""
    lifecycle.check(order, "submit", actor)
    if not order.lines:
        raise OrderError("An order needs at least one line before it can be submitted.")
    if order.method == "delivery" and not order.address.strip():
        raise OrderError("A delivery order needs a delivery address.")
    waiting = [r.text for r in order.special_requests if r.undecided]
    if waiting:
        raise OrderError("Special requests are not decided yet: " + "; ".join(waiting)
                         + ". Wait for the owning team, remove them, or record that the customer accepts them as not promised.")
    _reserve_lines(order)  # stock rows first, then the number counter: the same lock order everywhere
    order.number = next_order_number(business_today().year)
    apply_promise(order)
    order.revision = 1
    order.confirmed_at = utcnow()
    db.session.flush()
    db.session.add(Revision(order_id=order.id, number=1, channel=order.channel,
                            verified_how=verified_how, snapshot=order_snapshot(order),
                            created_by_id=actor.id if actor else None))
    lifecycle.apply(order, "submit", actor, note=order.number)
    db.session.flush()
    issue_confirmation(order, actor)
    return order


def cancel_order(order: Order, actor, reason: str = "", *, tell: bool = True) -> Order:
    """Cancel an order and release every reservation; the record is kept. A confirmed order's
    customer is sent the cancellation (unless `tell` is off: the caller tells them itself)."""
    lifecycle.check(order, "cancel", actor)
    if order.on_hold:  # a cancelled order is closed: it must not stay held with no way to release it
        lifecycle.release_hold(order, actor)
    for line in by_product(order.lines):
        stock.release_stock(line.product_id, line.qty_reserved)
        line.qty_reserved = 0
        line.qty_backordered = 0
    lifecycle.apply(order, "cancel", actor, note=reason.strip())
    db.session.flush()
    if tell:
        issue_cancellation(order, actor, reason)
    return order


def _picked_in_full(order: Order) -> None:
    for line in order.lines:
        line.qty_picked = max(line.qty_picked, line.qty_reserved + line.qty_shipped)


def _ship_picked(order: Order, actor, **details) -> Shipment:
    """Everything picked and not yet shipped leaves the building as one shipment."""
    shipment = Shipment(order_id=order.id, method=order.method,
                        created_by_id=actor.id if actor else None, **details)
    for line in by_product(order.lines):
        quantity = line.qty_picked - line.qty_shipped
        if quantity <= 0:
            continue
        stock.move_stock(line.product_id, "ship", -quantity, f"Shipped on {order.number}",
                         actor=actor, order=order, reserved_too=True)
        line.qty_shipped += quantity
        line.qty_reserved -= quantity
        shipment.lines.append(ShipmentLine(order_line_id=line.id, quantity=quantity))
    db.session.add(shipment)
    return shipment


def outstanding(order: Order) -> int:
    """Units ordered that have neither shipped nor been cancelled (reserved or backordered)."""
    return sum(line.quantity - line.qty_shipped for line in order.lines)


def transition(order: Order, name: str, actor, *, notify_customer: bool = True, **details) -> Order:
    """Run the named lifecycle step with the stock work that belongs to it.

    Dispatch and collect ship what was picked. If units are still outstanding after that
    (a backorder), the order takes the part-shipment step back to Confirmed instead, and
    stays open until the rest ships or is cancelled. A dispatch queues the customer's email.
    """
    if name == "submit":
        return submit_order(order, actor)
    if name == "cancel":
        return cancel_order(order, actor, details.get("reason", ""))
    lifecycle.check(order, name, actor)
    shipment = None
    if name == "release_pick":
        for line in order.lines:
            line.qty_picked = line.qty_shipped
    if name == "pack":
        _picked_in_full(order)
    if name in ("dispatch", "collect"):
        shipment = _ship_picked(order, actor, **details)
        if outstanding(order):
            name = f"{name}_part"
    lifecycle.apply(order, name, actor)
    db.session.flush()
    if shipment is not None and order.method == "delivery" and notify_customer:
        queue_dispatch_email(order, shipment, actor)
    return order
