"""Helpers shared by the order tests: the stock invariant, a small HTML form reader, PDFs and times."""

from datetime import UTC, datetime
from html.parser import HTMLParser
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db
from app.orders.models import Order, OrderLine, SpecialRequest
from app.orders.states import OPEN_STATUSES


def assert_reservations_match() -> None:
    """product.reserved == the sum of qty_reserved over open orders, for every product;
    and 0 <= reserved <= on_hand (what the CHECKs guard)."""
    db.session.expire_all()
    held = dict(db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.qty_reserved))
        .join(Order).where(Order.status.in_(OPEN_STATUSES)).group_by(OrderLine.product_id)
    ).all())
    for product in db.session.execute(select(Product)).scalars():
        assert product.reserved == (held.get(product.id) or 0), (
            f"{product.sku}: product.reserved={product.reserved} but open orders hold {held.get(product.id) or 0}")
        assert 0 <= product.reserved <= product.on_hand, product.sku


class FormReader(HTMLParser):
    """The fields of the forms on a page, as a browser would submit them (first form with `action_part`)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self._form["fields"][a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = a.get("name")
            self._form["fields"].setdefault(self._select, None)
        elif tag == "option" and self._select:
            if "selected" in a or self._form["fields"][self._select] is None:
                self._form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def form_fields(html: str, action_part: str = "", with_field: str = "") -> dict:
    """The fields of the first form on the page whose action contains `action_part`
    (and that has a field named `with_field`)."""
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if action_part in form["action"] and (not with_field or with_field in form["fields"]):
            fields = dict(form["fields"])
            for name, value in fields.items():  # a textarea drops one leading newline, like browsers
                if isinstance(value, str) and value[:1] in ("\r", "\n"):
                    fields[name] = value[2:] if value.startswith("\r\n") else value[1:]
            return fields
    raise AssertionError(f"no form with action containing {action_part!r}")


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
