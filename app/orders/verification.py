"""Checks against the customer's history that a rep must acknowledge before submitting.

Findings are computed from the draft as it is now; `refresh_flags` keeps one
VerificationFlag row per finding, so an acknowledgement (who, when) survives edits that
do not change what the finding is about, and a finding that no longer applies goes away.
"""

import re
import statistics
from dataclasses import dataclass
from datetime import timedelta

from babel.numbers import format_currency
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import NotAllowed, Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders.email_reading import email_checks
from app.orders.models import InboundEmail, Order, OrderLine, VerificationFlag
from app.orders.money import ZERO, order_totals
from app.orders.states import OPEN_STATUSES
from app.settings.store import setting
from app.timeutil import business_locale, utcnow

KIND_LABELS = {
    "duplicate": "Possible duplicate",
    "quantity": "Unusual quantity",
    "new_address": "New delivery address",
    "new_product": "First-time product",
    "shortage": "Not enough stock",
    "credit": "Credit check",
    "email_line": "Email line not read",
}
# Checks a rep cannot acknowledge: only a manager clears them, with a reason (clear_credit_check).
MANAGER_CLEARS = {"credit"}


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str
    message: str


@dataclass
class History:
    """What the customer has ordered before: recent orders and usual quantities per SKU."""

    recent: list[Order]
    quantities: dict[str, list[int]]
    addresses: set[str]

    def usual(self, sku: str) -> int | None:
        found = self.quantities.get(sku)
        return int(statistics.median(found)) if found else None


def _normal(address: str) -> str:
    return re.sub(r"[\s,]+", " ", address or "").strip().lower()


def customer_history(order: Order, recent_count: int = 5) -> History:
    """The customer's earlier (not draft, not cancelled) orders, newest first."""
    earlier = (Order.customer_id == order.customer_id, Order.id != order.id,
               Order.status.not_in(("draft", "cancelled")))
    recent = db.session.execute(  # with their lines: the panel shows each one's total
        select(Order).where(*earlier).order_by(Order.created_at.desc()).limit(recent_count)
        .options(selectinload(Order.lines))
    ).scalars().all()
    quantities: dict[str, list[int]] = {}
    past_addresses = set()  # (an earlier order always has lines: a draft is submitted with some)
    for sku, quantity, address in db.session.execute(
        select(OrderLine.sku, OrderLine.quantity, Order.address).join(Order).where(*earlier)
    ):
        quantities.setdefault(sku, []).append(quantity)
        past_addresses.add(address)
    addresses = {_normal(a) for a in past_addresses} | {_normal(a.text) for a in order.customer.addresses}
    return History(list(recent), quantities, addresses)


def _duplicates(order: Order) -> list[Finding]:
    """Other recent orders of the customer with the same PO number or mostly the same SKUs."""
    window = utcnow() - timedelta(days=current_app.config["DUPLICATE_WINDOW_DAYS"])
    recent = (Order.customer_id == order.customer_id, Order.id != order.id,
              Order.status != "cancelled", Order.created_at >= window)
    skus: dict[int, set[str]] = {}
    others = {}
    for other in db.session.execute(  # each recent order once per line (once if it has none)
        select(Order.id, Order.number, Order.created_at, Order.customer_reference, OrderLine.sku)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id).where(*recent).order_by(Order.id)
    ):
        others.setdefault(other.id, other)
        if other.sku is not None:
            skus.setdefault(other.id, set()).add(other.sku)
    mine = {line.sku for line in order.lines}
    found = []
    for other in others.values():
        theirs = skus.get(other.id, set())
        ref = other.number or f"DRAFT-{other.id}"
        overlap = len(mine & theirs) / len(mine | theirs) if mine and theirs else 0
        if order.customer_reference and order.customer_reference == other.customer_reference:
            found.append(Finding(f"duplicate:{other.id}", "duplicate",
                                 f"Same customer reference {order.customer_reference} as {ref} ({other.created_at:%d %b})."))
        elif overlap >= 0.6:
            found.append(Finding(f"duplicate:{other.id}", "duplicate",
                                 f"Similar lines to {ref} placed {other.created_at:%d %b}."))
    return found


def _line_findings(order: Order, history: History) -> list[Finding]:
    found = []
    for line in order.lines:
        usual = history.usual(line.sku)
        if usual is not None and line.quantity > max(3 * usual, usual + 5):
            found.append(Finding(f"quantity:{line.sku}:{line.quantity}", "quantity",
                                 f"{line.quantity} × {line.sku} is far above this customer's usual {usual}."))
        if history.recent and line.sku not in history.quantities:
            found.append(Finding(f"new_product:{line.sku}", "new_product",
                                 f"First time this customer orders {line.sku} ({line.description})."))
        available = line.product.available
        if line.quantity > available:
            found.append(Finding(f"shortage:{line.sku}:{line.quantity}", "shortage",
                                 f"Only {max(available, 0)} of {line.sku} available; {line.quantity - max(available, 0)} short."))
    return found


def _amount(value) -> str:
    return format_currency(value, setting("CURRENCY"), locale=business_locale())


def open_order_gross(order: Order):
    """The gross of the customer's other open orders: confirmed and not yet dispatched,
    collected or cancelled (OPEN_STATUSES; a dispatched order is left to the accounts)."""
    others = db.session.execute(
        select(Order).where(Order.customer_id == order.customer_id, Order.id != order.id,
                            Order.status.in_(OPEN_STATUSES))
        .options(selectinload(Order.lines).selectinload(OrderLine.product))
    ).scalars()
    return sum((order_totals(other).gross for other in others), ZERO)


