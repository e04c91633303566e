"""Schemathesis walks /api/v1/openapi.json and sends what it describes (and what it does not)
to the app: no answer may be a 5xx, and every answer must be what the description says
(status code, content type, headers, body schema). A valid token rides on every request."""

import uuid
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.api.idempotency import KEY_RE
from app.api.openapi import openapi_document
from app.api.tokens import create_token
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed

PLACED = {}
EXAMPLES = 25  # per operation: the whole walk stays well under a minute


@pytest.fixture
def token(app, client, make_product, make_customer):
    limit, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], 1_000_000  # its pace is not tested here
    make_product(sku="SKU-0001", on_hand=20)
    make_customer(code="C0001")
    _row, token = create_token("fuzzer")
    db.session.commit()
    with confirmations_suppressed():  # an order of this token's, for the reads and amendments to find
        placed = client.post("/api/v1/orders", json={"customer": {"code": "C0001"}, "lines": [{"sku": "SKU-0001", "quantity": 1}]},
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "fuzz-order"})
    PLACED["ref"] = placed.get_json()["number"]
    db.session.close()  # the app's own requests must find no transaction of ours open
    yield token
    app.config["API_RATE_LIMIT"] = limit


# The description as the app serves it (test_the_description_is_served checks they are one);
# loaded at collection, as schemathesis' fixture loader does not work with pytest 9.
schema = schemathesis.openapi.from_dict(openapi_document())


def test_the_description_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == openapi_document()


def _aim(case) -> None:
    """Point well-formed requests at the customer, product and order that exist and drop dates in
    the past, so that they get past the lookups and really place orders and ask for amendments
    (the rest of each request stays as generated; malformed ones are left alone)."""
    body = case.body
    negative = case.meta is None or case.meta.generation.mode.is_negative
    if negative:
        return
    if case.path_parameters and "ref" in case.path_parameters:
        case.path_parameters["ref"] = PLACED["ref"]
    if case.method != "POST" or not isinstance(body, dict):
        return
    lines = body.get("lines")
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict) and isinstance(line.get("sku"), str):
            line["sku"] = "SKU-0001"
    customer = body.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("code"), str):
        customer["code"] = "C0001"
    if isinstance(customer, dict) and isinstance(customer.get("email"), str) and "@" not in customer["email"]:
        customer["email"] = f"{customer['email'].strip()[:40] or 'x'}@example.com"
    requests = body.get("special_requests")
    for request in requests if isinstance(requests, list) else []:
        if isinstance(request, dict) and isinstance(request.get("kind"), str):
            request["kind"] = "gift_wrap"
    if isinstance(body.get("requested_date"), str) and body["requested_date"][:4].isdigit() \
            and body["requested_date"] < date.today().isoformat():
        body.pop("requested_date")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_description(case, app, token):
    # A POST the schema allows may still be refused with 422 for what a schema cannot know
    # (an unknown customer code or SKU, a date in the past, whole packs): as the API documents.
    excluded = [positive_data_acceptance] if case.method == "POST" else []
    with confirmations_suppressed():
        headers = {"Authorization": f"Bearer {token}"}
        key = (case.headers or {}).get("Idempotency-Key")
        if isinstance(key, str) and KEY_RE.fullmatch(key):  # a new valid key each time (repeats: test_api.py)
            headers["Idempotency-Key"] = uuid.uuid4().hex
        _aim(case)
        case.operation.schema.app = app  # as from_wsgi would: checks that send again reach the app too
        case.call_and_validate(app=app, headers=headers, excluded_checks=excluded)
