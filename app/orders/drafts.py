"""Editing a draft order as the rep takes it, and submitting it after review.

Every change touches the order row, so its version moves and a second person editing
the same draft from an older page is told instead of overwriting.
"""

from decimal import Decimal, InvalidOperation

from flask import current_app

from app.catalog import services as stock
from app.catalog.models import Product
from app.catalog.pricing import floor_price, price_for, prices_for
from app.catalog.products import check_orderable, check_pack_quantity
from app.events.services import record_event
from app.extensions import db
from app.orders import lifecycle, verification
from app.orders.models import Order, OrderLine
from app.orders.services import (
    OrderError,
    by_product,
    check_intake_channel,
    reserve_line,
    submit_order,
)
from app.timeutil import utcnow

HEADER_FIELDS = ("channel", "method", "address_id", "address", "instructions", "requested_date",
                 "customer_reference")
SHORTAGE_CHOICES = {"backorder": "Backorder the rest", "reduce": "Reduce to what is in stock",
                    "hold": "Hold the order"}


def _editable(order: Order) -> None:
    if order.status != "draft":
        raise OrderError(f"{order.ref} is {order.status_label.lower()}; only drafts are edited here. Use an amendment.")
    order.updated_at = utcnow()


def _line(order: Order, line_id: int) -> OrderLine:
    line = next((x for x in order.lines if x.id == line_id), None)
    if line is None:
        raise OrderError("That line is no longer on the order; the lines have been refreshed.")
    return line


def update_header(order: Order, actor, **fields) -> list[str]:
    """Change the draft's header fields; return the names of those that changed."""
    _editable(order)
    if "channel" in fields and fields["channel"] != order.channel:
        check_intake_channel(fields["channel"])
    changed = {}
    for name in HEADER_FIELDS:
        if name in fields and getattr(order, name) != fields[name]:
            changed[name] = (getattr(order, name), fields[name])
            setattr(order, name, fields[name])
    if changed:
        record_event("order.draft_updated", "Draft: " + ", ".join(n.replace("_", " ") for n in changed),
                     order=order, actor=actor,
                     before={k: _plain(v[0]) for k, v in changed.items()},
                     after={k: _plain(v[1]) for k, v in changed.items()})
    return list(changed)


def delivery_address(order: Order, chosen_id: int | None, typed: str) -> tuple[int | None, str]:
    """The (address id, text) a draft is sent to: an address of the customer newly chosen from
    the list, with its text; else the text as typed, tied to the customer's address of that text
    if there is one (None: a new address, which the "new address" check looks at)."""
    offered = {a.id: a for a in order.customer.active_addresses}
    if chosen_id in offered and chosen_id != order.address_id:
        return chosen_id, offered[chosen_id].text
    typed = typed or ""
    same = [a for a in order.customer.addresses if _same_text(a.text, typed)]
    kept = next((a.id for a in same if a.id == order.address_id), None)
    return kept or next((a.id for a in same if a.active), None), typed


def _same_text(a: str, b: str) -> bool:
    return " ".join((a or "").split()).lower() == " ".join((b or "").split()).lower()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def change_customer(order: Order, customer, actor) -> None:
    """Put the draft on another customer's account, with that customer's default address."""
    _editable(order)
    before = order.customer.code
    order.customer = customer
    default = customer.default_address
    order.address = default.text if default else ""
    order.address_id = default.id if default else None
    record_event("order.draft_updated", f"Customer changed from {before} to {customer.code}", order=order,
                 actor=actor, before={"customer": before}, after={"customer": customer.code})


def add_product(order: Order, product: Product, quantity: int, actor) -> OrderLine:
    """Add `quantity` of a product at this customer's price; adds to an existing line of it."""
    _editable(order)
    if quantity < 1 or quantity > 100_000:
        raise OrderError("Quantity must be a whole number from 1 to 100,000.")
    line = next((x for x in order.lines if x.product_id == product.id), None)
    check_orderable(product, quantity + (line.quantity if line is not None else 0))
    if line is not None:
        return set_quantity(order, line.id, line.quantity + quantity, actor)
    price = price_for(order.customer_id, product, quantity)
    line = OrderLine(product=product, sku=product.sku, description=product.name, quantity=quantity,
                     unit_price=price.unit_price, list_price=product.unit_price, tax_rate=product.tax_rate,
                     position=max((x.position for x in order.lines), default=0) + 1)
    order.lines.append(line)
    db.session.flush()
    record_event("order.line_added", f"Added {quantity} × {product.sku} at {price.unit_price}",
                 order=order, actor=actor, after={"sku": product.sku, "quantity": quantity})
    return line


