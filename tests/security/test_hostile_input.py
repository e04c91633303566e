"""Issue "Nothing answers 500": every route of the app, fed hostile input, answers below 500.

For every rule in `app.url_map` (but `static`) and each of its methods GET and POST, as a user
who holds every role and as an anonymous visitor:

- each URL variable in turn takes every value of URL_VALUES (the other variables stay valid);
- each query/form parameter the endpoint reads (PARAMS, below) takes every value of PAYLOADS
  while the endpoint's other parameters keep a valid value, so the hostile one gets deep;
- every known parameter name at once takes each of the payloads of SHOTGUN_SHORT (the
  "shotgun" request), which also reaches a parameter an endpoint reads without being listed
  for it in PARAMS.

An anonymous visitor gets the per-parameter requests only on routes that do not send it to
log in (the others stop at the door). POSTs carry a valid CSRF token (and, as parameters of
their own, hostile ones). Every answer >= 500, and every exception escaping the app (tests
propagate exceptions instead of answering 500), is collected; each test fails with the list:
method, URL, parameter, payload, status. Totals are written to
test-artifacts/hostile-summary.txt at the end of the session.
"""

import itertools
import re
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app import create_app
from app.api.tokens import create_token
from app.attachments.services import attach_file
from app.auth.models import ROLES, User
from app.catalog.models import CustomerPrice, PriceList, PriceListItem
from app.config import TestConfig
from app.customers.models import Contact
from app.dataio.uploads import store_upload
from app.escalations import services as escalations
from app.extensions import db
from app.notifications.models import Notification
from app.orders import picking, status_links, verification
from app.orders import requests as special_requests
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order
from tests.conftest import PASSWORD, csrf_from, log_in, order_paperwork

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BOSS = "boss"
VICTIM = "victim"  # the account the login form is posted for (keeps failed attempts off the boss)

# --- what is sent ---------------------------------------------------------------------------

MISSING = object()  # the parameter is left out of the request

URL_VALUES = {
    "huge int": "99999999999999999999",
    "negative": "-1",
    "zero": "0",
    "NUL": "a\x00b",  # %00 in the path
    "5,000 chars": "x" * 5000,
    "control chars": "\x01\x1b",
    "unicode": "Ωμέγα",
    "draft huge id": "DRAFT-99999999999999999999",
}

PAYLOADS = {
    "missing": MISSING,
    "empty": "",
    "huge int": "99999999999999999999",
    "negative": "-1",
    "NUL": "a\x00b",
    # digits: a million characters that also reach every int() of a numeric field
    "1,000,000 chars": "9" * 1_000_000,
    "5,000 letters": "x" * 5000,  # longer than any text column
    "control chars": "\x01\x1b",
    "non-numeric": "abc",
    "unicode": "Ωμέγα",
}
# The shotgun request sends every name at once: a million characters each would be
# 70 MB a request, so there the long payloads are cut to 5,000 characters (still more
# digits than int() converts); and it sends the payloads most likely to break an unlisted
# parameter only.
SHOTGUN_LONG = 5000
SHOTGUN_SHORT = ("empty", "huge int", "negative", "NUL", "1,000,000 chars", "non-numeric")

class _Version:
    """Stands for the current version of the order the URL names, read before each request."""


VERSION = _Version()

# --- which parameters each endpoint reads -----------------------------------------------------
#
# Built once (by hand) from the app's code, with
#   grep -rnoE 'request\.(args|form|values)\.(get|getlist)\([^)]*\)' app/
# plus the WTForms fields of app/**/forms.py and app/order_page/communication_form.py (with their
# prefixes: CustomerForm(prefix="new") on the new-order page, SpecialRequestForm(prefix="sr")),
# and the names made per line: quantities-<n>-line_id/quantity, additions-<n>-sku/quantity, shortage-<line>.
# Values are valid ones, formatted with the `target` record ids; each parameter in turn is
# replaced by every payload. "?name" is sent in the query string even on a POST (the login
# form's `next`). A list holds several baselines (the two branches of one form).

