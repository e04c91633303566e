"""The online channel's JSON API against a real database: orders through the desk's services,
idempotency keys, amendment requests that wait for sales, and every error as problem+json."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.api.idempotency import forget_old_keys
from app.api.models import IdempotencyRecord
from app.api.tokens import revoke_token, token_for
from app.catalog.models import Product, StockMovement
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import ChangeRequest, Order
from app.timeutil import utcnow
from tests.api.conftest import assert_problem
from tests.conftest import log_in


def _order_body(sku, quantity=2, customer=None, **more):
    return {"customer": customer or {"name": "Ada Shopper", "email": "ada@example.com", "phone": "0113 496 0001"},
            "lines": [{"sku": sku, "quantity": quantity}],
            "fulfilment": {"method": "delivery", "address": "7 Mill Lane\nLeeds LS2 7AB", "instructions": "Side door"},
            **more}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_new_customers_order_is_confirmed_at_once_and_emailed(api, make_product):
    """Desk services all the way: customer created, price, reservation, number, promise, confirmation."""
    make_product(sku="SKU-0001", on_hand=10, price="12.50")
    response = api.post("/orders", _order_body("SKU-0001", 4, customer_reference="PO-77",
                                               requested_date=(utcnow().date() + timedelta(days=30)).isoformat()))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "confirmed" and body["number"].startswith("SO-") and body["checks"] == []
    assert body["lines"] == [{"sku": "SKU-0001", "description": "Test product 1", "quantity": 4, "unit_price": "12.50",
                              "line_total": "50.00", "reserved": 4, "backordered": 0}]
    assert (body["total"], body["vat"], body["gross"]) == ("50.00", "10.00", "60.00")
    assert body["promised_date"] and body["customer_reference"] == "PO-77"
    order = db.session.execute(select(Order).where(Order.number == body["number"])).scalar_one()
    assert order.channel == "online" and order.customer.email == "ada@example.com"
    assert order.customer.code == body["customer"]["code"]
    assert db.session.execute(select(Product.reserved).where(Product.sku == "SKU-0001")).scalar_one() == 4
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.order_id == order.id)).scalar_one()
    assert mail.to_address == "ada@example.com" and body["number"] in mail.subject
    pdf = db.session.get(Document, mail.document_id)  # the confirmation itself, as the desk issues it
    assert (pdf.kind, pdf.revision, pdf.template) == ("confirmation", 1, "documents/confirmation.html")
    assert api.get(f"/orders/{body['number']}").get_json() == body


def test_a_short_line_is_reserved_as_far_as_stock_goes_and_backordered(api, make_product, make_customer):
    make_product(sku="SKU-0002", on_hand=3)
    customer = make_customer()
    with confirmations_suppressed():
        body = api.post("/orders", _order_body("SKU-0002", 5, customer={"code": customer.code})).get_json()
    assert body["status"] == "confirmed"
    assert (body["lines"][0]["reserved"], body["lines"][0]["backordered"]) == (3, 2)
    product = api.get("/products/SKU-0002").get_json()
    assert product == {"sku": "SKU-0002", "name": "Test product 1", "unit": "each", "pack_size": 1,
                       "unit_price": "10.00", "on_hand": 3, "reserved": 3, "available": 0}


def test_an_order_with_open_checks_waits_for_sales(api, client, users, make_product, make_customer):
    """A likely duplicate: a draft that needs review, the checks in the answer, sales told and
    the draft in sales' Needs review (online) queue; nothing reserved yet."""
    make_product(sku="SKU-0003", on_hand=50)
    customer = make_customer()
    with confirmations_suppressed():
        first = api.post("/orders", _order_body("SKU-0003", 2, customer={"code": customer.code}))
        second = api.post("/orders", _order_body("SKU-0003", 2, customer={"code": customer.code},
                                                 special_requests=[{"kind": "gift_wrap", "text": "Blue paper"}]))
    assert first.get_json()["status"] == "confirmed"
    body = second.get_json()
    assert second.status_code == 201 and body["status"] == "needs_review" and body["number"] is None
    assert {c["kind"] for c in body["checks"]} == {"duplicate", "special_request"}
    assert body["lines"][0]["reserved"] == 0
    assert body["special_requests"] == [{"kind": "gift_wrap", "text": "Blue paper", "status": "pending"}]
    assert api.get(f"/orders/{body['ref']}").get_json()["status"] == "needs_review"
    event = db.session.execute(select(Event).where(Event.kind == "order.needs_review")).scalar_one()
    assert db.session.execute(select(Notification).where(Notification.event_id == event.id,
                                                         Notification.team == "sales")).first()
    log_in(client, "sales")
    page = client.get("/sales/?view=needs_review").get_data(as_text=True)
    assert "Needs review (online)" in page and body["ref"] in page


def test_the_same_key_and_body_answers_the_same_order_and_changes_nothing(api, make_product):
    make_product(sku="SKU-0004", on_hand=10)
    with confirmations_suppressed():
        first = api.post("/orders", _order_body("SKU-0004"), key="order-1")
        counts = (_count(Order), _count(StockMovement), _count(Event))
        again = api.post("/orders", _order_body("SKU-0004"), key="order-1")
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.get_json()["number"] == first.get_json()["number"]
        assert (_count(Order), _count(StockMovement), _count(Event)) == counts
        other = api.post("/orders", _order_body("SKU-0004", 3), key="order-1")
    assert_problem(other, 409)
    assert _count(Order) == counts[0]
    missing = assert_problem(api.post("/orders", _order_body("SKU-0004"), key=None), 400)
    assert "Idempotency-Key" in missing["detail"]