def set_quantity(order: Order, line_id: int, quantity: int, actor) -> OrderLine:
    """Change a line's quantity; its price follows the quantity breaks unless overridden."""
    _editable(order)
    if quantity < 1 or quantity > 100_000:
        raise OrderError("Quantity must be a whole number from 1 to 100,000 (remove the line to drop it).")
    line = _line(order, line_id)
    check_pack_quantity(line.product, quantity)
    before = line.quantity
    line.quantity = quantity
    if not line.price_override_reason:
        line.unit_price = price_for(order.customer_id, line.product, quantity).unit_price
    record_event("order.line_changed", f"{line.sku}: quantity {before} → {quantity}", order=order,
                 actor=actor, before={"quantity": before}, after={"quantity": quantity})
    return line


def remove_line(order: Order, line_id: int, actor) -> None:
    _editable(order)
    line = _line(order, line_id)
    order.lines.remove(line)
    record_event("order.line_removed", f"Removed {line.quantity} × {line.sku}", order=order, actor=actor,
                 before={"sku": line.sku, "quantity": line.quantity})


def parse_price(text: str) -> Decimal:
    try:
        price = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise OrderError("Enter the price as a number, like 12.50.") from None
    if not price.is_finite() or price < 0 or price > Decimal("1000000"):
        raise OrderError("The price must be between 0 and 1,000,000.")
    return price.quantize(Decimal("0.01"))


def override_price(order: Order, line_id: int, price: Decimal, reason: str, actor) -> OrderLine:
    """Set a line's price by hand; needs a reason, and a manager below the price floor."""
    _editable(order)
    line = _line(order, line_id)
    if not reason.strip():
        raise OrderError("Say why the price is overridden (e.g. the agreed quote number).")
    floor = floor_price(line.list_price or line.product.unit_price, Decimal(current_app.config["PRICE_FLOOR_RATIO"]))
    if price < floor and not actor.has_role("manager"):
        raise OrderError(f"{price} is below the floor of {floor} for {line.sku}; a manager must set this price.")
    before = line.unit_price
    line.unit_price, line.price_override_reason, line.price_override_by_id = price, reason.strip()[:200], actor.id
    record_event("order.price_override", f"{line.sku}: price {before} → {price} ({line.price_override_reason})",
                 order=order, actor=actor, before={"unit_price": str(before)}, after={"unit_price": str(price)})
    return line


def _reprice(order: Order) -> None:
    """Lock today's prices on lines nobody priced by hand."""
    lines = [line for line in order.lines if not line.price_override_reason]
    for line, price in zip(lines, prices_for(order.customer_id, [(x.product, x.quantity) for x in lines]), strict=True):
        line.unit_price = price.unit_price


def _whole_packs(line: OrderLine, reserved: int) -> int:
    """Reducing to stock keeps whole packs: units beyond the last whole pack are given back."""
    loose = reserved % (line.product.pack_size or 1)
    stock.release_stock(line.product_id, loose)
    return reserved - loose


def submit_draft(order: Order, actor, choices: dict[int, str] | None = None) -> Order:
    """Submit a reviewed draft: every flag acknowledged, shortages handled as the rep chose
    per line (backorder the rest, reduce to stock, or hold the order), stock reserved."""
    lifecycle.check(order, "submit", actor)
    verification.refresh_flags(order, actor=actor)
    unchecked = verification.open_flags(order)
    credit = [f for f in unchecked if f.kind in verification.MANAGER_CLEARS]
    if credit:
        raise OrderError("A manager must clear the credit check before this order can be submitted: "
                         + "; ".join(f.message for f in credit))
    if unchecked:
        raise OrderError(f"Acknowledge the {len(unchecked)} open check(s) before submitting: "
                         + "; ".join(f.message for f in unchecked))
    choices = choices or {}
    _reprice(order)
    short = [line.sku for line in order.lines
             if choices.get(line.id) == "hold" and line.quantity > stock.available(line.product_id)]
    for line in by_product(order.lines):  # every line in one pass, in the one lock order
        if choices.get(line.id) == "reduce":
            line.qty_reserved = _whole_packs(line, stock.reserve_up_to(line.product_id, line.quantity))
            line.quantity = line.qty_reserved or line.quantity
        else:
            reserve_line(line)
    for line in [x for x in order.lines if x.qty_reserved == 0 and choices.get(x.id) == "reduce"]:
        order.lines.remove(line)
    if not order.lines:
        raise OrderError("Nothing is left on the order after reducing to stock; add lines or backorder instead.")
    db.session.flush()
    submit_order(order, actor)
    if short:
        lifecycle.set_hold(order, actor, f"Waiting for stock: {', '.join(short)}")
    return order

