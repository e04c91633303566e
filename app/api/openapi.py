"""The OpenAPI 3 description served at /api/v1/openapi.json: what app/api/routes.py does,
field for field (tests/api/test_fuzz.py has schemathesis hold the API to it)."""

TEXT = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"  # no control characters (tab, newlines allowed)


def _text(limit: int, **extra) -> dict:
    return {"type": "string", "maxLength": limit, "pattern": TEXT, **extra}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "12.50"}
DATE = {"type": "string", "format": "date"}
QUANTITY = {"type": "integer", "minimum": 1, "maximum": 100000}
STATUSES = ["needs_review", "confirmed", "picking", "packed", "dispatched", "delivered", "ready_for_pickup",
            "collected", "cancelled"]

SCHEMAS = {
    "Problem": {
        "type": "object", "description": "RFC 9457 problem details; `errors` maps field paths "
                                         "(`lines[0].quantity`) to messages for invalid input (422).",
        "required": ["type", "title", "status", "detail"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": {"type": "string"}}},
        "additionalProperties": False,
    },
    "Product": {
        "type": "object", "required": ["sku", "name", "unit", "pack_size", "unit_price", "on_hand", "reserved", "available"],
        "properties": {"sku": {"type": "string"}, "name": {"type": "string"}, "unit": {"type": "string"},
                       "pack_size": {"type": "integer", "minimum": 1,
                                     "description": "quantities must be whole packs (multiples of this)"},
                       "unit_price": {**MONEY, "description": "list price (a customer's own price may differ)"},
                       "on_hand": {"type": "integer"}, "reserved": {"type": "integer"},
                       "available": {"type": "integer", "minimum": 0, "description": "on hand minus reserved"}},
        "additionalProperties": False,
    },
    "OrderLineIn": {
        "type": "object", "required": ["sku", "quantity"], "additionalProperties": False,
        "properties": {"sku": _text(40, minLength=1), "quantity": {**QUANTITY, "description": "whole packs"}},
    },
    "OrderIn": {
        "description": "Optional fields may be left out or sent as null (not given).",
        "type": "object", "required": ["customer", "lines"], "additionalProperties": False,
        "example": {"customer": {"code": "C0001"}, "lines": [{"sku": "SKU-0001", "quantity": 3}],
                    "fulfilment": {"method": "delivery", "address": "1 Mill Lane\nLeeds LS1 1AA",
                                   "instructions": "Ring the bell"},
                    "customer_reference": "PO-77", "special_requests": []},
        "properties": {
            "customer": {
                "description": "a known customer by `code`, or a new one by `name`, `email` and `phone` "
                               "(an active customer with that email is used if there is one)",
                "oneOf": [
                    {"type": "object", "required": ["code"], "additionalProperties": False,
                     "properties": {"code": _text(20, minLength=1)}},
                    {"type": "object", "required": ["name", "email"], "additionalProperties": False,
                     "properties": {"name": _text(200, minLength=1), "email": _text(254, minLength=3),
                                    "phone": _nullable(_text(40))}},
                ]},
            "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/components/schemas/OrderLineIn"}},
            "fulfilment": {"type": "object", "nullable": True, "additionalProperties": False, "properties": {
                "method": {"type": "string", "enum": ["delivery", "pickup"], "default": "delivery"},
                "address": _nullable({**_text(1000), "description": "default: the customer's default address"}),
                "instructions": _nullable(_text(1000))}},
            "requested_date": _nullable({**DATE, "description": "today or later"}),
            "customer_reference": _nullable(_text(60)),
            "special_requests": {"type": "array", "nullable": True, "maxItems": 10, "items": {
                "type": "object", "required": ["kind", "text"], "additionalProperties": False,
                "properties": {"kind": {"type": "string", "description": "one of the kinds set up in Settings, e.g. "
                                                                          "gift_wrap, delivery_window, custom_label"},
                               "text": _text(2000, minLength=1)}}},
        },
    },
    "Order": {
        "type": "object", "additionalProperties": False,
        "description": "`needs_review`: a draft waiting for sales (see `checks`; `number` is null until it is "
                       "confirmed, read it meanwhile by `ref`). `confirmed`: numbered, stock reserved, promised "
                       "date set, confirmation emailed. Per line, `reserved` is held from stock and `backordered` "
                       "waits for stock (short lines are backordered, never refused).",
        "required": ["number", "ref", "status", "revision", "customer", "customer_reference", "requested_date",
                     "promised_date", "fulfilment", "lines", "total", "vat", "gross", "special_requests", "checks"],
        "properties": {
            "number": _nullable({"type": "string", "example": "SO-2026-00042"}),
            "ref": {"type": "string", "description": "the number, or DRAFT-<id> while it needs review"},
            "status": {"type": "string", "enum": STATUSES},
            "revision": {"type": "integer", "minimum": 0},
            "customer": {"type": "object", "required": ["code", "name"], "additionalProperties": False,
                         "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "customer_reference": _nullable({"type": "string"}),
            "requested_date": _nullable(DATE),
            "promised_date": _nullable(DATE),
            "fulfilment": {"type": "object", "required": ["method", "address", "instructions"], "additionalProperties": False,
                           "properties": {"method": {"type": "string", "enum": ["delivery", "pickup"]},
                                          "address": _nullable({"type": "string"}),
                                          "instructions": _nullable({"type": "string"})}},
            "lines": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["sku", "description", "quantity", "unit_price", "line_total", "reserved", "backordered"],
                "properties": {"sku": {"type": "string"}, "description": {"type": "string"},
                               "quantity": {"type": "integer"}, "unit_price": MONEY, "line_total": MONEY,
                               "reserved": {"type": "integer", "minimum": 0},
                               "backordered": {"type": "integer", "minimum": 0}}}},
            "total": {**MONEY, "description": "net"},
            "vat": MONEY,
            "gross": MONEY,
            "special_requests": {"type": "array", "items": {
                "type": "object", "required": ["kind", "text", "status"], "additionalProperties": False,
                "properties": {"kind": {"type": "string"}, "text": {"type": "string"},
                               "status": {"type": "string", "enum": ["pending", "approved", "rejected", "done"]}}}},
            "checks": {"type": "array", "description": "what sales must look at (empty once confirmed)", "items": {
                "type": "object", "required": ["kind", "message"], "additionalProperties": False,
                "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}},
        },
    },
    "AmendmentIn": {
        "type": "object", "additionalProperties": False,
        "example": {"lines": [{"sku": "SKU-0001", "quantity": 5}], "note": "Five, please", "requested_by": "Ada"},
        "description": "What the customer asks to change; at least one of `lines`, `cancel` or `note`.",
        "properties": {
            "lines": {"type": "array", "nullable": True, "maxItems": 100,
                      "description": "the quantity wanted per SKU (0: remove it)",
                      "items": {"type": "object", "required": ["sku", "quantity"], "additionalProperties": False,
                                "properties": {"sku": _text(40, minLength=1),
                                               "quantity": {"type": "integer", "minimum": 0, "maximum": 100000}}}},
            "cancel": {"type": "boolean", "default": False},
            "note": _nullable(_text(4000)),
            "requested_by": _nullable(_text(200)),
        },
    },
    "AmendmentRequest": {
        "type": "object", "required": ["id", "order", "status", "message"], "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "order": {"type": "string"},
                       "status": {"type": "string", "enum": ["open", "applied", "declined"]},
                       "message": {"type": "string"}},
    },
}

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_WORDS = {
    400: "Malformed: not JSON, not an object, or the Idempotency-Key header missing or not valid",
    401: "No token, an unknown one or a revoked one",
    403: "The token lacks the scope this needs",
    404: "Not found (or not placed with this token)",
    405: "Method not allowed",
    409: "The Idempotency-Key was used for another request, or the order cannot be changed any more",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "Invalid input: `errors` says which field and why (unknown customer codes and SKUs are invalid input)",
    429: "Over the token's rate limit (API_RATE_LIMIT a minute): wait Retry-After seconds",
    503: "The database is busy: try again after Retry-After seconds (with the same Idempotency-Key)",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"schema": {"type": "string", "pattern": r"^\d+$"}}},
    503: {"Retry-After": {"schema": {"type": "string", "pattern": r"^\d+$"}}},
}


