"""Orders that arrive by email: an .eml becomes a draft for the sender's customer.

What the email names is read by `app.orders.email_reading` (lines as customers write
them, tables, CSV / XLSX / PDF attachments, quoted and signature parts left out) and
pre-filled; every line that looks like an order line but could not be read becomes a
check on the draft ("Check: …" in the email's problems, an `email_line` finding the rep
acknowledges). The rep sees the original message on the order. Malformed or hostile mail
never raises: what could not be read is recorded.
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import func, select

from app.catalog.queries import product_by_sku
from app.customers.models import Customer
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders import drafts
from app.orders.email_reading import CHECK, read_message
from app.orders.email_reading import clean as _clean
from app.orders.models import InboundEmail
from app.orders.services import OrderError, create_draft

PO_RE = re.compile(r"\b(PO-[A-Za-z0-9-]{2,40})|\b(?:PO|P\.O\.|order ref(?:erence)?)[\s#:.-]*([A-Za-z0-9-]{2,40})",
                   re.IGNORECASE)  # "PO-4471" is kept whole; "PO# 4471" gives 4471


@dataclass
class ParsedEmail:
    sender: str = ""
    subject: str = ""
    text: str = ""
    lines: list[tuple[str, int]] = field(default_factory=list)  # (catalogue SKU, quantity)
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # order-like lines that could not be read


def parse_email(raw: bytes) -> ParsedEmail:
    """Read sender, subject, text, order lines and lines to check; collect problems instead
    of failing."""
    parsed = ParsedEmail()
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parsed.sender = _clean(parseaddr(str(message.get("From", "")))[1].strip().lower())
        parsed.subject = _clean(str(message.get("Subject", "")))[:300]
        reading = read_message(message, parsed.subject)
        parsed.text, parsed.lines, parsed.checks = reading.text, reading.lines, reading.checks
        parsed.problems += reading.notes
    except Exception as exc:  # hostile or broken mail must never stop the intake
        parsed.problems.append(f"Part of the message could not be read ({type(exc).__name__}).")
        parsed.checks.append("The message could not be read in full: read the original email by hand.")
    return parsed


def customer_for(address: str) -> Customer | None:
    if not address:
        return None
    return db.session.execute(
        select(Customer).where(func.lower(Customer.email) == address.lower()).limit(1)
    ).scalar_one_or_none()


def intake_email(raw: bytes, actor) -> InboundEmail:
    """Keep the email; if its sender is a customer, make it a draft with the lines it names."""
    if len(raw) > current_app.config["MAX_EMAIL_BYTES"]:
        raise OrderError(f"The message is larger than {current_app.config['MAX_EMAIL_BYTES'] // 1024 // 1024} MB.")
    parsed = parse_email(raw)
    inbound = InboundEmail(from_address=parsed.sender[:254], subject=parsed.subject, body_text=parsed.text,
                           raw=raw, received_by_id=actor.id if actor else None)
    db.session.add(inbound)
    customer = customer_for(parsed.sender)
    if customer is None:
        parsed.problems.append(f"No customer has the address {parsed.sender or '(none)'}; choose one to make a draft.")
    else:
        draft_from_email(inbound, customer, actor, parsed)
    inbound.problems = _clean("\n".join(parsed.problems))
    db.session.flush()
    return inbound


def draft_from_email(inbound: InboundEmail, customer: Customer, actor, parsed: ParsedEmail | None = None):
    """Make the draft for an email and pre-fill what it names."""
    parsed = parsed or parse_email(inbound.raw)
    po = PO_RE.search(parsed.subject or "")
    order = create_draft(customer, channel="email", actor=actor,
                         customer_reference=(po.group(1) or po.group(2))[:60] if po else "")
    inbound.order_id = order.id
    checks = list(parsed.checks)
    for sku, quantity in parsed.lines:
        product = product_by_sku(sku)
        try:
            if product is None:  # the catalogue changed since the message was read
                raise Refusal(f"no product has the SKU {sku} now (quantity {quantity}).")
            drafts.add_product(order, product, quantity, actor)
        except Refusal as exc:  # a deactivated product, part packs…: left for the rep
            checks.append(f"{sku}: {exc}")
    parsed.problems = [p for p in parsed.problems if not p.startswith(CHECK)] + [CHECK + c for c in checks]
    record_event("order.email_received", f"Order email from {parsed.sender or 'unknown sender'}: {parsed.subject}"[:300],
                 order=order, actor=actor)
    inbound.problems = _clean("\n".join(parsed.problems))
    return order
