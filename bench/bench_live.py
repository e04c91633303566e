"""Live handover benchmark: `.venv/bin/python -m bench.bench_live` from the worktree root.

The app runs under gunicorn (2 workers) against a fresh database: a temporary SQLite file,
or PostgreSQL when BENCH_DATABASE_URL is set (its schema is dropped and rebuilt!).

1. Latency: one HTTP client (a manager) starts picking 50 orders, one by one, at random
   moments; another client (fulfillment's dashboard on "Ready to pick") does exactly what
   the page does: it polls /live/feed with its cursor and topics at the page's interval
   and, when the feed names the "orders" topic, redraws the #queue region. Measured: from
   the change's response to the redrawn region no longer listing the order. Target p95 ≤ 2 s.
2. Idle cost: 100 simulated open dashboards poll at the page's interval (random phases) while
   nothing changes. The gunicorn processes' CPU time (from /proc) over a fixed window gives
   the CPU per idle poll and the share of one core. Target ≤ 10 % of a core.

Loopback only; every loop is bounded.
"""

import http.cookiejar
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

from tests.browser.conftest import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass"
CHANGES = 50
DASHBOARDS = 100
IDLE_WINDOW = 30.0
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
SINCE = re.compile(r'data-live-since="(\d+)"')


def prepare_database(url: str, orders: int) -> object:
    """Fresh schema by the migrations, two users, and `orders` confirmed orders."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.auth.services import create_user
    from app.catalog import services as stock
    from app.catalog.models import Product
    from app.config import Config
    from app.customers.models import Address, Customer
    from app.extensions import db
    from app.orders import services as order_services

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-secret")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        people = {r: create_user(r, PASSWORD, [r]) for r in ("manager", "fulfillment")}
        product = Product(sku="SKU-B001", name="Bench bolt", unit_price=Decimal("1.00"), bin_location="A-01-1")
        db.session.add(product)
        db.session.flush()
        stock.move_stock(product.id, "receipt", 100_000, "Bench stock")
        customer = Customer(code="B0001", name="Bench Ltd", email="b@example.com")
        customer.addresses.append(Address(label="Main", text="1 Bench Road", is_default=True))
        db.session.add(customer)
        numbers = []
        for _ in range(orders):
            order = order_services.create_draft(customer, channel="phone", actor=people["manager"])
            order_services.add_line(order, product, 1)
            order_services.submit_order(order, people["manager"])
            numbers.append(order.number)
        db.session.commit()
        app.config["BENCH_ORDERS"] = numbers
    return app


class Client:
    """A browser-like HTTP client: its own cookies, the htmx headers the page sends."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path, data=None, headers=None, timeout=10):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def log_in(self, username):
        _, html = self.request("/login")
        token = csrf(html)
        status, _ = self.request("/login", {"username": username, "password": PASSWORD, "csrf_token": token})
        assert status == 200, status


def csrf(html):
    match = CSRF.search(html)
    return match.group(1) or match.group(2)


class Dashboard:
    """What fulfillment's "Ready to pick" page does: poll, and redraw #queue when told."""

    PATH = "/fulfillment/?view=to_pick"

    def __init__(self, client: Client, interval: float):
        self.client, self.interval = client, interval
        status, html = client.request(self.PATH)
        assert status == 200
        self.cursor = min(int(c) for c in SINCE.findall(html))
        self.queue = html
        self.polls = 0

    def poll(self):
        """One poll; returns True if the queue was redrawn."""
        self.polls += 1
        status, body = self.client.request(f"/live/feed?since={self.cursor}&topics=orders,notifications",
                                           headers={"HX-Request": "true"})
        if status == 204:
            return False
        assert status == 200, status
        change = json.loads(body)
        if "orders" in change["topics"]:
            status, html = self.client.request(self.PATH, headers={"HX-Request": "true", "HX-Target": "queue"})
            assert status == 200 and html.lstrip().startswith('<div id="queue"')
            self.queue = html
            self.cursor = int(SINCE.search(html).group(1))
            return True
        self.cursor = change["head"]
        return False


