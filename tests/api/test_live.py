"""Issue 13's "Done when" for the API: the real server (gunicorn, two workers) takes 200 orders
at once for a product with 50 units. Exactly 50 units are reserved, the other 150 are
backordered (as the API documents: short lines are backordered, never refused), no answer is
a 5xx, and repeating every request with its key answers the same order numbers and changes
nothing. Twenty of the requests are sent twice at the same moment with one key: still one
order each.

The confirmation PDF is replaced by a stand-in inside the server's workers (what is tested
here is reservation, numbering and idempotency, not WeasyPrint: tests/api/test_api.py issues a
real one), so the test takes seconds instead of a minute."""

import http.client
import json
import os
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.api.tokens import create_token
from app.catalog.models import Product, StockMovement
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order, OrderLine
from tests.load.conftest import (
    READY,
    ROOT,
    SECRET_KEY,
    START_TIMEOUT,
    Response,
    Server,
    _free_port,
    _gunicorn,
    _wait_for_workers,
    assert_no_server_errors,
    at_once,
    reading,
)

ORDERS, ON_HAND, TWINS = 200, 50, 20
WORKERS = 2  # SQLite takes one writer at a time: more workers only wait longer for their turn
HOOKS = f"""
control_socket_disable = True


def post_worker_init(worker):
    import app.orders.confirmation as confirmation
    confirmation.render_confirmation = lambda context: b"%PDF-1.4\\n% stand-in for the load test\\n"
    worker.log.info("{READY} (pid %s)", worker.pid)
"""


@pytest.fixture
def api_server(app, tmp_path):
    db.session.commit()
    db.session.close()
    port, instance = _free_port(), tmp_path / "instance"
    instance.mkdir()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": SECRET_KEY,
           "INSTANCE_DIR": str(instance), "MAIL_TRANSPORT": "file", "MAIL_FILE_DIR": str(instance / "mail"),
           "API_RATE_LIMIT": "100000", "PYTHONUNBUFFERED": "1"}
    hooks, log = tmp_path / "hooks.py", tmp_path / "gunicorn.log"
    hooks.write_text(HOOKS)
    with open(log, "wb") as out:
        process = subprocess.Popen([*_gunicorn(), "--config", str(hooks), "--workers", str(WORKERS),
                                    "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_for_workers(server, WORKERS, time.monotonic() + START_TIMEOUT)
        yield server
    finally:
        server.stop()


def post_json(base_url: str, path: str, body: dict, token: str, key: str) -> Response:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    try:
        conn.request("POST", path, body=json.dumps(body).encode(),
                     headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                              "Content-Type": "application/json", "Connection": "close"})
        raw = conn.getresponse()
        return Response("POST", path, raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    except (OSError, http.client.HTTPException) as exc:
        return Response("POST", path, None, error=exc)
    finally:
        conn.close()


def _counts() -> tuple[int, int, int]:
    with reading() as session:
        return tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Order, StockMovement, Event))


def test_200_orders_at_once_for_50_units(app, make_product, api_server):
    make_product(sku="SKU-RUSH", on_hand=ON_HAND)
    _row, token = create_token("web shop")
    db.session.commit()
    db.session.close()
    bodies = [{"customer": {"name": f"Shopper {i}", "email": f"shopper{i}@example.com"},
               "lines": [{"sku": "SKU-RUSH", "quantity": 1}],
               "fulfilment": {"address": f"{i} High Street\nLeeds LS1 1AA"}} for i in range(ORDERS)]
    sends = [(f"rush-{i}", bodies[i]) for i in range(ORDERS)] + [(f"rush-{i}", bodies[i]) for i in range(TWINS)]

    def fire():
        return at_once([lambda k=key, b=body: post_json(api_server.base_url, "/api/v1/orders", b, token, k)
                        for key, body in sends], timeout=300)

    started = time.monotonic()
    first = fire()
    took = time.monotonic() - started
    assert_no_server_errors(first, api_server)
    assert {r.status for r in first} <= {200, 201}, [r.brief() for r in first if r.status not in (200, 201)][:5]
    answers = [json.loads(r.body) for r in first]
    numbers = {key: a["number"] for (key, _body), a in zip(sends, answers, strict=True)}
    assert len(set(numbers.values())) == ORDERS and all(a["status"] == "confirmed" for a in answers)
    for i in range(TWINS):  # the twin sent at the same moment answered the same order
        assert answers[ORDERS + i]["number"] == answers[i]["number"]
    assert sum(a["lines"][0]["reserved"] for a in answers[:ORDERS]) == ON_HAND
    assert sum(a["lines"][0]["backordered"] for a in answers[:ORDERS]) == ORDERS - ON_HAND
    with reading() as session:
        assert session.execute(select(func.sum(OrderLine.qty_reserved))).scalar_one() == ON_HAND
        assert session.execute(select(func.sum(OrderLine.qty_backordered))).scalar_one() == ORDERS - ON_HAND
        product = session.execute(select(Product).where(Product.sku == "SKU-RUSH")).scalar_one()
        assert (product.on_hand, product.reserved) == (ON_HAND, ON_HAND)
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == ORDERS
    before = _counts()

    again = fire()
    assert_no_server_errors(again, api_server)
    assert {r.status for r in again} == {200}
    assert {key: json.loads(r.body)["number"] for (key, _b), r in zip(sends, again, strict=True)} == numbers
    assert _counts() == before
    print(f"\n{len(sends)} API orders at once: {took:.1f} s; the repeat: {time.monotonic() - started - took:.1f} s")
