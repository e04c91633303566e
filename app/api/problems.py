"""The API's answers when something is wrong: RFC 9457 `application/problem+json` with
`status`, `title`, `detail` and, for invalid input, `errors` ({field path: message}).

The request layer (app/web/transaction.py, app/web/__init__.py) calls `problem` for every
refusal and error page of a request under /api/, so the API never answers HTML."""

import json

from flask import current_app, request

from app.errors import Refusal

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


class Invalid(Refusal):
    """Input the API cannot take, with a message per field path (`lines[0].quantity`)."""

    status = 422

    def __init__(self, errors: dict[str, str], detail: str = "", status: int = 422):
        self.errors, self.status = errors, status
        super().__init__(detail or "Some fields are not valid: see errors.")


class Problem(Refusal):
    """Any other API answer that is not a success (401, 403, 400, 415, 429, ...)."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        self.status, self.headers = status, headers or {}
        super().__init__(detail)


def api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str, errors: dict | None = None, headers: dict | None = None, title: str = ""):
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="orderdesk"'
    return response


def refusal_problem(exc: Refusal):
    """A service's refusal (or one of ours) as problem+json."""
    return problem(exc.status, str(exc), getattr(exc, "errors", None), getattr(exc, "headers", None))