def test_idempotency_keys_are_forgotten_after_the_hours_kept(api, app, make_product):
    make_product(sku="SKU-0005", on_hand=10)
    with confirmations_suppressed():
        api.post("/orders", _order_body("SKU-0005"), key="old")
        api.post("/orders", _order_body("SKU-0005", 3), key="fresh")
    old = db.session.execute(select(IdempotencyRecord).where(IdempotencyRecord.key == "old")).scalar_one()
    old.created_at = utcnow() - timedelta(hours=app.config["IDEMPOTENCY_KEEP_HOURS"], minutes=1)
    db.session.commit()
    assert forget_old_keys() == "1 old idempotency keys forgotten"
    assert db.session.execute(select(IdempotencyRecord.key)).scalars().all() == ["fresh"]


def test_invalid_input_names_each_field(api, make_product):
    make_product(sku="SKU-0006", on_hand=10, pack_size=6)
    body = {"customer": {"code": "NOPE"}, "lines": [{"sku": "SKU-0006", "quantity": 4}, {"sku": "SKU-404", "quantity": 0}],
            "requested_date": "2020-01-01", "special_requests": [{"kind": "teleport", "text": "x"}], "colour": "red"}
    errors = assert_problem(api.post("/orders", body), 422)["errors"]
    assert set(errors) == {"customer.code", "lines[1].sku", "lines[1].quantity", "requested_date",
                           "special_requests[0].kind", "colour"}
    known = {"name": "Bo", "email": "bo@example.com"}
    errors = assert_problem(api.post("/orders", _order_body("SKU-0006", 4, customer=known)), 422)["errors"]
    assert errors == {"lines[0].quantity": errors["lines[0].quantity"]} and "6" in errors["lines[0].quantity"]
    assert _count(Order) == 0


@pytest.mark.parametrize("case", ["no token", "unknown token", "revoked", "scope", "not found", "method",
                                  "media type", "malformed", "not an object", "too large"])
def test_every_error_is_problem_json(api_as, case, make_product):
    make_product(sku="SKU-0007")
    api, writer = api_as("products:read"), api_as("orders:write")
    status, response = {
        "no token": lambda: (401, api.client.get("/api/v1/products/SKU-0007")),
        "unknown token": lambda: (401, api.client.get("/api/v1/products/SKU-0007",
                                                      headers={"Authorization": "Bearer od_forged"})),
        "revoked": lambda: (401, (revoke_token(token_for(api.token)), db.session.commit(),
                                  api.get("/products/SKU-0007"))[-1]),
        "scope": lambda: (403, api.post("/orders", _order_body("SKU-0007"))),
        "not found": lambda: (404, api.get("/products/NOPE")),
        "method": lambda: (405, api.client.delete("/api/v1/products/SKU-0007", headers=api.headers())),
        "media type": lambda: (415, writer.client.post("/api/v1/orders", data="x", headers=writer.headers("k"))),
        "malformed": lambda: (400, _raw(writer, b"{not json")),
        "not an object": lambda: (400, _raw(writer, b"[1, 2]")),
        "too large": lambda: (413, _raw(writer, b'{"x": "' + b"a" * 300_000 + b'"}')),
    }[case]()
    body = assert_problem(response, status)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Location" not in response.headers and "Set-Cookie" not in response.headers
    assert "<html" not in str(body)


def _raw(api, data: bytes):
    return api.client.post("/api/v1/orders", data=data, headers={**api.headers("k"), "Content-Type": "application/json"})


def test_the_rate_limit_answers_429_with_retry_after(api, app, make_product):
    make_product(sku="SKU-0008")
    app.config["API_RATE_LIMIT"] = 2
    try:
        assert [api.get("/products/SKU-0008").status_code for _ in range(2)] == [200, 200]
        response = api.get("/products/SKU-0008")
    finally:
        app.config["API_RATE_LIMIT"] = 120
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_an_amendment_request_waits_for_sales_and_changes_nothing(api, api_as, make_product):
    make_product(sku="SKU-0009", on_hand=10)
    make_product(sku="SKU-0010", on_hand=10)
    with confirmations_suppressed():
        number = api.post("/orders", _order_body("SKU-0009", 2)).get_json()["number"]
    body = {"lines": [{"sku": "SKU-0009", "quantity": 5}, {"sku": "SKU-0010", "quantity": 1}],
            "note": "Five please, and one of the other", "requested_by": "Ada"}
    response = api.post(f"/orders/{number}/amendments", body, key="amend-1")
    assert response.status_code == 202 and response.get_json()["status"] == "open"
    again = api.post(f"/orders/{number}/amendments", body, key="amend-1")
    assert again.status_code == 200 and again.get_json()["id"] == response.get_json()["id"]
    request = db.session.execute(select(ChangeRequest)).scalar_one()
    assert (request.channel, request.source, request.status, request.requested_by) == ("online", "api", "open", "Ada")
    assert request.payload == {"lines": [{"sku": "SKU-0009", "quantity": 5}, {"sku": "SKU-0010", "quantity": 1}],
                               "cancel": False}
    order = api.get(f"/orders/{number}").get_json()
    assert (order["revision"], [(x["sku"], x["quantity"]) for x in order["lines"]]) == (1, [("SKU-0009", 2)])
    assert db.session.execute(select(Event).where(Event.kind == "order.change_requested")).scalar_one()
    assert_problem(api.post(f"/orders/{number}/amendments", {"cancel": "yes"}), 422)
    stranger = api_as()  # another token does not see this order
    assert_problem(stranger.get(f"/orders/{number}"), 404)
    assert_problem(stranger.post(f"/orders/{number}/amendments", {"cancel": True}), 404)