LIST_ARGS = {"view": "all", "q": "SKU", "page": "1"}
QUEUE_ARGS = [LIST_ARGS, {**LIST_ARGS, "format": "csv"}]  # a dashboard queue, and its CSV
SEARCH_ARGS = {"q": "SO", "sku": "SKU", "dates": "promised", "start": "2026-01-01", "end": "2030-12-31",
               "status": "confirmed", "channel": "phone", "team": "fulfillment", "late": "y", "sort": "promised",
               "page": "1"}
CUSTOMER_FORM = {"name": "Hostile Ltd", "contact_name": "Pat", "email": "pat@example.com",
                 "phone": "0113 496 0000", "address": "1 Road\nLeeds LS1 1AA", "notes": "Note"}
CUSTOMER_RECORD = {**CUSTOMER_FORM, "code": "H-1", "payment_terms": "30 days", "vat_number": "GB980780684",
                   "tax_treatment": "standard", "preferred_channel": "email", "price_list_id": "", "active": "y",
                   "credit_limit": "5000", "credit_hold": "y", "credit_hold_reason": "Overdue"}
BACK = {"version": VERSION, "next": "/orders/{order}"}
PRODUCT_FORM = {"sku": "HOSTILE-1", "name": "Hostile bolt", "description": "x", "unit": "box", "pack_size": "6",
                "bin_location": "Z-01", "unit_price": "12.50", "tax_rate": "20", "lead_time_days": "5",
                "reorder_point": "1", "gtin": "4006381333931"}

PRICE_ENTRY = {"add-sku": "{sku}", "add-min_quantity": "5", "add-unit_price": "7.50",
               "add-valid_from": "2030-01-01", "add-valid_to": "2030-12-31"}
