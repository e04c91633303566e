"""No GET writes anything (CONTRACTS.md: "No GET or HEAD request changes business data").

With a realistic data set (orders in every status, a draft whose checks have not been
recorded yet, a wave, a packed order, special requests, notifications, mail), every table
is read before and after each GET of every GET route in the url map, as each role in turn,
and the test fails naming the request, the table and the rows that changed. Only pure login
bookkeeping is left out: `login_sessions` and any table named like `login_attempt`.
Everybody logs in before the first read (a login is a POST and may write).
"""

from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.documents.store import store_document
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.outbox import queue_email
from app.notifications.models import Notification
from app.orders import picking, status_links, verification
from app.orders import requests as special_requests
from app.orders.confirmation import confirmation_filename, confirmations_suppressed
from app.orders.models import InboundEmail
from tests.conftest import log_in

ROLES_IN_TURN = ("sales", "inventory", "fulfillment", "manager", "admin")
STATUSES = ("confirmed", "picking", "packed", "dispatched", "delivered", "ready_for_pickup",
            "collected", "cancelled")
LAST = ("auth.logout",)  # ends the session: asked last, once per role


def is_login_bookkeeping(table_name: str) -> bool:
    # rate_windows: a request counted against its limit (app/ratelimit.py, written aside: CONTRACTS allows it)
    return table_name in ("login_sessions", "rate_windows") or "login_attempt" in table_name


# --- the data set -------------------------------------------------------------------------------

@pytest.fixture
def shop(order_in, make_order, make_product, make_customer, users):
    """Orders in every status, a draft with checks to find, a wave, requests, notifications, mail."""
    with confirmations_suppressed():  # no PDF rendering here; a stand-in confirmation is stored below
        by_status = {status: order_in(status) for status in STATUSES}
        regular = make_customer(name="Regular Customer")
        usual, scarce = make_product(price="12.00"), make_product(on_hand=2, price="30.00")
        history = order_in("delivered", customer=regular, product=usual)
        # scarce: never bought by this customer before, and 10 wanted with 2 in stock; one
        # such draft for the edit page and one for the review page, each finding them first
        draft, to_review = (make_order(lines=[(usual, 3), (scarce, 10)], customer=regular) for _ in range(2))
        wave = picking.start_wave([order_in("confirmed"), order_in("confirmed")], users["fulfillment"])
        confirmed = by_status["confirmed"]
        gift = special_requests.add_request(confirmed, "gift_wrap", "Wrap in red paper", users["sales"])
        special_requests.add_request(confirmed, "substitute", "A blue one if red is out", users["sales"])
        special_requests.decide_request(confirmed, gift.id, True, "Fine", users["fulfillment"])
    db.session.commit()

    for one in (draft, to_review):
        kinds = {f.kind for f in verification.findings(one)}
        assert {"new_product", "shortage"} <= kinds, f"the draft must have checks to find, has {kinds}"
        assert not one.flags, "the draft's checks must not be recorded yet (the GETs would record them)"

    email = InboundEmail(order_id=confirmed.id, from_address="buyer@example.com", subject="PO 77",
                         raw=b"Subject: PO 77\n\nPlease send 3.")
    db.session.add(email)
    document = store_document(confirmed, "confirmation", b"%PDF-1.4\n% stand-in\n",
                              confirmation_filename(confirmed.number, 1), revision=1)
    message = queue_email(confirmed.customer.email, f"Order {confirmed.number}", "Thank you.",
                          order=confirmed, document=document)
    queue_email("someone@example.com", "Statement", "Your statement.")
    status_token = status_links.token_for_link(status_links.link_for(confirmed), current_app.config["SECRET_KEY"])
    db.session.commit()
    told = {n.team for n in db.session.execute(select(Notification)).scalars()}
    assert {"sales", "inventory", "fulfillment"} <= told, f"notifications only for {told}"
    assert db.session.execute(select(func.count(OutboxMessage.id))).scalar() >= 3
    return {"orders": by_status, "history": history, "draft": draft, "to_review": to_review, "wave": wave, "email": email,
            "message": message, "status_token": status_token, "document": document, "customer": regular, "product": scarce, "unit_price": Decimal("30.00")}