def _credit(order: Order) -> list[Finding]:
    """A customer on credit hold, or this order taking open orders past the credit limit.
    The key carries the amount, so a clearance stops counting once the exposure grows."""
    customer = order.customer
    found = []
    if customer.credit_hold:
        reason = f": {customer.credit_hold_reason}" if customer.credit_hold_reason else ""
        found.append(Finding("credit:hold", "credit", f"{customer.code} is on credit hold{reason}."))
    if customer.credit_limit is not None and order.lines:
        exposure = open_order_gross(order) + order_totals(order).gross
        if exposure > customer.credit_limit:
            found.append(Finding(f"credit:limit:{exposure}", "credit",
                                 f"Takes {customer.code} to {_amount(exposure)} against a limit of "
                                 f"{_amount(customer.credit_limit)}."))
    return found


def _email_lines(order: Order) -> list[Finding]:
    """Lines of the order's emails that look like order lines but could not be read: each is
    a check until the rep has entered it (or decided it is nothing)."""
    messages = db.session.execute(  # only what the check reads: never the stored .eml itself
        select(InboundEmail.id, InboundEmail.problems).where(InboundEmail.order_id == order.id).order_by(InboundEmail.id))
    return [Finding(f"email_line:{message.id}:{n}", "email_line", check[:300])
            for message in messages for n, check in enumerate(email_checks(message.problems), start=1)]


def findings(order: Order, history: History | None = None) -> list[Finding]:
    """Everything about the draft worth a second look, in the order a rep reads it."""
    history = history or customer_history(order)
    found = _credit(order) + _duplicates(order) + _line_findings(order, history) + _email_lines(order)
    if order.method == "delivery" and order.address.strip() and history.recent \
            and _normal(order.address) not in history.addresses:
        found.append(Finding("new_address", "new_address", "The delivery address is new for this customer."))
    return found


def refresh_flags(order: Order, history: History | None = None, actor=None) -> list[VerificationFlag]:
    """Bring the order's flag rows in line with its findings; keep acknowledgements. A new
    credit check is news for the manager (an event routed to them)."""
    current = {f.key: f for f in findings(order, history)}
    for flag in list(order.flags):
        if flag.key not in current:
            order.flags.remove(flag)
    known = {flag.key for flag in order.flags}
    for key, finding in current.items():
        if key not in known:
            order.flags.append(VerificationFlag(key=key, kind=finding.kind, message=finding.message))
            if finding.kind in MANAGER_CLEARS:
                record_event("order.credit_check", f"Credit check: {finding.message} A manager must clear it.",
                             order=order, actor=actor, after={"flag": key})
    db.session.flush()
    return list(order.flags)


def shown_flags(order: Order, history: History | None = None) -> list[VerificationFlag]:
    """The checks as they stand now, for showing: stored flags (with their acknowledgements)
    for findings that still apply, and unsaved ones for new findings. Writes nothing."""
    stored = {flag.key: flag for flag in order.flags}
    return [stored.get(f.key) or VerificationFlag(key=f.key, kind=f.kind, message=f.message)
            for f in findings(order, history)]


def acknowledge(order: Order, key: str, actor) -> VerificationFlag:
    """Record that `actor` has checked this finding with the customer (or decided it is fine)."""
    flag = _current_flag(order, key, actor)
    if flag.kind in MANAGER_CLEARS:
        raise NotAllowed("Only a manager can clear a credit check, with a reason.")
    if flag.acknowledged_at is None:
        flag.acknowledged_by_id, flag.acknowledged_at = actor.id, utcnow()
        record_event("order.flag_acknowledged", f"Checked: {flag.message}", order=order, actor=actor,
                     after={"flag": flag.key})
    return flag


def acknowledge_all(order: Order, actor, keys=None) -> list[VerificationFlag]:
    """Acknowledge every open check at once, or those of `keys` (the ones the rep was shown:
    a check found since stays open); each is still recorded with who and when, by the same
    rule as acknowledging one. Returns the checks acknowledged now."""
    refresh_flags(order, actor=actor)
    flags = [f for f in open_flags(order) if (keys is None or f.key in keys) and f.kind not in MANAGER_CLEARS]
    for flag in flags:
        acknowledge(order, flag.key, actor)
    return flags


def _current_flag(order: Order, key: str, actor=None) -> VerificationFlag:
    refresh_flags(order, actor=actor)
    flag = next((f for f in order.flags if f.key == key), None)
    if flag is None:
        raise Refusal("That check no longer applies; the panel has been refreshed.")
    return flag


def clear_credit_check(order: Order, key: str, actor, reason: str) -> VerificationFlag:
    """A manager lets the order go ahead despite the credit check, saying why (the reason is
    kept on the check and in the event). The caller has checked the manager's permission."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise Refusal("Say why the order may go ahead (e.g. payment received, limit agreed).")
    flag = _current_flag(order, key, actor)
    if flag.kind not in MANAGER_CLEARS:
        raise Refusal("That is not a credit check; acknowledge it as usual.")
    if flag.acknowledged_at is None:
        flag.acknowledged_by_id, flag.acknowledged_at, flag.note = actor.id, utcnow(), reason
        record_event("order.credit_cleared", f"Credit check cleared: {flag.message} Reason: {reason}",
                     order=order, actor=actor, after={"flag": flag.key, "reason": reason})
    return flag


def open_flags(order: Order) -> list[VerificationFlag]:
    return [f for f in order.flags if f.acknowledged_at is None]