def measure_latency(server, numbers, interval):
    manager, viewer = Client(server.url), Client(server.url)
    manager.log_in("manager")
    viewer.log_in("fulfillment")
    board = Dashboard(viewer, interval)
    changed_at, seen_at, stop = {}, {}, threading.Event()

    def watch():
        next_poll = time.monotonic() + random.random() * interval
        while not stop.is_set():
            time.sleep(max(0.0, next_poll - time.monotonic()))
            next_poll += interval
            if board.poll():
                now = time.monotonic()
                for number in list(changed_at):
                    if number not in seen_at and number not in board.queue:
                        seen_at[number] = now

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for number in numbers[:CHANGES]:
        time.sleep(random.uniform(0.3, 1.2))  # changes at random moments against the poll timer
        _, page = manager.request(f"/orders/{number}")
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        status, _ = manager.request(f"/orders/{number}/transition/start_pick",
                                    {"csrf_token": csrf(page), "version": version})
        assert status == 200, status
        changed_at[number] = time.monotonic()
    deadline = time.monotonic() + 10
    while len(seen_at) < len(changed_at) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    watcher.join(timeout=5)
    latencies = sorted(seen_at[n] - changed_at[n] for n in seen_at)
    return latencies, len(changed_at) - len(seen_at), board.polls


def process_cpu(pids) -> float:
    """User + system CPU seconds used so far by these processes (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / ticks


def server_pids(server):
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def measure_idle(server, interval):
    sessions = []
    for _ in range(4):  # a few real logins; 100 dashboards share them (the server's work is the same)
        client = Client(server.url)
        client.log_in("fulfillment")
        sessions.append(client)
    boards = [Dashboard(sessions[i % len(sessions)], interval) for i in range(DASHBOARDS)]
    counts = {"polls": 0, "redraws": 0, "errors": 0}
    lock, stop = threading.Lock(), threading.Event()
    window = {"start": None}

    def run(board):
        next_poll = time.monotonic() + random.random() * interval
        while not stop.is_set():
            time.sleep(max(0.0, next_poll - time.monotonic()))
            next_poll += interval
            try:
                redrawn = board.poll()
            except Exception:
                redrawn = None
            if window["start"] is not None and not stop.is_set():
                with lock:
                    counts["polls"] += 1
                    counts["redraws"] += bool(redrawn)
                    counts["errors"] += redrawn is None

    threads = [threading.Thread(target=run, args=(b,), daemon=True) for b in boards]
    for t in threads:
        t.start()
    time.sleep(interval * 2)  # every dashboard is polling
    pids = server_pids(server)
    cpu_before, window["start"] = process_cpu(pids), time.monotonic()
    time.sleep(IDLE_WINDOW)
    cpu_after, elapsed = process_cpu(pids), time.monotonic() - window["start"]
    stop.set()
    for t in threads:
        t.join(timeout=interval + 10)
    cpu = cpu_after - cpu_before
    return cpu, elapsed, counts


def main():
    from app.config import Config

    interval = Config.LIVE_POLL_SECONDS
    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = tempfile.TemporaryDirectory(prefix="bench-live-")
    url = url or f"sqlite:///{tmp.name}/bench.sqlite"
    print(f"bench_live: gunicorn -w 2, {url.split('://')[0].split('+')[0]}, page poll interval {interval:g} s, "
          f"{os.cpu_count()} cores")
    app = prepare_database(url, CHANGES)
    numbers = app.config["BENCH_ORDERS"]
    app.instance_path = tmp.name
    app.config["MAIL_FILE_DIR"] = tmp.name
    server = Gunicorn(app, workers=2, PAGE_SIZE=100).start()
    try:
        latencies, missed, polls = measure_latency(server, numbers, interval)
        p50, p95 = statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]
        print(f"latency: {len(latencies)} status changes seen by the other client, {missed} missed; "
              f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s (target p95 <= 2 s)")
        cpu, elapsed, counts = measure_idle(server, interval)
        per_poll = cpu / counts["polls"] * 1000 if counts["polls"] else float("nan")
        print(f"idle: {DASHBOARDS} dashboards, {counts['polls']} polls in {elapsed:.1f} s "
              f"({counts['polls'] / elapsed:.1f}/s, {counts['redraws']} redraws, {counts['errors']} errors); "
              f"server CPU {cpu:.2f} s = {per_poll:.2f} ms per idle poll, "
              f"{cpu / elapsed * 100:.1f}% of one core (target <= 10%)")
    finally:
        server.stop()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
