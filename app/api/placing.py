"""Orders and amendment requests from the online channel, through the desk's own services.

An order is checked whole first (every field problem reported at once, as `errors`), then
made the way a rep makes one: a draft on channel "online" (create_draft), lines at the
customer's price in whole packs (drafts.add_product), special requests for their teams,
the checks against the customer's history (verification). With no check open and no
special request waiting, it is submitted at once (services.submit_order: reservation,
numbering, promised date, confirmation); a line short of stock is reserved as far as stock
goes and backordered for the rest, as the API documents. Otherwise the draft waits in
sales' "Needs review (online)" queue and sales is told (`order.needs_review`)."""

from datetime import date

from sqlalchemy import func, select

from app.api.problems import Invalid
from app.catalog.models import Product
from app.customers.models import Customer
from app.customers.services import create_customer
from app.errors import Conflict, Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders import drafts, verification
from app.orders.amendments import approved_channels
from app.orders.change_requests import open_change_request
from app.orders.models import ChangeRequest, Order
from app.orders.requests import add_request, request_types
from app.orders.services import create_draft, submit_order
from app.orders.states import CLOSED_STATUSES
from app.timeutil import business_today, utcnow

CHANNEL = "online"
MAX_LINES = 100
MAX_QUANTITY = 100_000
MAX_REQUESTS = 10
TEXT_LIMITS = {"name": 200, "email": 254, "phone": 40, "code": 20, "address": 1000, "instructions": 1000,
               "customer_reference": 60, "text": 2000, "note": 4000, "requested_by": 200}
# Checks the online channel settles itself, as it documents: a short line is backordered.
SETTLED_BY_THE_CHANNEL = {"shortage"}
SETTLED_NOTE = "Online channel: short lines are backordered, as the API documents."


