"""Fault 1: a gunicorn worker killed with SIGKILL while orders are being submitted.

Clients place orders through the online channel (POST /api/v1/orders: draft, lines,
reservation, number, revision 1, confirmation PDF and email, events — one transaction) as
fast as two workers take them; once some have gone through, one worker is killed with
SIGKILL in the middle of a request and gunicorn starts another. Then:
- every order the server acknowledged (201) is complete: confirmed, every line as sent and
  reserved, revision 1, its events, its confirmation document and email;
- nothing is half written: no order without lines, no draft left by a cut request, stock held
  only by open orders, order numbers without a gap, ledger and reservations reconcile
  (`stock_mismatches()` is empty);
- a client that got no answer retries with the same Idempotency-Key and gets its order (made
  now, or the one that committed before the answer was lost), never a second one."""

import json
import os
import signal
import threading
import time
from collections import Counter
from itertools import count

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.catalog.stock import stock_mismatches
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.models import Order, OrderLine, Revision
from tests.faults.conftest import api_call, busy_worker, reading, wait_until, worker_pids

CLIENTS = 4
ORDERS = 12  # orders placed in all (one Idempotency-Key each)
KILL_AFTER = 3  # acknowledgements before the kill
MOST_KILLS = 4  # a worker caught between answering and closing cuts nothing: kill another then
PRODUCTS = 4


class OnlineShop:
    """Clients placing orders through the API, each order for its own customer (so no check
    against the customer's history holds one back for review)."""

    def __init__(self, server, token, skus, customers):
        self.server, self.token, self.skus, self.customers = server, token, skus, customers
        self.numbers = count()
        self.lock = threading.Lock()
        self.answers = {}  # Idempotency-Key → Response
        self.enough = threading.Event()

    def body(self, key: str) -> dict:
        n = int(key.rpartition("-")[2])
        return {"customer": {"code": self.customers[n]},
                "lines": [{"sku": self.skus[n % PRODUCTS], "quantity": 1 + n % 3},
                          {"sku": self.skus[(n + 1) % PRODUCTS], "quantity": 2}],
                "fulfilment": {"method": "delivery"}, "customer_reference": f"PO-{n}"}

    def place(self, key: str):
        return api_call(self.server, "POST", "/api/v1/orders", self.token, self.body(key), key=key)

    def client(self) -> None:
        while (n := next(self.numbers)) < ORDERS:
            key = f"order-{n}"
            response = self.place(key)
            with self.lock:
                self.answers[key] = response
                if sum(r.status == 201 for r in self.answers.values()) >= KILL_AFTER:
                    self.enough.set()

    def cut(self) -> bool:
        """Has a request gone unanswered (its worker killed under it)?"""
        with self.lock:
            return any(r.status is None for r in self.answers.values())


@pytest.fixture
def shop(make_product, make_customer):
    skus = [make_product(on_hand=1000).sku for _ in range(PRODUCTS)]
    customers = [make_customer().code for _ in range(ORDERS + 1)]
    return skus, customers


