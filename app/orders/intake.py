"""Orders that arrive by email: an .eml becomes a draft for the sender's customer.

Lines of the form `SKU qty` in the text and a CSV attachment with sku,quantity are
pre-filled; everything else is left for the rep, who sees the original message on the
order. Malformed or hostile mail never raises: what could not be read is recorded.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

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
from app.orders.models import ChangeRequest, InboundEmail, Order
from app.orders.services import OrderError, create_draft

LINE_RE = re.compile(r"^\s*(?:[-*•]\s*)?([A-Za-z][A-Za-z0-9_.-]{1,39})\s*(?:[x×:,;\t]|\s)\s*(\d{1,6})\s*$")
PO_RE = re.compile(r"\b(PO-[A-Za-z0-9-]{2,40})|\b(?:PO|P\.O\.|order ref(?:erence)?)[\s#:.-]*([A-Za-z0-9-]{2,40})",
                   re.IGNORECASE)  # "PO-4471" is kept whole; "PO# 4471" gives 4471
MAX_LINES = 200
# An order number (app/orders/numbering.py) in the subject or the first lines of the text
# ("Re: Order confirmation SO-2026-00042") makes the message about that order.
ORDER_NUMBER_RE = re.compile(r"\bSO-(\d{4})-(\d{5})\b", re.IGNORECASE)
ORDER_NUMBER_LINES = 10
# Where a reply's quoted part begins: "On … wrote:", Outlook's "-----Original Message-----"
# or its rule, "Le … a écrit :", "Am … schrieb …:".
REPLY_START_RE = re.compile(r"^\s*(?:On\s.{0,300}\bwrote:|-{2,}\s*Original Message\s*-{2,}|_{20,}|"
                            r"Le\s.{0,300}\ba écrit\s?:|Am\s.{0,300}\bschrieb.{0,100}:)\s*$", re.IGNORECASE)
OUTLOOK_HEADER_RE = re.compile(r"^\s*\*?From:\*?\s.+$", re.IGNORECASE)  # followed by Sent:/Date:


BLOCKS = ("br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "ul", "ol")
HIDDEN = ("script", "style", "head", "title")


class _Text(HTMLParser):
    """The visible text of an HTML body: blocks on their own lines, scripts and styles dropped."""

    def __init__(self):
        super().__init__()
        self.parts = []
        self.hidden = 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in BLOCKS:
            self.parts.append("\n")


def _clean(text: str) -> str:
    """Text that every database stores: no NUL characters, no undecodable leftovers."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


@dataclass
class ParsedEmail:
    sender: str = ""
    subject: str = ""
    text: str = ""
    lines: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _body_text(message) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    return _html_to_text(content) if body.get_content_type() == "text/html" else content


def _csv_lines(message, parsed: ParsedEmail) -> None:
    for part in message.iter_attachments():
        name = (part.get_filename() or "").lower()
        if not (name.endswith(".csv") or part.get_content_type() == "text/csv"):
            continue
        payload = part.get_payload(decode=True) or b""
        reader = csv.reader(io.StringIO(_clean(payload.decode("utf-8-sig", errors="replace"))))
        for number, row in enumerate(reader, start=1):
            cells = [c.strip() for c in row]
            if not cells or not any(cells) or (number == 1 and cells[0].lower() == "sku"):
                continue
            if len(cells) >= 2 and cells[1].isdigit():
                parsed.lines.append((cells[0], int(cells[1])))
            else:
                parsed.problems.append(f"{name}: row {number} is not sku,quantity: {', '.join(cells)[:60]}")


def parse_email(raw: bytes) -> ParsedEmail:
    """Read sender, subject, text and candidate lines; collect problems instead of failing."""
    parsed = ParsedEmail()
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parsed.sender = _clean(parseaddr(str(message.get("From", "")))[1].strip().lower())
        parsed.subject = _clean(str(message.get("Subject", "")))[:300]
        parsed.text = _clean(_body_text(message))[:100_000]
        for text_line in parsed.text.splitlines():
            match = LINE_RE.match(text_line)
            if match:
                parsed.lines.append((match.group(1), int(match.group(2))))
        _csv_lines(message, parsed)
    except Exception as exc:  # hostile or broken mail must never stop the intake
        parsed.problems.append(f"Part of the message could not be read ({type(exc).__name__}).")
    if len(parsed.lines) > MAX_LINES:
        parsed.problems.append(f"Only the first {MAX_LINES} lines were taken.")
        parsed.lines = parsed.lines[:MAX_LINES]
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
    for sku, quantity in parsed.lines:
        product = product_by_sku(sku)
        if product is None:
            parsed.problems.append(f"Unknown SKU {sku[:40]} (quantity {quantity}) left for the rep.")
            continue
        try:
            drafts.add_product(order, product, quantity, actor)
        except Refusal as exc:  # a deactivated product, part packs…: left for the rep
            parsed.problems.append(f"{sku}: {exc}")
    record_event("order.email_received", f"Order email from {parsed.sender or 'unknown sender'}: {parsed.subject}"[:300],
                 order=order, actor=actor)
    inbound.problems = _clean("\n".join(parsed.problems))
    return order
