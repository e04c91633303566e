"""Submit throughput: orders per second taken through the desk by concurrent sales reps.

Run: `BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python -m bench.bench_throughput`
(PostgreSQL with 1, 2 and 4 gunicorn workers, then SQLite with 1 and 2 for comparison);
without BENCH_DATABASE_URL, SQLite only.

Each worker count gets its own copy of the seeded demo database (bench/_served.py) and
gunicorn; CLIENTS reps (sessions of the demo user `sales`, logged in through the form, real
CSRF tokens) each loop over what the desk does: start a draft for a demo customer, add 10
lines one by one, open the review, acknowledge the checks it shows, submit. Submits that
finish inside the measured WINDOW count; the confirmation PDF and its email are whatever the
app does by default. Reported: orders/s per worker count, the ratio 2 workers / 1 (target
≥ 1.7 on PostgreSQL) and any failed steps (must be 0).
"""

import os
import random
import re
import sys
import threading
import time

from sqlalchemy import create_engine, text

from bench._served import VERSION_FIELD, Staff, seeded_database, serve, writable_copy

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
WINDOW = float(os.environ.get("BENCH_WINDOW", 30))
WARMUP = 5.0
LINES = 10
DRAFT_REF = re.compile(r"/sales/orders/(DRAFT-\d+)/")
FLAG_KEY = re.compile(r'name="key" (?:type="hidden" )?value="([^"]+)"')
NUMBER = re.compile(r"SO-\d{4}-\d{5,}")


def catalogue(url: str) -> tuple[list[int], list[str]]:
    """Customers with a default address, and the 200 active products with the most stock to spare."""
    engine = create_engine(url)
    with engine.connect() as conn:
        customers = conn.execute(text(
            "SELECT DISTINCT c.id FROM customers c JOIN addresses a ON a.customer_id = c.id "
            "WHERE a.is_default ORDER BY c.id LIMIT 50")).scalars().all()
        skus = conn.execute(text(
            "SELECT sku FROM products WHERE active ORDER BY on_hand - reserved DESC LIMIT 200")).scalars().all()
    engine.dispose()
    return customers, skus


class Rep:
    """One sales rep taking orders in a loop until told to stop."""

    def __init__(self, base, customers, skus, rng):
        self.staff = Staff(base).log_in("sales")
        self.customers, self.skus, self.rng = customers, skus, rng
        self.done, self.failures = [], []

    def step(self, what, status, body, expect=(200,)):
        if status not in expect:
            self.failures.append(f"{what}: HTTP {status} {body[:120]!r}")
            return False
        return True

    def version(self, html, ref):
        found = VERSION_FIELD.findall(html)
        if not found:
            _, html = self.staff.get(f"/sales/orders/{ref}/edit")
            found = VERSION_FIELD.findall(html)
        return max(map(int, found))

    def take_order(self) -> bool:
        s = self.staff
        status, page = s.request("/sales/orders/new", {"customer_id": self.rng.choice(self.customers),
                                                       "channel": "phone", "csrf_token": s.token})
        if not self.step("start draft", status, page):
            return False
        ref = DRAFT_REF.search(page).group(1)
        version = self.version(page, ref)
        for sku in self.rng.sample(self.skus, LINES):
            status, body = s.post(f"/sales/orders/{ref}/lines", {"version": version, "sku": sku, "quantity": 1})
            if not self.step("add line", status, body):
                return False
            version = self.version(body, ref)
        status, review = s.get(f"/sales/orders/{ref}/review")
        if not self.step("review", status, review):
            return False
        keys = FLAG_KEY.findall(review)
        if keys:
            status, body = s.request(f"/sales/orders/{ref}/flags/acknowledge-all",
                                     [("csrf_token", s.token), ("version", self.version(review, ref))]
                                     + [("key", k) for k in keys], headers={"X-CSRFToken": s.token})
            if not self.step("acknowledge checks", status, body):
                return False
            status, review = s.get(f"/sales/orders/{ref}/review")
        status, done = s.request(f"/sales/orders/{ref}/submit",
                                 {"csrf_token": s.token, "version": self.version(review, ref)})
        if not self.step("submit", status, done) or not NUMBER.search(done):
            self.failures.append(f"submit of {ref} did not confirm")
            return False
        return True

    def run(self, stop: threading.Event, window: dict):
        while not stop.is_set():
            try:
                ok = self.take_order()
            except Exception as exc:  # a dropped connection is a failure to report, not a crash
                self.failures.append(f"{type(exc).__name__}: {exc}")
                ok = False
            now = time.monotonic()
            if ok and window["start"] <= now <= window["end"]:
                self.done.append(now)


def measure(url: str, workers: int) -> dict:
    """Orders/s with `workers` gunicorn workers on a fresh copy of the seeded database."""
    copy, drop = writable_copy(url)
    customers, skus = catalogue(copy)
    server = None
    try:
        server = serve(copy, workers)
        reps = [Rep(server.url, customers, skus, random.Random(i)) for i in range(CLIENTS)]
        stop = threading.Event()
        start = time.monotonic() + WARMUP
        window = {"start": start, "end": start + WINDOW}
        threads = [threading.Thread(target=r.run, args=(stop, window), daemon=True) for r in reps]
        for t in threads:
            t.start()
        time.sleep(WARMUP + WINDOW)
        stop.set()
        for t in threads:
            t.join(timeout=120)
    finally:
        if server:
            server.stop()
        drop()
    orders = sum(len(r.done) for r in reps)
    failures = [f for r in reps for f in r.failures]
    return {"workers": workers, "orders": orders, "per_s": orders / WINDOW, "failures": failures}


def report(name: str, results: list[dict]) -> None:
    for r in results:
        print(f"  {name:10} -w {r['workers']}: {r['orders']:4d} orders in {WINDOW:g} s = {r['per_s']:.2f} orders/s, "
              f"{len(r['failures'])} failures{': ' + r['failures'][0] if r['failures'] else ''}", flush=True)
    base = results[0]["per_s"]
    for r in results[1:]:
        ratio = r["per_s"] / base if base else float("nan")
        target = " (target >= 1.7)" if r["workers"] == 2 and name == "postgresql" else ""
        print(f"  {name:10} {r['workers']} workers / 1 worker: {ratio:.2f}×{target}", flush=True)


def main():
    print(f"bench_throughput: {CLIENTS} concurrent sales reps, 10-line orders, {WINDOW:g} s window after "
          f"{WARMUP:g} s, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    runs = []
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        runs.append(("postgresql", seeded_database("demo"), (1, 2, 4)))
        os.environ.pop("BENCH_DATABASE_URL")
    try:
        runs.append(("sqlite", seeded_database("demo"), (1, 2)))
    finally:
        if pg:
            os.environ["BENCH_DATABASE_URL"] = pg
    for name, url, counts in runs:
        report(name, [measure(url, workers) for workers in counts])
    if not pg:
        print("  (PostgreSQL: set BENCH_DATABASE_URL=postgresql+psycopg://user:password@host/db)")
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