PARAMS: dict[str, dict | list[dict]] = {
    "GET admin.index": {"q": "boss", "page": "1"},
    "POST admin.index": {"username": "newbie", "full_name": "New Bie", "email": "new@example.com",
                         "password": "long-password", "roles": "sales"},
    "POST admin.set_active": {"active": "1"},
    "POST admin.set_roles": {"roles": "sales"},
    "POST admin.reset_password": {"password": "Amber-Tulip-Kettle-42"},
    # a wrong current password: the walk never changes the boss's own password
    "POST auth.change_password": {"current": "not-the-password", "password": "Amber-Tulip-Kettle-42",
                                  "repeat": "Amber-Tulip-Kettle-42"},
    "POST settings.save": {
        "intake_channels": "phone", "amendment_channels": "email", "order_cutoff": "14:00",
        "business_opens": "08:00", "business_closes": "17:00", "delivery_lead_days": "2",
        "pickup_ready_hours": "2", "business_country": "GB", "business_subdivision": "ENG",
        "extra_closed_days": "24/12/2026", "business_name": "Hostile Ltd", "business_address": "1 Road",
        "business_phone": "0113 496 0000", "business_email": "desk@example.com", "company_number": "01234567",
        "vat_number": "GB980780684", "currency": "GBP", "special_request_types-0-kind": "gift_wrap",
        "special_request_types-0-label": "Gift wrap", "special_request_types-0-team": "fulfillment"},
    "GET auth.login": {"next": "/sales/"},
    "POST auth.login": {"username": VICTIM, "password": PASSWORD, "remember": "y", "?next": "/sales/"},
    "GET sales.index": QUEUE_ARGS,
    "GET inventory.index": QUEUE_ARGS,
    "GET fulfillment.index": QUEUE_ARGS,
    "GET manager.index": QUEUE_ARGS,
    "POST manager.check_stock_now": {},
    "GET search.index": SEARCH_ARGS,
    "GET search.export": SEARCH_ARGS,
    "POST search.save_filter": {"name": "Mine", "query": "sku=SKU&status=confirmed&start=2026-01-01"},
    "POST search.delete_filter": {},
    "GET review.page": {"from": "2026-01-01", "to": "2026-01-31"},
    "GET review.csv_export": {"from": "2026-01-01", "to": "2026-01-31"},
    "GET review.pdf": {"from": "2026-01-01", "to": "2026-01-31"},
    "GET audit.index": {"user": "manager", "order": "{order}", "customer": "{customer}", "kind": "order.",
                        "from": "2026-01-01", "to": "2030-12-31", "before": "100000", "after": "1"},
    "GET audit.export": {"user": "manager", "order": "{order}", "customer": "{customer}", "kind": "order.",
                         "from": "2026-01-01", "to": "2030-12-31"},
    "POST fulfillment.start_wave": {"order": "{order_id}"},
    "POST fulfillment.mark_orders_delivered": [{"order": "{order_id}", "next": "/manager/?view=deliveries"},
                                               {"only": "{order_id}"}],
    "POST fulfillment.start_next_wave": {"size": "3"},
    "POST fulfillment.scan": [{"sku": "{pick_sku}", "quantity": "1"},
                              {"sku": "2", "quantity": "1", "last_sku": "{pick_sku}", "last_count": "1"}],
    "POST fulfillment.set_picked": {"picked": "1"},
    "POST fulfillment.ship_step": {"carrier": "DPD", "tracking_number": "TRK-1", "collected_by": "Sam"},
    "GET inventory.products": {"q": "SKU", "page": "1"},
    "GET inventory.product": {"page": "1"},
    "POST inventory.receive": {"quantity": "5", "reference": "PO-1"},
    "POST inventory.adjust": {"change": "1", "reason": "Stock count"},
    "GET inventory.new_product": {},
    "POST inventory.create_product": PRODUCT_FORM,
    "GET inventory.edit_product": {},
    "POST inventory.update_product": PRODUCT_FORM,
    "POST inventory.add_break": {"new-min_quantity": "12", "new-unit_price": "9.50", "new-valid_from": "2027-01-01",
                                 "new-valid_to": "31/03/2027"},
    "POST inventory.change_break": {"b1-min_quantity": "12", "b1-unit_price": "9.50", "b1-valid_from": "",
                                    "b1-valid_to": "2027-03-31"},
    "POST inventory.remove_break": {},
    "POST inventory.set_active": {"active": "yes"},
    "POST inventory.delete_product": {"confirm": "y"},
    "GET live.poll": {"since": "0", "topics": "orders"},
    "GET mail.index": {"view": "all", "q": "Order", "page": "1"},
    "POST mail.retry": {"next": "/mail/"},
    "GET notifications.index": {"show": "unread", "page": "1"},
    "POST notifications.read": {"next": "/notifications/"},
    "POST notifications.read_all": {"next": "/notifications/"},
    "POST notifications.acknowledge": {"next": "/notifications/"},
    "GET orders.jump": {"ref": "{order}"},
    "GET orders.amend": {"preview": "y", "version": VERSION, "quantities-0-line_id": "{order_line}",
                         "quantities-0-quantity": "3", "additions-0-sku": "{sku}", "additions-0-quantity": "1"},
    "POST orders.amend": [
        {"version": VERSION, "seen_event": "0", "channel": "phone", "requested_by": "Pat",
         "verified_how": "Called back on the number on file", "method": "delivery",
         "address": "2 Road\nLeeds LS1 1AA", "requested_date": "2030-01-15", "instructions": "Ring",
         "quantities-0-line_id": "{order_line}", "quantities-0-quantity": "3",
         "additions-0-sku": "{sku}", "additions-0-quantity": "1"},
        {"version": VERSION, "channel": "phone", "requested_by": "Pat", "verified_how": "Called back",
         "cancel": "y", "cancel_reason": "No longer needed"},
        {"version": VERSION, "preview": "y", "quantities-0-line_id": "{order_line}", "quantities-0-quantity": "3",
         "additions-0-sku": "{sku}", "additions-0-quantity": "1"},
    ],
    "POST orders.ask_release": {"change": "One more box"},
    "POST orders.log_contact": {"direction": "out", "medium": "phone", "contact": "Pat",
                                "summary": "Called", "confirms": "y"},
    "POST orders.add_note": {"body": "Can @inventory hold two more?"},
    "GET orders.confirmation_pdf": {"revision": "1"},
    "POST orders.hold": {**BACK, "reason": "Check credit"},
    "POST orders.release_hold": BACK,
    "POST orders.add_request": {**BACK, "sr-kind": "gift_wrap", "sr-text": "Wrap it",
                                "sr-due_date": "2030-01-15"},
    "POST orders.decide_request": {**BACK, "decision": "approve", "note": "Fine"},
    "POST orders.complete_request": BACK,
    "POST orders.withdraw_request": BACK,
    "POST orders.not_promised": BACK,
    "POST orders.accept_split": {"accepts_split": "y"},
    "POST orders.transition": {**BACK, "reason": "Asked", "carrier": "DPD", "tracking_number": "TRK-1",
                               "collected_by": "Sam"},
    "GET sales.customers": {"q": "Cust", "page": "1"},
    "GET sales.customer": {"page": "1"},
    "POST sales.edit_customer": CUSTOMER_RECORD,
    "POST sales.new_customer": CUSTOMER_RECORD,
    "GET sales.customer_search": {"q": "Cust"},
    "GET sales.new_address": {},
    "POST sales.new_address": {"label": "Warehouse", "text": "5 Dock Rd\nHull", "is_default": "y"},
    "GET sales.edit_address": {},
    "POST sales.edit_address": {"label": "Warehouse", "text": "5 Dock Rd\nHull", "is_default": "y"},
    "POST sales.default_address": {},
    "POST sales.retire_address": {},
    "GET sales.new_contact": {},
    "POST sales.new_contact": {"name": "Bo", "role": "Accounts", "email": "bo@example.com", "phone": "01904 000000"},
    "GET sales.edit_contact": {},
    "POST sales.edit_contact": {"name": "Bo", "role": "Accounts", "email": "bo@example.com", "phone": "01904 000000"},
    "POST sales.delete_contact": {},
    "POST sales.clear_credit_check": {"version": VERSION, "key": "credit:hold", "reason": "Paid", "next": "review"},
    "GET sales.email_intake": {"page": "1"},
    "POST sales.email_intake": {"message": "Subject: PO\n\nSKU 1"},
    "POST sales.draft_for_email": {"customer_code": "{customer}"},
    "POST sales.start_order": [
        {"customer_id": "{customer_id}", "channel": "phone"},
        {"new_customer": "1", "channel": "phone", **{f"new-{k}": v for k, v in CUSTOMER_FORM.items()}},
    ],
    "POST sales.update_header": {"version": VERSION, "channel": "phone", "method": "delivery",
                                 "address": "1 Road\nLeeds", "instructions": "Ring",
                                 "requested_date": "2030-01-15", "customer_reference": "PO-9"},
    "GET sales.product_lookup": {"sku": "SKU"},
    "POST sales.add_line": {"version": VERSION, "sku": "{sku}", "quantity": "1"},
    "POST sales.change_quantity": {"version": VERSION, "quantity": "2"},
    "POST sales.override_price": {"version": VERSION, "price": "9.50", "reason": "Agreed"},
    "POST sales.remove_line": {"version": VERSION},
    "POST sales.acknowledge_flag": {"version": VERSION, "key": "shortage:{draft_sku}:5", "next": "review"},
    "POST sales.acknowledge_all_flags": {"version": VERSION, "key": "shortage:{draft_sku}:5", "next": "review"},
    "POST sales.submit_order": {"version": VERSION, "shortage-{line}": "backorder"},
    "GET escalations.index": {"show": "open", "q": "SO", "page": "1"},
    "POST escalations.escalate": {"reason": "Customer chasing"},
    "POST escalations.assign": {"user": "{user}"},
    "POST escalations.comment": {"text": "Looking into it"},
    "POST escalations.hold": {"reason": "Check credit"},
    "POST escalations.resolve": {"note": "Sorted with the customer"},
    "POST orders.add_attachment": {"attachment-file": "%PDF-1.4 not a file part", "attachment-note": "The PO"},
    # prices (issue 12)
    "GET prices.customer": {"sku": "{sku}", "quantity": "3", "on": "2030-01-15"},
    "POST prices.create_list": {"code": "NEWLIST", "name": "New list"},
    "POST prices.rename_list": {"name": "Renamed"},
    "POST prices.set_list_active": {"active": "0"},
    "POST prices.add_list_item": PRICE_ENTRY,
    "POST prices.change_list_item": {"i{price_item}-unit_price": "7.25", "i{price_item}-valid_from": "2030-01-01",
                                     "i{price_item}-valid_to": "2030-12-31"},
    "POST prices.add_customer_price": PRICE_ENTRY,
    "POST prices.change_customer_price": {"p{customer_price}-unit_price": "7.25",
                                          "p{customer_price}-valid_from": "2030-01-01",
                                          "p{customer_price}-valid_to": "2030-12-31"},
    "POST imports.index": {"kind": "products", "file": "sku,on_hand\nSKU-1,5 (not a file part)"},
    # the customer's status page and sales' answers (issue 13)
    "POST status.ask_change": {"topic": "quantities", "text": "Two more boxes", "name": "Pat"},
    "POST orders.decline_change": {"reason": "Not possible"},
    # API tokens (issue 13)
    "POST api_tokens.create": {"name": "Web shop", "scopes": "orders:read"},
    "POST api_tokens.revoke": {},
    # the JSON API (issue 13) reads no query or form values (401 without a token); its JSON
    # bodies are fuzzed against its OpenAPI description by tests/api/test_fuzz.py
    "GET api.openapi": {}, "GET api.product": {}, "POST api.create_order": {}, "GET api.order": {},
    "POST api.amend": {},
}