def urls_for(endpoint: str, rule: str, shop: dict) -> list[str]:
    """Every address of a GET route worth reading, with real values (several for some)."""
    orders, draft, to_review = shop["orders"], shop["draft"], shop["to_review"]
    numbered = [o.number for o in orders.values()]
    by_endpoint = {
        "orders.detail": [f"/orders/{n}" for n in numbered] + [f"/orders/{draft.ref}", f"/orders/{to_review.ref}"],
        "orders.jump": [f"/orders/?ref={orders['confirmed'].number}"],
        "orders.amend": [f"/orders/{orders['confirmed'].number}/amend"],
        "orders.confirmation_pdf": [f"/orders/{orders['confirmed'].number}/confirmation.pdf",
                                    f"/orders/{orders['confirmed'].number}/confirmation.pdf?revision=1"],
        "orders.pick_list_pdf": [f"/orders/{orders[s].number}/pick-list.pdf" for s in ("confirmed", "picking")],
        "orders.packing_slip_pdf": [f"/orders/{orders[s].number}/packing-slip.pdf" for s in ("packed", "dispatched")],
        "orders.inbound_email": [f"/orders/{orders['confirmed'].number}/emails/{shop['email'].id}.eml"],
        "sales.edit_order": [f"/sales/orders/{draft.ref}/edit"],
        "sales.review_order": [f"/sales/orders/{to_review.ref}/review"],
        "sales.product_lookup": [f"/sales/orders/{draft.ref}/products?sku=SKU"],
        "sales.customer_search": ["/sales/customers/search?q=Regular"],
        "sales.customer": [f"/sales/customers/{shop['customer'].code}"],
        "sales.edit_customer": [f"/sales/customers/{shop['customer'].code}/edit"],
        "inventory.products": ["/inventory/products?q=SKU"],
        "inventory.product": [f"/inventory/products/{shop['product'].sku}"],
        "fulfillment.pick": [f"/fulfillment/orders/{orders['picking'].number}/pick"],
        "fulfillment.ship": [f"/fulfillment/orders/{orders['packed'].number}/ship"],
        "fulfillment.wave": [f"/fulfillment/waves/{shop['wave'].id}"],
        "fulfillment.wave_pick_list": [f"/fulfillment/waves/{shop['wave'].id}/pick-list.pdf"],
        "mail.message": [f"/mail/{shop['message'].id}"],
        "mail.eml": [f"/mail/{shop['message'].id}.eml"],
        "live.poll": ["/live/feed?since=0", "/live/feed?since=1&topics=orders"],
        "notifications.index": ["/notifications/", "/notifications/?show=unread"],
        "status.page": [f"/status/{shop['status_token']}"],
        "status.document": [f"/status/{shop['status_token']}/documents/{shop['document'].id}"],
    }
    if endpoint in by_endpoint:
        return by_endpoint[endpoint]
    # a route this list does not know yet: real values by the variable's name
    known = {"ref": orders["confirmed"].number, "code": shop["customer"].code, "sku": shop["product"].sku,
             "wave_id": shop["wave"].id, "message_id": shop["message"].id, "email_id": shop["email"].id}
    url = rule
    for part in rule.split("<")[1:]:
        variable = part.split(">")[0]
        url = url.replace(f"<{variable}>", str(known.get(variable.split(":")[-1], 1)))
    return [url]


# --- reading every table ---------------------------------------------------------------------------

def snapshot() -> dict[str, dict]:
    """Every table's rows (login bookkeeping aside): table -> {primary key: row}."""
    db.session.rollback()  # a fresh transaction sees everything committed
    tables = {}
    for table in db.metadata.sorted_tables:
        if is_login_bookkeeping(table.name):
            continue
        key = list(table.primary_key.columns) or list(table.columns)
        names = [c.name for c in table.columns]
        positions = [names.index(c.name) for c in key]
        rows = db.session.execute(select(table).order_by(*key)).all()
        tables[table.name] = {tuple(row[i] for i in positions): tuple(row) for row in rows}
    db.session.rollback()
    return tables


def _shown(value) -> str:
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def differences(before: dict, after: dict) -> list[str]:
    """What changed, per table: rows added, removed and changed (the changed columns only)."""
    found = []
    for name in sorted(set(before) | set(after)):
        columns = [c.name for c in db.metadata.tables[name].columns]
        old, new = before.get(name, {}), after.get(name, {})
        for key in sorted(new.keys() - old.keys(), key=repr):
            row = ", ".join(f"{c}={_shown(v)}" for c, v in zip(columns, new[key], strict=True))
            found.append(f"{name}: row {key} added ({row})")
        for key in sorted(old.keys() - new.keys(), key=repr):
            found.append(f"{name}: row {key} removed")
        for key in sorted(old.keys() & new.keys(), key=repr):
            if old[key] != new[key]:
                changed = ", ".join(f"{c}: {_shown(a)} -> {_shown(b)}"
                                    for c, a, b in zip(columns, old[key], new[key], strict=True) if a != b)
                found.append(f"{name}: row {key} changed ({changed})")
    return found


# --- the test ----------------------------------------------------------------------------------------

def test_no_get_writes(app, shop, users):
    routes = sorted((rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and rule.endpoint != "static")
    routes.sort(key=lambda route: route[0] in LAST)  # logging out last
    clients = {}
    for role in ROLES_IN_TURN:  # logging in writes (events, sessions): all of it before the first read
        clients[role] = app.test_client()
        assert log_in(clients[role], role).status_code == 302, f"{role} could not log in"

    start = state = snapshot()
    writes, answers, asked = [], [], set()
    for role in ROLES_IN_TURN:
        for endpoint, rule in routes:
            for url in urls_for(endpoint, rule, shop):
                asked.add(endpoint)
                try:
                    status = clients[role].get(url).status_code
                except Exception as exc:  # noqa: BLE001 - reported, and the walk goes on
                    db.session.rollback()
                    status = f"exception {type(exc).__name__}"
                answers.append(f"GET {url} as {role}: {status}")
                now = snapshot()
                changed = differences(state, now)
                if changed:
                    writes.append(f"GET {url} as {role} (answered {status}) wrote:\n    " + "\n    ".join(changed))
                state = now

    assert asked == {endpoint for endpoint, _ in routes}
    print("\n".join(answers))  # shown with the failure: what each read answered
    overall = differences(start, state)
    if writes or overall:
        pytest.fail(f"{len(writes)} GET request(s) wrote to the database:\n" + "\n".join(writes)
                    + f"\n\nall changes from the first read to the last ({len(overall)}):\n  "
                    + "\n  ".join(overall), pytrace=False)