class Checker:
    """Collects every field problem of one request body; `done()` raises them together."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def obj(self, value, path: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def text(self, data: dict, name: str, path: str, required: bool = False) -> str:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return ""
        if any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in value):
            self.fail(path, "must not contain control characters")
            return ""
        limit = TEXT_LIMITS.get(name, 200)
        if len(value) > limit:
            self.fail(path, f"must be at most {limit} characters")
            return ""
        return value.strip()

    def quantity(self, value, path: str, lo: int = 1):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= MAX_QUANTITY:
            self.fail(path, f"must be a whole number from {lo} to {MAX_QUANTITY:,}")
            return None
        return value

    def product(self, line: dict, path: str) -> Product | None:
        sku = self.text(line, "sku", f"{path}.sku", required=True)
        if not sku:
            return None
        product = db.session.execute(select(Product).where(Product.sku == sku.upper())).scalar_one_or_none() \
            or db.session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
        if product is None:
            self.fail(f"{path}.sku", f"no product has the SKU {sku}")
        elif not product.active:
            self.fail(f"{path}.sku", f"{product.sku} is no longer sold")
            return None
        return product

    def lines(self, value, lo: int = 1, required: bool = True) -> list[tuple[str, Product, int]]:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.fail("lines", "must be a list of at least one {\"sku\", \"quantity\"}")
            return []
        if len(value) > MAX_LINES:
            self.fail("lines", f"at most {MAX_LINES} lines")
            return []
        found = []
        for i, line in enumerate(value):
            path = f"lines[{i}]"
            if not isinstance(line, dict):
                self.fail(path, "must be an object {\"sku\", \"quantity\"}")
                continue
            product = self.product(line, path)
            quantity = self.quantity(line.get("quantity"), f"{path}.quantity", lo)
            if product is not None and quantity is not None:
                found.append((path, product, quantity))
        return found

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)


def unknown_fields(check: Checker, data: dict, allowed: set[str], prefix: str = "") -> None:
    for name in data:
        if name not in allowed:
            check.fail(f"{prefix}{name}", "is not a field of this request")


# --- orders ----------------------------------------------------------------------------------

def _customer(check: Checker, data) -> tuple[Customer | None, dict]:
    data = check.obj(data, "customer")
    if "customer" not in check.errors and not data:
        check.fail("customer", "is required: {\"code\"} of a known customer, or {\"name\", \"email\", \"phone\"}")
    unknown_fields(check, data, {"code", "name", "email", "phone"}, "customer.")
    code = check.text(data, "code", "customer.code")
    if code and any(data.get(name) is not None for name in ("name", "email", "phone")):
        check.fail("customer", "give either the code of a known customer or name, email and phone, not both")
    if code:
        customer = db.session.execute(select(Customer).where(Customer.code == code.upper())).scalar_one_or_none()
        if customer is None or not customer.active:
            check.fail("customer.code", f"no customer has the code {code}")
        return customer, {}
    new = {"name": check.text(data, "name", "customer.name", required=bool(data)),
           "email": check.text(data, "email", "customer.email", required=bool(data)),
           "phone": check.text(data, "phone", "customer.phone")}
    if new["email"] and ("@" not in new["email"] or any(c.isspace() for c in new["email"])):
        check.fail("customer.email", "is not an email address")
    known = None
    if new["email"]:
        known = db.session.execute(select(Customer).where(func.lower(Customer.email) == new["email"].lower(),
                                                          Customer.active.is_(True))
                                   .order_by(Customer.id).limit(1)).scalar_one_or_none()
    return known, new


def _requested_date(check: Checker, value) -> date | None:
    if value is None:
        return None
    try:
        when = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        when = None
    if when is None:
        check.fail("requested_date", "must be a date as YYYY-MM-DD")
    elif when < business_today():
        check.fail("requested_date", "is in the past")
    return when


def _special_requests(check: Checker, value) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_REQUESTS:
        check.fail("special_requests", f"must be a list of at most {MAX_REQUESTS} {{\"kind\", \"text\"}}")
        return []
    kinds = request_types()
    found = []
    for i, item in enumerate(value):
        path = f"special_requests[{i}]"
        item = check.obj(item, path)
        kind = check.text(item, "kind", f"{path}.kind", required=True)
        text = check.text(item, "text", f"{path}.text", required=True)
        if kind and kind not in kinds:
            check.fail(f"{path}.kind", f"must be one of {', '.join(kinds)}")
        elif kind and text:
            found.append((kind, text))
    return found


ORDER_FIELDS = {"customer", "lines", "fulfilment", "requested_date", "customer_reference", "special_requests"}


def place_order(body: dict, token_id: int) -> Order:
    """The order of an API request body: confirmed at once, or a draft that needs review.
    Raises Invalid (422, with every field problem) before anything is written."""
    check = Checker()
    unknown_fields(check, body, ORDER_FIELDS)
    customer, new_customer = _customer(check, body.get("customer"))
    lines = check.lines(body.get("lines"))
    fulfilment = check.obj(body.get("fulfilment"), "fulfilment")
    unknown_fields(check, fulfilment, {"method", "address", "instructions"}, "fulfilment.")
    method = fulfilment.get("method", "delivery")
    if method not in ("delivery", "pickup"):
        check.fail("fulfilment.method", "must be delivery or pickup")
    address = check.text(fulfilment, "address", "fulfilment.address")
    instructions = check.text(fulfilment, "instructions", "fulfilment.instructions")
    if method == "delivery" and not address and (new_customer or customer) \
            and not (customer and customer.default_address):
        check.fail("fulfilment.address", "is required for a delivery (the customer has no address on file)")
    requested = _requested_date(check, body.get("requested_date"))
    reference = check.text(body, "customer_reference", "customer_reference")
    wanted = _special_requests(check, body.get("special_requests"))
    check.done()

    if customer is None:
        customer = create_customer(actor=None, name=new_customer["name"], email=new_customer["email"],
                                   phone=new_customer["phone"] or None, address=address)
    order = create_draft(customer, channel=CHANNEL, actor=None, method=method,
                         address=address or None, instructions=instructions, customer_reference=reference,
                         requested_date=requested, api_token_id=token_id)
    if order.address and order.address_id is None:
        order.address_id, order.address = drafts.delivery_address(order, None, order.address)
    for path, product, quantity in lines:
        try:
            drafts.add_product(order, product, quantity, None)
        except Refusal as exc:  # whole packs, a quantity past the limit once lines of one SKU add up
            check.fail(f"{path}.quantity", str(exc))
    for kind, text in wanted:
        add_request(order, kind, text, None)
    check.done()
    return _confirm_or_review(order)


def _confirm_or_review(order: Order) -> Order:
    verification.refresh_flags(order)
    waiting = [f for f in verification.open_flags(order) if f.kind not in SETTLED_BY_THE_CHANNEL]
    if waiting or any(r.undecided for r in order.special_requests):
        reasons = [f.message for f in waiting] + [f"special request waits for {r.owner_team}: {r.text}"
                                                  for r in order.special_requests if r.undecided]
        record_event("order.needs_review", f"Online order needs review: {'; '.join(reasons)}"[:300], order=order,
                     after={"checks": [f.key for f in waiting]})
        return order
    for flag in verification.open_flags(order):  # short lines: backordered, as documented
        flag.acknowledged_at, flag.note = utcnow(), SETTLED_NOTE
    return submit_order(order, None)  # reserves what stock allows, backorders the rest


def review_checks(order: Order) -> list[dict]:
    """What sales must look at before an online draft can be confirmed."""
    if order.status != "draft":
        return []
    found = [{"kind": f.kind, "message": f.message} for f in order.flags if f.acknowledged_at is None]
    found += [{"kind": "special_request", "message": f"{r.text} (waits for {r.owner_team})"}
              for r in order.special_requests if r.undecided]
    return found


# --- amendment requests ------------------------------------------------------------------------

AMENDMENT_FIELDS = {"lines", "cancel", "note", "requested_by"}


def ask_for_change(order: Order, body: dict) -> ChangeRequest:
    """An amendment request for sales to verify and apply (or decline); never applied here."""
    check = Checker()
    unknown_fields(check, body, AMENDMENT_FIELDS)
    lines = check.lines(body.get("lines"), lo=0, required=False)
    cancel = body.get("cancel", False)
    if not isinstance(cancel, bool):
        check.fail("cancel", "must be true or false")
    note = check.text(body, "note", "note")
    requested_by = check.text(body, "requested_by", "requested_by")
    if not check.errors and not lines and not cancel and not note:
        check.fail("lines", "say what should change: lines, cancel or a note")
    check.done()
    if CHANNEL not in approved_channels():
        raise Refusal("Amendments through the online channel are not accepted (see Settings): "
                      "ask the customer to call or email.")
    if order.status in CLOSED_STATUSES:
        raise Conflict(f"{order.number} is {order.status_label.lower()}; it cannot be changed any more.")
    payload = {"lines": [{"sku": p.sku, "quantity": q} for _path, p, q in lines], "cancel": cancel}
    return open_change_request(order, channel=CHANNEL, source="api", requested_by=requested_by, text=note,
                               payload=payload)