def _problems(*codes: int) -> dict:
    answers = {}
    for code in (400, 401, 403, 405, 429, 503, *codes):
        answer = {"description": _WORDS[code], "content": _PROBLEM}
        if code in _HEADERS:
            answer["headers"] = _HEADERS[code]
        answers[str(code)] = answer
    return answers


def _ok(description: str, schema: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_KEY = {"name": "Idempotency-Key", "in": "header", "required": True,
        "description": "A new random value (e.g. a UUID) per request; send the same value when you retry it. "
                       "The same key with the same body answers 200 with the first result and changes nothing; "
                       "with another body, 409. Keys are kept at least 24 hours.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]+$"}}
_REF = {"name": "ref", "in": "path", "required": True,
        "description": "The order number (SO-2026-00042), or DRAFT-<id> while it needs review",
        "schema": {"type": "string", "maxLength": 200}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Order Desk API (online channel)", "version": "1",
                 "description": "Orders from the web shop go through the same checks, pricing, reservation, "
                                "numbering, promised dates and confirmations as orders taken at the desk. "
                                "A token reads and amends only the orders it placed. Errors are "
                                "application/problem+json. Money is a string with two decimals, dates ISO 8601."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token (od_…) made by an admin, with scopes "
                                                          "products:read, orders:read, orders:write"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description", "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              "405": {"description": _WORDS[405], "content": _PROBLEM}}}},
            "/products/{sku}": {"get": {
                "operationId": "getProduct", "summary": "A product, its list price and stock (scope products:read)",
                "parameters": [{"name": "sku", "in": "path", "required": True, "example": "SKU-0001",
                                "schema": {"type": "string", "maxLength": 200}}],
                "responses": {"200": _ok("The product", "Product"), **_problems(404)}}},
            "/orders": {"post": {
                "operationId": "createOrder",
                "summary": "Place an order (scope orders:write)",
                "description": "201 with `status` `confirmed` when no check is open (short lines are "
                               "reserved as far as stock goes and backordered for the rest), or `needs_review` "
                               "when sales must look at it first (`checks`: a possible duplicate, an unusual "
                               "quantity, a new address, a credit check, a special request to decide).",
                "parameters": [_KEY],
                "requestBody": _body("OrderIn"),
                "responses": {"201": _ok("The order placed", "Order"),
                              "200": _ok("A repeat of an earlier request with the same key: that order, as it is now",
                                         "Order"),
                              **_problems(409, 413, 415, 422)}}},
            "/orders/{ref}": {"get": {
                "operationId": "getOrder", "summary": "An order placed with this token (scope orders:read)",
                "parameters": [_REF],
                "responses": {"200": _ok("The order", "Order"), **_problems(404)}}},
            "/orders/{ref}/amendments": {"post": {
                "operationId": "requestAmendment",
                "summary": "Ask for a change to a confirmed order (scope orders:write)",
                "description": "The request waits for sales, who verify it with the customer and then amend "
                               "the order (a new revision, re-confirmed) or decline it. Nothing changes before.",
                "parameters": [_REF, _KEY],
                "requestBody": _body("AmendmentIn"),
                "responses": {"202": _ok("Received; waits for sales", "AmendmentRequest"),
                              "200": _ok("A repeat of an earlier request with the same key", "AmendmentRequest"),
                              **_problems(404, 409, 413, 415, 422)}}},
        },
    }
