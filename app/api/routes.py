"""The JSON API of the online channel, under /api/v1 (described by /api/v1/openapi.json).

Every request but the description starts with its bearer token, read and noted aside
(app/api/tokens.py `authenticate`, before the request's own session touches the database:
SQLite has one writer), then the token's rate limit (app/ratelimit.py, shared by every
worker). Views read JSON, call one service, and the request layer commits once; every
error is problem+json (app/api/problems.py, answered by app/web/transaction.py)."""

import json
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api import idempotency
from app.api.models import IdempotencyRecord
from app.api.openapi import openapi_document
from app.api.placing import ask_for_change, place_order, review_checks
from app.api.problems import Problem
from app.api.tokens import authenticate
from app.catalog.models import Product
from app.extensions import db
from app.orders.models import Order
from app.orders.money import order_totals
from app.orders.services import find_order, submitted_draft
from app.ratelimit import hit

bp = Blueprint("api", __name__)

MAX_BODY_BYTES = 256 * 1024
PUBLIC = {"api.openapi"}


@bp.before_request
def _caller():
    """Who calls (401 without a good token) and whether they are within their rate limit (429)."""
    if request.endpoint in PUBLIC:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    caller = authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        raise Problem(401, "Send a valid API token: Authorization: Bearer <token> (ask an admin for one; "
                           "a revoked token is refused).")
    wait = hit(f"api:{caller.id}", current_app.config["API_RATE_LIMIT"], 60)
    if wait is not None:
        raise Problem(429, f"More than {current_app.config['API_RATE_LIMIT']} requests a minute with this token: "
                           f"wait {wait} s and try again.", {"Retry-After": str(wait)})
    g.api_caller = caller


def needs(scope: str):
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not g.api_caller.allows(scope):
                raise Problem(403, f"This token does not have the {scope} scope.")
            return view(*args, **kwargs)
        return checked
    return decorate


def _json_body() -> dict:
    if request.mimetype != "application/json":
        raise Problem(415, "Send the body as JSON with Content-Type: application/json.")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Problem(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.")
    return body


def _money(amount) -> str:
    return f"{amount:.2f}"


def order_json(order: Order) -> dict:
    totals = order_totals(order)
    return {
        "number": order.number,
        "ref": order.ref,
        "status": "needs_review" if order.status == "draft" else order.status,
        "revision": order.revision,
        "customer": {"code": order.customer.code, "name": order.customer.name},
        "customer_reference": order.customer_reference or None,
        "requested_date": order.requested_date.isoformat() if order.requested_date else None,
        "promised_date": order.promised_date.isoformat() if order.promised_date else None,
        "fulfilment": {"method": order.method, "address": order.address or None,
                       "instructions": order.instructions or None},
        "lines": [{"sku": line.sku, "description": line.description, "quantity": line.quantity,
                   "unit_price": _money(line.unit_price), "line_total": _money(line.line_total),
                   "reserved": line.qty_reserved, "backordered": line.qty_backordered}
                  for line in order.lines],
        "total": _money(order.total),
        "vat": _money(totals.vat),
        "gross": _money(totals.gross),
        "special_requests": [{"kind": r.kind, "text": r.text, "status": r.status} for r in order.special_requests],
        "checks": review_checks(order),
    }


def _own_order(ref: str) -> Order:
    """An order this token placed, by number (or DRAFT-<id> while it waits for review)."""
    order = find_order(ref) or submitted_draft(ref)
    if order is None or order.api_token_id != g.api_caller.id:
        raise Problem(404, f"No order {ref[:40]} placed with this token.")
    return order


def _replay(record: IdempotencyRecord):
    body = json.loads(record.response_body)
    if record.order_id is not None and record.status_code == 201:  # an order: as it is now
        body = order_json(db.session.get(Order, record.order_id))
    response = jsonify(body)
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent(work):
    """Run `work() -> (status, body, order_id)` once per Idempotency-Key and request."""
    key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    body = _json_body()
    digest = idempotency.request_hash(request.method, request.path, body)
    token_id = g.api_caller.id
    record = idempotency.earlier(token_id, key, digest)
    if record is not None:
        return _replay(record)
    try:
        status, answer, order_id = work(body)
        idempotency.remember(token_id, key, digest, status, answer, order_id)
    except IntegrityError:
        # The same key at the same moment: the twin's rows (its new customer, its key) were
        # waited for and won. Answer what it answered; any other clash is a real conflict.
        db.session.rollback()
        record = idempotency.earlier(token_id, key, digest)
        if record is None:
            raise
        return _replay(record)
    return jsonify(answer), status


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.route("/products/<sku>")
@needs("products:read")
def product(sku):
    found = db.session.execute(select(Product).where(Product.sku == sku, Product.active.is_(True))).scalar_one_or_none()
    if found is None:
        raise Problem(404, f"No product has the SKU {sku[:40]}.")
    return jsonify({"sku": found.sku, "name": found.name, "unit": found.unit, "pack_size": found.pack_size,
                    "unit_price": _money(found.unit_price), "on_hand": found.on_hand, "reserved": found.reserved,
                    "available": max(found.available, 0)})


@bp.route("/orders", methods=["POST"])
@needs("orders:write")
def create_order():
    def work(body):
        order = place_order(body, g.api_caller.id)
        return 201, order_json(order), order.id
    return _idempotent(work)


@bp.route("/orders/<ref>")
@needs("orders:read")
def order(ref):
    return jsonify(order_json(_own_order(ref)))


@bp.route("/orders/<ref>/amendments", methods=["POST"])
@needs("orders:write")
def amend(ref):
    def work(body):
        order = _own_order(ref)
        asked = ask_for_change(order, body)
        return 202, {"id": asked.id, "order": order.number, "status": asked.status,
                     "message": "Received: sales will verify the change with the customer before anything "
                                "changes; the customer is told the outcome."}, None
    return _idempotent(work)

