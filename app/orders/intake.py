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
from app.orders.models import InboundEmail
from app.orders.services import OrderError, create_draft

LINE_RE = re.compile(r"^\s*(?:[-*•]\s*)?([A-Za-z][A-Za-z0-9_.-]{1,39})\s*(?:[x×:,;\t]|\s)\s*(\d{1,6})\s*$")
PO_RE = re.compile(r"\b(PO-[A-Za-z0-9-]{2,40})|\b(?:PO|P\.O\.|order ref(?:erence)?)[\s#:.-]*([A-Za-z0-9-]{2,40})",
                   re.IGNORECASE)  # "PO-4471" is kept whole; "PO# 4471" gives 4471
MAX_LINES = 200


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
