"""Amendments: a change the customer asked for through an approved channel, verified with
them, applied as a new revision with a readable diff, reservations adjusted in the same
transaction, and re-confirmed."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from app.catalog import services as stock
from app.catalog.pricing import price_for
from app.catalog.products import check_orderable, check_pack_quantity
from app.events.services import record_event
from app.extensions import db
from app.formatting import day, money
from app.orders.confirmation import issue_cancellation, issue_confirmation
from app.orders.models import Order, OrderLine, Revision
from app.orders.promising import apply_promise
from app.orders.services import OrderError, cancel_order, order_snapshot
from app.orders.states import CHANNEL_LABELS, METHOD_LABELS
from app.settings.store import setting
from app.timeutil import local, utcnow

AMENDABLE = ("confirmed",)
HEADER_LABELS = {"address": "Delivery address", "method": "Fulfilment", "requested_date": "Requested date",
                 "instructions": "Instructions", "customer_reference": "Customer reference",
                 "promised_date": "Promised date"}


@dataclass
class Amendment:
    """What the customer asked to change. Quantities by line id (0 removes the line)."""

    channel: str
    requested_by: str
    verified_how: str
    quantities: dict[int, int] = field(default_factory=dict)
    additions: list[tuple] = field(default_factory=list)  # (Product, quantity)
    header: dict = field(default_factory=dict)
    cancel: bool = False
    cancel_reason: str = ""


@dataclass
class LinePreview:
    """One line as an amendment would leave it: its quantity and unit price before and after,
    the stock free now (on hand − reserved) and how many units would wait for stock."""

    sku: str
    description: str
    quantity_before: int
    quantity_after: int
    available: int
    short: int
    price_before: Decimal | None  # None: a line the amendment adds
    price_after: Decimal
    price_reason: str = ""  # why the new price applies, when the amendment reprices the line

    @property
    def price_changed(self) -> bool:
        return self.price_before is not None and self.price_before != self.price_after

    @property
    def line_total(self) -> Decimal:
        return self.price_after * self.quantity_after


@dataclass
class Preview:
    lines: list[LinePreview]
    total_before: Decimal
    total_after: Decimal


def approved_channels() -> list[str]:
    return [c.strip() for c in setting("AMENDMENT_CHANNELS").split(",") if c.strip()]


def check_amendable(order: Order, actor) -> None:
    """Refuse an amendment the order cannot take now, saying what to do instead."""
    if not actor.has_role("sales", "manager"):
        raise OrderError("Amending an order needs the sales or manager role.")
    if order.status == "picking":
        raise OrderError(f"{order.ref} is being picked. Ask fulfillment to release the pick, "
                         "then amend it once it is back to Confirmed.")
    if order.status not in AMENDABLE:
        raise OrderError(f"{order.ref} is {order.status_label.lower()}; what has been packed or dispatched cannot be amended.")


def ask_pick_release(order: Order, actor, change: str) -> None:
    """Tell fulfillment that sales must amend an order they are picking (an alert until acknowledged)."""
    if order.status != "picking":
        raise OrderError(f"{order.ref} is not being picked; amend it directly.")
    if not change.strip():
        raise OrderError("Say what the customer wants to change, so fulfillment knows why.")
    record_event("order.amended_in_picking", f"Amendment waiting: {change.strip()[:200]} — release the pick so sales can amend",
                 order=order, actor=actor, after={"change": change.strip()[:200]})


def _validate(amendment: Amendment) -> None:
    if amendment.channel not in approved_channels():
        raise OrderError("Amendments are only taken by " + ", ".join(CHANNEL_LABELS.get(c, c) for c in approved_channels()) + ".")
    if not amendment.requested_by.strip():
        raise OrderError("Say who at the customer asked for the change.")
    if not amendment.verified_how.strip():
        raise OrderError("Say how the change was verified with the customer (e.g. read back on the phone).")


def _change_quantity(order: Order, line: OrderLine, quantity: int) -> None:
    if quantity:
        check_pack_quantity(line.product, quantity)
    if quantity < line.qty_shipped:
        raise OrderError(f"{line.sku}: {line.qty_shipped} already shipped; the quantity cannot go below that.")
    if quantity == 0:
        stock.release_stock(line.product_id, line.qty_reserved)
        order.lines.remove(line)
        return
    open_before = line.quantity - line.qty_shipped
    open_after = quantity - line.qty_shipped
    if open_after < line.qty_reserved:  # fewer wanted: free stock at once
        stock.release_stock(line.product_id, line.qty_reserved - open_after)
        line.qty_reserved = open_after
    elif open_after > open_before:
        line.qty_reserved += stock.reserve_up_to(line.product_id, open_after - line.qty_reserved)
    line.quantity = quantity
    line.qty_backordered = quantity - line.qty_shipped - line.qty_reserved
    line.unit_price = price_after(order, line, quantity)


def price_after(order: Order, line: OrderLine, quantity: int):
    """The unit price a line takes at its new quantity: today's price for the customer, unless
    the price was set by hand (that stays)."""
    if line.price_override_reason:
        return line.unit_price
    return price_for(order.customer_id, line.product, quantity).unit_price


def _add(order: Order, product, quantity: int) -> None:
    existing = next((x for x in order.lines if x.product_id == product.id), None)
    check_orderable(product, quantity + (existing.quantity if existing is not None else 0))
    if existing is not None:
        _change_quantity(order, existing, existing.quantity + quantity)
        return
    reserved = stock.reserve_up_to(product.id, quantity)
    order.lines.append(OrderLine(
        product=product, sku=product.sku, description=product.name, quantity=quantity,
        unit_price=price_for(order.customer_id, product, quantity).unit_price, list_price=product.unit_price,
        tax_rate=product.tax_rate,
        qty_reserved=reserved, qty_backordered=quantity - reserved,
        position=max((x.position for x in order.lines), default=0) + 1))


def same_text(a, b) -> bool:
    """Equal but for line endings and spaces around lines (how browsers and emails differ)."""
    def norm(value):
        if not isinstance(value, str):
            return value
        return "\n".join(part.strip() for part in value.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n"))
    return norm(a) == norm(b)


def _readable(name: str, value) -> str:
    if not value:
        return "—"
    if name == "method":
        return METHOD_LABELS.get(value, value)
    if name.endswith("_date"):
        return day(date.fromisoformat(value))
    return value


def diff_snapshots(before: dict, after: dict) -> list[dict]:
    """What changed between two revisions, as lines a customer can read."""
    changes = []
    old = {line["sku"]: line for line in before.get("lines", [])}
    new = {line["sku"]: line for line in after.get("lines", [])}
    for sku, line in new.items():
        if sku not in old:
            changes.append({"what": "line", "sku": sku, "before": 0, "after": line["quantity"],
                            "text": f"Added {sku} {line['description']} × {line['quantity']}"})
        elif _line_changed(old[sku], line):
            changes.append(_line_change(sku, old[sku], line))
    for sku, line in old.items():
        if sku not in new:
            changes.append({"what": "line", "sku": sku, "before": line["quantity"], "after": 0,
                            "text": f"Removed {sku} {line['description']} (was × {line['quantity']})"})
    for name, label in HEADER_LABELS.items():
        if not same_text(before.get(name), after.get(name)):
            shown = {k: _readable(name, v) for k, v in (("before", before.get(name)), ("after", after.get(name)))}
            changes.append({"what": name, "before": before.get(name), "after": after.get(name),
                            "text": f"{label}: {shown['before']} → {shown['after']}"})
    if before.get("status") != after.get("status") and after.get("status") == "cancelled":
        changes.append({"what": "status", "before": before.get("status"), "after": "cancelled", "text": "Order cancelled"})
    return changes


def _line_changed(old: dict, new: dict) -> bool:
    return old["quantity"] != new["quantity"] or _price(old) != _price(new)


def _price(line: dict):
    return Decimal(line["unit_price"]) if line.get("unit_price") is not None else None


def _line_change(sku: str, old: dict, new: dict) -> dict:
    """A line kept on the order whose quantity or unit price (re-priced at today's price) moved."""
    parts = []
    if old["quantity"] != new["quantity"]:
        parts.append(f"quantity {old['quantity']} → {new['quantity']}")
    change = {"what": "line", "sku": sku, "before": old["quantity"], "after": new["quantity"]}
    if _price(old) != _price(new):
        parts.append(f"unit price {money(_price(old))} → {money(_price(new))}")
        change |= {"price_before": old["unit_price"], "price_after": new["unit_price"]}
    return change | {"text": f"{sku} {new['description']}: " + ", ".join(parts)}


def _repromise(order: Order, before: dict) -> None:
    """Recompute the promised date. Units added are promised from now; otherwise the date is
    worked out as it was at confirmation, so a smaller order is never promised later."""
    old = {line["sku"]: line["quantity"] for line in before["lines"]}
    added = any(line.quantity > old.get(line.sku, 0) for line in order.lines)
    apply_promise(order, None if added else local(order.confirmed_at))


def amend_order(order: Order, amendment: Amendment, actor) -> Revision:
    """Apply the change as revision N+1 with its diff; reservations follow in this transaction."""
    check_amendable(order, actor)
    _validate(amendment)
    before = order_snapshot(order) | {"status": order.status}
    reason = amendment.cancel_reason or f"asked by {amendment.requested_by}"
    if amendment.cancel:
        cancel_order(order, actor, reason, tell=False)  # told below, as the cancelled revision
    else:
        _apply(order, amendment)
        _repromise(order, before)
    db.session.flush()
    after = order_snapshot(order) | {"status": order.status}
    changes = diff_snapshots(before, after)
    if not changes:
        raise OrderError("Nothing was changed; the order stays as it is.")
    order.revision += 1
    revision = Revision(order_id=order.id, number=order.revision, channel=amendment.channel,
                        requested_by=amendment.requested_by.strip()[:120], verified_how=amendment.verified_how.strip()[:200],
                        snapshot=after, diff=changes, created_by_id=actor.id)
    db.session.add(revision)
    order.updated_at = utcnow()
    record_event("order.amended", f"Revision {order.revision} ({CHANNEL_LABELS[amendment.channel]}, asked by "
                 f"{revision.requested_by}): " + "; ".join(c["text"] for c in changes),
                 order=order, actor=actor, before={"revision": order.revision - 1}, after={"revision": order.revision})
    db.session.flush()
    if amendment.cancel:
        issue_cancellation(order, actor, reason)  # revision N marked CANCELLED, with the reason
    else:
        issue_confirmation(order, actor)  # the customer gets revision N's PDF, like revision 1's
    return revision


def preview_amendment(order: Order, quantities: dict[int, int], additions: list[tuple]) -> Preview:
    """What the amendment would do to the lines, worked out without changing anything: the
    lines whose quantity or price moves, the lines added, and the order total before and after."""
    wanted = {line.id: quantities.get(line.id, line.quantity) for line in order.lines}
    new: dict[int, tuple] = {}
    for product, quantity in additions:
        line = next((x for x in order.lines if x.product_id == product.id), None)
        if line is not None:
            wanted[line.id] += quantity
        else:
            new[product.id] = (product, new.get(product.id, (product, 0))[1] + quantity)
    rows = [_kept_line(order, line, wanted[line.id]) for line in order.lines]
    rows += [_added_line(order, product, quantity) for product, quantity in new.values()]
    total_after = sum((row.line_total for row in rows), Decimal("0"))
    return Preview([row for row in rows if row.quantity_before != row.quantity_after or row.price_changed],
                   order.total, total_after)


def _kept_line(order: Order, line: OrderLine, quantity: int) -> LinePreview:
    price, reason = line.unit_price, ""
    if quantity not in (line.quantity, 0) and not line.price_override_reason:
        today = price_for(order.customer_id, line.product, quantity)
        price, reason = today.unit_price, today.reason
    short = max(quantity - line.qty_shipped - line.qty_reserved - line.product.available, 0)
    return LinePreview(line.sku, line.description, line.quantity, quantity, line.product.available, short,
                       line.unit_price, price, reason)


def _added_line(order: Order, product, quantity: int) -> LinePreview:
    price = price_for(order.customer_id, product, quantity)
    return LinePreview(product.sku, product.name, 0, quantity, product.available, max(quantity - product.available, 0),
                       None, price.unit_price, price.reason)


def _apply(order: Order, amendment: Amendment) -> None:
    lines = {line.id: line for line in order.lines}
    changes = []  # (product id, change): stock rows are locked in product id order (services.by_product)
    for line_id, quantity in amendment.quantities.items():
        if line_id not in lines:
            raise OrderError("A line of the form is no longer on the order; reload and try again.")
        if quantity < 0 or quantity > 100_000:
            raise OrderError("Quantities must be from 0 (remove) to 100,000.")
        if quantity != lines[line_id].quantity:
            changes.append((lines[line_id].product_id, partial(_change_quantity, order, lines[line_id], quantity)))
    for product, quantity in amendment.additions:
        if quantity < 1 or quantity > 100_000:
            raise OrderError(f"{product.sku}: quantity must be from 1 to 100,000.")
        changes.append((product.id, partial(_add, order, product, quantity)))
    for _product_id, change in sorted(changes, key=lambda c: c[0]):  # stable: a line's change before its addition
        change()
    for name, value in amendment.header.items():
        if not same_text(getattr(order, name), value):  # keep the stored text if only whitespace differs
            setattr(order, name, value)
    if order.method == "delivery" and not (order.address or "").strip():
        raise OrderError("A delivery order needs a delivery address.")
    if not order.lines:
        raise OrderError("Removing every line is a cancellation: tick “Cancel the order” instead.")

