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
from app.orders.amendments import AMENDABLE
from app.orders.change_requests import open_change_request
from app.orders.communications import log_communication
from app.orders.email_reading import CHECK, read_message
from app.orders.email_reading import clean as _clean
from app.orders.models import ChangeRequest, InboundEmail, Order
from app.orders.services import OrderError, create_draft

PO_RE = re.compile(r"\b(PO-[A-Za-z0-9-]{2,40})|\b(?:PO|P\.O\.|order ref(?:erence)?)[\s#:.-]*([A-Za-z0-9-]{2,40})",
                   re.IGNORECASE)  # "PO-4471" is kept whole; "PO# 4471" gives 4471
# An order number (app/orders/numbering.py) in the subject or the first lines of the text
# ("Re: Order confirmation SO-2026-00042") makes the message about that order.
ORDER_NUMBER_RE = re.compile(r"\bSO-(\d{4})-(\d{5})\b", re.IGNORECASE)
ORDER_NUMBER_LINES = 10
# Where a reply's quoted part begins: "On … wrote:", Outlook's "-----Original Message-----"
# or its rule, "Le … a écrit :", "Am … schrieb …:".
REPLY_START_RE = re.compile(r"^\s*(?:On\s.{0,300}\bwrote:|-{2,}\s*Original Message\s*-{2,}|_{20,}|"
                            r"Le\s.{0,300}\ba écrit\s?:|Am\s.{0,300}\bschrieb.{0,100}:)\s*$", re.IGNORECASE)
OUTLOOK_HEADER_RE = re.compile(r"^\s*\*?From:\*?\s.+$", re.IGNORECASE)  # followed by Sent:/Date:


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


def intake_email(raw: bytes, actor=None, *, source: str = "upload", message_id: str | None = None,
                 mailbox_uid: str | None = None) -> InboundEmail:
    """Keep the email; if it quotes an order number it is about that order (route_to_order),
    else if its sender is a customer, make it a draft with the lines it names.

    `mailbox_uid` ("folder:uidvalidity:uid") is unique: the row is flushed first, so a
    message another poller has already taken raises IntegrityError before anything else."""
    if len(raw) > current_app.config["MAX_EMAIL_BYTES"]:
        raise OrderError(f"The message is larger than {current_app.config['MAX_EMAIL_BYTES'] // 1024 // 1024} MB.")
    parsed = parse_email(raw)
    inbound = InboundEmail(from_address=parsed.sender[:254], subject=parsed.subject, body_text=parsed.text,
                           raw=raw, received_by_id=actor.id if actor else None, source=source,
                           message_id=_clean(message_id or "")[:255] or None, mailbox_uid=mailbox_uid)
    db.session.add(inbound)
    db.session.flush()
    if not route_to_order(inbound, parsed, actor):
        customer = customer_for(parsed.sender)
        if customer is None:
            parsed.problems.append(f"No customer has the address {parsed.sender or '(none)'}; choose one to make a draft.")
        else:
            draft_from_email(inbound, customer, actor, parsed)
    inbound.problems = _clean("\n".join(parsed.problems))
    db.session.flush()
    return inbound


def keep_email(raw: bytes, problem: str, *, source: str = "upload", message_id: str | None = None,
               mailbox_uid: str | None = None) -> InboundEmail:
    """Keep a message that could not be taken (too big, or it broke the intake) for a rep,
    with what went wrong; sender and subject as far as they can be read."""
    sender = subject = ""
    try:
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        sender = _clean(parseaddr(str(headers.get("From", "")))[1].strip().lower())
        subject = _clean(str(headers.get("Subject", "")))[:300]
    except Exception:  # noqa: BLE001  what cannot be read stays empty; the raw bytes are kept
        pass
    inbound = InboundEmail(from_address=sender[:254], subject=subject, body_text="", raw=raw, problems=_clean(problem),
                           source=source, message_id=_clean(message_id or "")[:255] or None, mailbox_uid=mailbox_uid)
    db.session.add(inbound)
    db.session.flush()
    return inbound


def quoted_order_number(parsed: ParsedEmail) -> str | None:
    """The order number the subject or the first lines of the text name, if any."""
    head = "\n".join([parsed.subject or "", *(parsed.text or "").splitlines()[:ORDER_NUMBER_LINES]])
    match = ORDER_NUMBER_RE.search(head)
    return f"SO-{match.group(1)}-{match.group(2)}" if match else None


def new_part(text: str) -> str:
    """What the sender wrote in this message: quoted lines (">") and the quoted original of
    a reply ("On … wrote:", Outlook's header block) left out."""
    lines = (text or "").splitlines()
    kept = []
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if REPLY_START_RE.match(line) or (OUTLOOK_HEADER_RE.match(line)
                                          and re.match(r"^\s*\*?(Sent|Date):", following, re.IGNORECASE)):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _from_the_customer(order: Order, sender: str) -> bool:
    sender = (sender or "").lower()
    known = [order.customer.email, *(contact.email for contact in order.customer.contacts)]
    return bool(sender) and any((address or "").strip().lower() == sender for address in known)


def route_to_order(inbound: InboundEmail, parsed: ParsedEmail, actor) -> bool:
    """A message quoting an order number is not a new order. From that order's customer it
    becomes a change request for sales while the order can be amended, else a communication
    on the order; from anyone else it waits for a rep. False when it quotes no order number."""
    number = quoted_order_number(parsed)
    if number is None:
        return False
    order = db.session.execute(select(Order).where(Order.number == number)).scalar_one_or_none()
    if order is None:
        parsed.problems.append(f"It names the order {number}, which is not an order here; "
                               "choose a customer to make a draft, or answer the sender.")
        return True
    if not _from_the_customer(order, parsed.sender):
        parsed.problems.append(f"It names the order {number}, but {parsed.sender or '(no sender)'} is not an address "
                               f"of that order's customer ({order.customer.name}); check who sent it.")
        return True
    inbound.order_id = order.id
    text = new_part(parsed.text) or parsed.subject or "(no text)"
    if order.status in AMENDABLE:
        open_change_request(order, channel="email", source="email", requested_by=parsed.sender, text=text,
                            inbound_email_id=inbound.id, actor=actor)
    else:
        log_communication(order, actor, direction="in", medium="email", contact=parsed.sender[:120],
                          summary=f"“{parsed.subject}”: {text}"[:2000])
    return True


def inbound_change_request(inbound: InboundEmail) -> ChangeRequest | None:
    """The change request an email became, if it became one."""
    return db.session.execute(select(ChangeRequest).where(ChangeRequest.inbound_email_id == inbound.id)
                              .limit(1)).scalar_one_or_none()


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
