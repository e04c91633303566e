"""The API's test helpers: a token with the scopes asked for, and requests that carry it."""

import itertools

import pytest

from app.api.tokens import create_token
from app.extensions import db

PROBLEM = "application/problem+json"


class Api:
    """The test client speaking JSON with a bearer token (and a fresh Idempotency-Key per POST
    unless one is given)."""

    keys = itertools.count(1)

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def headers(self, key=None, **extra):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        return {**headers, **extra}

    def get(self, path, **headers):
        return self.client.get(f"/api/v1{path}", headers=self.headers(**headers))

    def post(self, path, body, key="new", **headers):
        key = f"key-{next(self.keys)}" if key == "new" else key
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(key, **headers))


@pytest.fixture
def api_as(client):
    """api_as("orders:write", ...) → an Api whose token has those scopes (all without arguments)."""
    made = itertools.count(1)

    def make(*scopes):
        _row, token = create_token(f"shop {next(made)}", scopes=scopes or None)
        db.session.commit()
        return Api(client, token)
    return make


@pytest.fixture
def api(api_as):
    return api_as()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body
