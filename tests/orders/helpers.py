"""Helpers shared by the confirmation tests."""

from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from app.extensions import db
from app.orders.models import SpecialRequest

LONDON = ZoneInfo("Europe/London")


def london(text: str) -> datetime:
    """'2026-12-02 13:59' in London as the naive UTC the clock and the database use."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)


def add_request(order, kind="gift_wrap", text="Wrap each item", status="approved", team="fulfillment"):
    request = SpecialRequest(order_id=order.id, kind=kind, text=text, owner_team=team, status=status)
    db.session.add(request)
    db.session.flush()
    return request