def test_worker_killed_during_submits(shop, api_token, live_server):
    server = live_server(workers=2, API_RATE_LIMIT="100000")
    shop = OnlineShop(server, api_token, *shop)
    clients = [threading.Thread(target=shop.client, daemon=True) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    assert shop.enough.wait(timeout=120), f"no {KILL_AFTER} orders acknowledged: {server.log_summary()}"
    victims = []
    while len(victims) < MOST_KILLS and not shop.cut():
        found = wait_until(lambda: busy_worker(server, [p for p in worker_pids(server) if p not in victims])
                           or not any(t.is_alive() for t in clients), 30, "a worker in the middle of a request",
                           step=0.005)
        if found is True:  # every order sent: no request left to cut
            break
        victims.append(found)
        os.kill(found, signal.SIGKILL)
        _settle(shop.cut, 2)  # the cut client hears of it at once (its connection closes unanswered)
    for thread in clients:
        thread.join(timeout=240)
    wait_until(lambda: len(worker_pids(server)) >= 2 + len(victims), 60,
               "gunicorn starts a worker in place of each killed one")
    victim = ", ".join(map(str, victims))

    answers = dict(shop.answers)
    statuses = Counter(r.status for r in answers.values())
    assert not [r for r in answers.values() if r.status is not None and r.status >= 500], statuses
    assert set(statuses) <= {201, None}, [r.brief() for r in answers.values() if r.status not in (201, None)]
    cut = sorted(key for key, r in answers.items() if r.status is None)
    acknowledged = {key: r for key, r in answers.items() if r.status == 201}
    assert cut, f"the kill of worker(s) {victim} cut no request (statuses {statuses}); the scenario proved nothing"

    # The clients whose request was cut try again with the same key; one more order afterwards.
    retried = {key: shop.place(key) for key in cut}
    assert {r.status for r in retried.values()} <= {200, 201}, [r.brief() for r in retried.values()]
    committed_unanswered = sum(r.status == 200 for r in retried.values())
    after = shop.place(f"order-{ORDERS}")
    assert after.status == 201, after.brief()

    with reading() as session:
        for key, response in {**acknowledged, **retried, f"order-{ORDERS}": after}.items():
            _assert_complete(session, json.loads(response.text), shop.body(key))
        half_written = _half_written(session)
        numbers = sorted(int(n.rpartition("-")[2]) for n in session.scalars(select(Order.number)))
        mismatches = stock_mismatches()
    print(f"\nworker(s) {victim} killed ({db.engine.dialect.name}): {len(answers)} orders sent, {len(acknowledged)} "
          f"acknowledged and complete, {len(cut)} cut by the kill ({committed_unanswered} had committed, "
          f"{len(cut) - committed_unanswered} had not; each retried once with its key), half-written {half_written}, "
          f"numbers 1..{numbers[-1]} without a gap: {numbers == list(range(1, len(numbers) + 1))}, "
          f"stock mismatches {len(mismatches)}")
    assert half_written == {}, half_written
    assert numbers == list(range(1, ORDERS + 2)), f"one order per key, numbered without a gap: {numbers}"
    assert mismatches == []


def _settle(condition, seconds: float) -> None:
    """Give `condition` up to `seconds` to come true (no failure if it does not)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def _assert_complete(session, body: dict, sent: dict) -> None:
    assert body["status"] == "confirmed", body
    order = session.scalars(select(Order).where(Order.number == body["number"])).one()
    assert order.status == "confirmed" and order.revision == 1, (order.number, order.status)
    want = Counter()
    for line in sent["lines"]:
        want[line["sku"]] += line["quantity"]
    assert Counter({line.sku: line.quantity for line in order.lines}) == want, order.number
    assert all(line.qty_reserved == line.quantity for line in order.lines), order.number
    assert session.scalar(select(func.count()).select_from(Revision).where(Revision.order_id == order.id)) == 1
    kinds = set(session.scalars(select(Event.kind).where(Event.order_id == order.id)))
    assert {"order.submit", "order.line_added"} <= kinds, (order.number, kinds)
    assert session.scalar(select(func.count()).select_from(Document).where(
        Document.order_id == order.id, Document.kind == "confirmation")) == 1, order.number
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.order_id == order.id)) == 1, order.number


def _half_written(session) -> dict:
    """Counts of what a cut request could have left behind (only the non-zero ones)."""
    no_lines = select(func.count()).select_from(Order).where(~Order.lines.any())
    drafts = select(func.count()).select_from(Order).where(Order.status == "draft")
    held_by_closed = (select(func.count()).select_from(OrderLine).join(Order)
                      .where(OrderLine.qty_reserved > 0, Order.status != "confirmed"))
    reserved = session.scalar(select(func.coalesce(func.sum(Product.reserved), 0)))
    held = session.scalar(select(func.coalesce(func.sum(OrderLine.qty_reserved), 0)))
    found = {"orders without lines": session.scalar(no_lines), "drafts": session.scalar(drafts),
             "stock held by no open order": session.scalar(held_by_closed),
             "reserved beyond lines": reserved - held}
    return {name: n for name, n in found.items() if n}