def _names(spec) -> set[str]:
    specs = spec if isinstance(spec, list) else [spec]
    return {name.lstrip("?") for one in specs for name in one}


ALL_PARAMS = sorted(set().union(*(_names(spec) for spec in PARAMS.values())))

# --- the routes ---------------------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def _rules() -> dict[str, list[tuple[str, str]]]:
    """endpoint -> [(rule, method)] of the app as it is now (GET and POST only, no `static`)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    found: dict[str, list[tuple[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.setdefault(rule.endpoint, []).append((rule.rule, method))
    return dict(sorted(found.items()))


RULES = _rules()

PICKING = {"fulfillment.pick", "fulfillment.scan", "fulfillment.set_picked", "fulfillment.finish"}
PACKED = {"fulfillment.ship", "fulfillment.ship_step", "orders.packing_slip_pdf"}


def valid_value(endpoint: str, name: str, t: dict) -> str:
    """A real value for URL variable `name` of `endpoint` (from the target records)."""
    if name == "ref":
        if endpoint in PICKING:
            return t["picking"]
        if endpoint in PACKED:
            return t["packed"]
        if endpoint.startswith("sales.") or endpoint == "orders.accept_split":
            return t["draft"]
        return t["order"]
    if name == "line_id":
        return str(t["pick_line"] if endpoint.startswith("fulfillment.") else t["line"])
    if endpoint.startswith("status.") and name in ("token", "document_id"):
        return str(t["status_token"] if name == "token" else t["status_document"])
    if name == "code" and endpoint.startswith("prices.") and "list" in endpoint:
        return t["price_list"]
    known = {"user_id": t["user"], "wave_id": t["wave"], "message_id": t["message"], "email_id": t["email"],
             "request_id": t["request"], "flag_id": t["flag"], "notification_id": t["notification"],
             "sku": t["sku"], "code": t["customer"], "name": "start_pick", "step": "dispatch",
             "escalation_id": t["escalation"], "attachment_id": t["attachment"], "filename": "po.pdf",
             "team": "sales", "item_id": t["price_item"], "row_id": t["customer_price"],
             "address_id": t["address"], "contact_id": t["contact"], "token": t["upload"], "kind": "products",
             "token_id": t["api_token"]}
    return str(known.get(name, "1"))


def build_url(rule: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: quote(values[m.group(1)], safe=""), rule)


# --- totals for the closing note ---------------------------------------------------------------

TOTALS = {"endpoints": set(), "routes": set(), "params": set(), "requests": 0, "failures": []}


@pytest.fixture(scope="module", autouse=True)
def _summary():
    started = time.perf_counter()
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [
        f"routes (rule x method): {len(TOTALS['routes'])} on {len(TOTALS['endpoints'])} endpoints",
        f"parameter names tried: {len(TOTALS['params'])} ({', '.join(sorted(TOTALS['params']))})",
        f"hostile URL values: {len(URL_VALUES)} ({', '.join(URL_VALUES)}) + a valid one",
        f"parameter payloads: {len(PAYLOADS)} ({', '.join(PAYLOADS)})",
        f"requests sent: {TOTALS['requests']} in {time.perf_counter() - started:.1f} s",
        f"answers >= 500 (or exceptions): {len(TOTALS['failures'])}",
        *("  " + f for f in TOTALS["failures"]),
    ]
    (ARTIFACTS / "hostile-summary.txt").write_text("\n".join(lines) + "\n")


# --- the records the URLs name --------------------------------------------------------------------

@pytest.fixture
def target(app, monkeypatch, make_order, make_product, make_user, users):
    """One record of every kind the routes name, built like tests/test_access.py's (no PDF
    is rendered: confirmations are suppressed and a stand-in document is stored)."""
    monkeypatch.setitem(app.config, "STATUS_RATE_LIMIT", 10**6)  # the walk goes deep on the status page
    make_user(BOSS, roles=list(ROLES))  # before the orders, so the boss is notified too
    make_user(VICTIM, roles=["sales"])
    with confirmations_suppressed():
        order = make_order(submit=True)
        draft = make_order(lines=[(make_product(on_hand=1), 5)])  # short: a flag to acknowledge
        verification.refresh_flags(draft)
        wave = picking.start_wave([make_order(submit=True), make_order(submit=True)], users["fulfillment"])
        packed = make_order(submit=True)
        picking.start_picking(packed, users["fulfillment"])
        picking.scan(packed, packed.lines[0].sku, packed.lines[0].quantity, users["fulfillment"])
        picking.finish_pick(packed, users["fulfillment"])
        request = special_requests.add_request(order, "gift_wrap", "Wrap it", users["sales"])
        escalation = escalations.escalate(order, "Customer chasing", users["sales"])
        attachment = attach_file(order, "po.pdf", b"%PDF-1.4\n% a PO\n", users["sales"])
    upload = store_upload("stock", "stock.csv", f"sku,on_hand\r\n{order.lines[0].sku},50\r\n".encode())
    api_token, _ = create_token("Hostile shop")
    other = make_user("someone", roles=["sales"])
    email, message = order_paperwork(order)
    price_list = PriceList(code="TRADE", name="Trade")
    price_list.items.append(PriceListItem(product_id=order.lines[0].product_id, min_quantity=1, unit_price=Decimal("8")))
    agreed = CustomerPrice(customer_id=draft.customer_id, product_id=order.lines[0].product_id, unit_price=Decimal("7"))
    db.session.add_all([price_list, agreed])
    contact = Contact(customer=draft.customer, name="Bo Diaz", role="Accounts")
    db.session.add(contact)
    status_token = status_links.token_for_link(status_links.link_for(order), app.config["SECRET_KEY"])
    db.session.commit()
    boss_note = db.session.execute(select(Notification.id).join(User, User.id == Notification.user_id)
                                   .where(User.username == BOSS).order_by(Notification.id).limit(1)).scalar()
    picked = wave.orders[0]
    ids = {o.ref: o.id for o in (order, draft, packed, *wave.orders)}
    return {"order": order.number, "order_id": order.id, "order_line": order.lines[0].id,
            "user": other.id, "draft": draft.ref, "line": draft.lines[0].id,
            "draft_sku": draft.lines[0].sku, "customer": draft.customer.code, "customer_id": draft.customer.id, "email": email.id,
            "message": message.id, "sku": order.lines[0].sku, "wave": wave.id, "picking": picked.number,
            "pick_line": picked.lines[0].id, "pick_sku": picked.lines[0].sku, "packed": packed.number,
            "request": request.id, "flag": draft.flags[0].id if draft.flags else 1,
            "notification": boss_note or 1, "ids": ids, "escalation": escalation.id,
            "attachment": attachment.id, "price_list": price_list.code, "price_item": price_list.items[0].id,
            "customer_price": agreed.id, "address": draft.customer.addresses[0].id, "contact": contact.id,
            "upload": upload.token, "status_token": status_token, "status_document": message.document_id,
            "api_token": api_token.id}


# --- visitors ------------------------------------------------------------------------------------

class Visitor:
    """A test client as the boss (every role) or anonymous, with a CSRF token of its session.
    `fresh()` starts over with a new client (after a request that may end or change the session)."""

    addresses = itertools.count(1)

    def __init__(self, app, username: str | None):
        self.app, self.username = app, username
        self.fresh()

    def fresh(self):
        self.client = self.app.test_client()
        n = next(self.addresses)  # a new address per client: a login throttle by address stays out of the way
        self.client.environ_base["REMOTE_ADDR"] = f"10.{n // 65025 % 250}.{n // 255 % 255}.{n % 255 + 1}"
        if self.username:
            response = log_in(self.client, self.username)
            assert response.status_code == 302, f"{self.username} could not log in: {response.status_code}"
            self.token = csrf_from(self.client.get(response.headers["Location"]).get_data(as_text=True))
        else:
            self.token = csrf_from(self.client.get("/login").get_data(as_text=True))

    @property
    def name(self) -> str:
        return self.username or "anonymous"


SESSION_CHANGERS = {"auth.login", "auth.logout"}  # every request gets a fresh client


class Walk:
    """Sends requests and keeps every answer >= 500."""

    def __init__(self, endpoint: str, target: dict):
        self.endpoint, self.target, self.failures = endpoint, target, []

    def version(self) -> str:
        ref = valid_value(self.endpoint, "ref", self.target)
        order_id = self.target["ids"].get(ref)
        found = db.session.execute(select(Order.version).where(Order.id == order_id)).scalar() if order_id else None
        return str(found or 1)

    def resolve(self, params: dict) -> dict:
        resolved = {}
        for name, value in params.items():
            name = name.format(**self.target)
            if value is VERSION:
                value = self.version()
            elif isinstance(value, str):
                value = value.format(**self.target)
            resolved[name] = value
        return resolved

    def send(self, visitor, method, rule, url_values, params, what, payload_label, *, csrf=True):
        if self.endpoint in SESSION_CHANGERS:
            visitor.fresh()
        url = build_url(rule, url_values)
        query = {k.lstrip("?"): v for k, v in params.items() if v is not MISSING and (method == "GET" or k[0] == "?")}
        form = {k: v for k, v in params.items() if v is not MISSING and method == "POST" and k[0] != "?"}
        if method == "POST" and csrf:
            form.setdefault("csrf_token", visitor.token)
        TOTALS["requests"] += 1
        try:
            response = visitor.client.open(url, method=method, query_string=query or None, data=form or None)
            status = response.status_code
        except Exception as exc:  # noqa: BLE001 - an exception escaping the app is a 500 in production
            db.session.rollback()
            first_line = (str(exc).strip().splitlines() or [""])[0]
            status = f"exception {type(exc).__name__}: {first_line[:200]}"
        if not isinstance(status, int) or status >= 500:
            shown = url if len(url) <= 120 else url[:100] + f"…({len(url)} chars)"
            self.failures.append(f"{method} {shown} [{visitor.name}] {what} = {payload_label} -> {status}")
            return None
        return response


def _hostile(payload, long_limit=None):
    if long_limit and isinstance(payload, str) and len(payload) > long_limit:
        return payload[:long_limit]
    return payload


def _baselines(endpoint: str, method: str) -> list[dict]:
    spec = PARAMS.get(f"{method} {endpoint}", {})
    return spec if isinstance(spec, list) else [spec]


@pytest.mark.parametrize("endpoint", list(RULES))
def test_no_5xx(app, target, endpoint):
    routes = [(r.rule, m) for r in app.url_map.iter_rules() if r.endpoint == endpoint
              for m in sorted(r.methods & {"GET", "POST"})]
    if not routes:
        pytest.skip(f"{endpoint} is no longer in the url map")
    walk = Walk(endpoint, target)
    with confirmations_suppressed():
        for visitor in (Visitor(app, BOSS), Visitor(app, None)):
            for rule, method in routes:
                TOTALS["endpoints"].add(endpoint)
                TOTALS["routes"].add(f"{method} {rule}")
                _walk_route(walk, visitor, rule, method)
    TOTALS["failures"].extend(walk.failures)
    if walk.failures:
        pytest.fail(f"{len(walk.failures)} answers >= 500:\n" + "\n".join(walk.failures), pytrace=False)


def _walk_route(walk, visitor, rule, method):
    endpoint, target = walk.endpoint, walk.target
    names = VARIABLE.findall(rule)
    valid = {name: valid_value(endpoint, name, target) for name in names}

    # 1. every URL variable in turn: every hostile value (the others valid)
    for name in names:
        for label, value in URL_VALUES.items():
            walk.send(visitor, method, rule, {**valid, name: value}, {}, f"<{name}>", label)

    # 2. the real URL, once plain: does it send this visitor to log in?
    response = walk.send(visitor, method, rule, valid, {}, "(valid URL)", "no parameters")
    at_the_door = (response is not None and response.status_code in (302, 401, 403)
                   and "/login" in response.headers.get("Location", "/login"))
    if visitor.username or not at_the_door:
        # 3. each parameter the endpoint reads: every payload (the other parameters valid)
        for baseline in _baselines(endpoint, method):
            for name in baseline:
                TOTALS["params"].add(name.lstrip("?").format(**target))
                for label, payload in PAYLOADS.items():
                    params = walk.resolve(baseline)
                    params[name.format(**target)] = payload
                    walk.send(visitor, method, rule, valid, params, name.format(**target), label)
    if method == "POST" and not visitor.username:
        # 4. the CSRF token itself, checked before anything else (the visitor's login too)
        TOTALS["params"].add("csrf_token")
        for label, payload in PAYLOADS.items():
            params = walk.resolve(_baselines(endpoint, method)[0])
            params["csrf_token"] = payload
            walk.send(visitor, method, rule, valid, params, "csrf_token", label, csrf=False)

    # 5. the shotgun: every known name at once (long payloads shortened)
    for label in SHOTGUN_SHORT:
        payload = PAYLOADS[label]
        params = {name: _hostile(payload, SHOTGUN_LONG) for name in ALL_PARAMS}
        shown = f"{label} (cut to {SHOTGUN_LONG:,})" if len(payload) > SHOTGUN_LONG else label
        walk.send(visitor, method, rule, valid, params, "(every parameter)", shown)
