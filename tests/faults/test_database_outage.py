"""Fault 2: the database unreachable for ten seconds while people work, then back.

During the outage every request is answered — a calm 503 page for a browser (the htmx message
for an htmx request), `application/problem+json` under /api/, each with `Retry-After` — never
a 500 and never a dropped connection. Afterwards the same workers (no restart) answer
normally at once, also after the connections were cut while nobody asked anything (a
database restart at night): dead pooled connections are noticed before use (`pool_pre_ping`)
and replaced.

What "unreachable" means on each database:
- PostgreSQL: the app reaches the database through a TCP proxy in the test, which is cut for
  ten seconds: open connections are shut and new ones closed as they arrive, as when the
  database host drops off the network.
- SQLite is a file, not a server: it cannot drop off the network, and its readers (WAL mode)
  keep reading whatever else happens. Its outage is another process holding the database's
  write lock for ten seconds (a stuck job, a bulk load, a restore). Writers wait their turn
  for DB_LOCK_WAIT_SECONDS (2 here, so the outage outlasts it several times) and then must
  get the 503; pages that only read still answer 200."""

import sqlite3
import time
from collections import Counter
from itertools import count

from sqlalchemy import make_url

from tests.conftest import PASSWORD
from tests.faults.conftest import TcpProxy, api_call, worker_pids
from tests.load.conftest import csrf_token, log_in_or_fail

OUTAGE_SECONDS = 10
READS = ("dashboard", "dashboard (htmx)", "api: product")
WRITES = ("log in", "api: place order")


class ProxyCut:
    """PostgreSQL behind a TCP proxy, cut for the outage; every request is refused."""

    refused = READS + WRITES

    def __init__(self, url):
        self.url = make_url(url)
        self.proxy = TcpProxy(self.url.host or "127.0.0.1", self.url.port or 5432)

    def server_env(self) -> dict:
        through = self.url.set(host="127.0.0.1", port=self.proxy.port)
        return {"DATABASE_URL": through.render_as_string(hide_password=False)}

    def begin(self):
        self.proxy.cut()

    def end(self):
        self.proxy.restore()

    def drop_idle(self):
        """Shut every connection while nobody asks anything (a database restart at night): the
        workers' pooled connections are dead and they do not know it."""
        self.proxy.cut()
        self.proxy.restore()

    def close(self):
        self.proxy.close()


class WriteLockHeld:
    """SQLite's write lock held by another connection (BEGIN IMMEDIATE) for the outage."""

    refused = WRITES

    def __init__(self, url):
        self.path = make_url(url).database
        self.connection = None

    def server_env(self) -> dict:
        return {"DB_LOCK_WAIT_SECONDS": "2"}

    def begin(self):
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def end(self):
        self.connection.execute("ROLLBACK")
        self.connection.close()

    def drop_idle(self):
        pass  # nothing between SQLite and the app to break

    def close(self):
        pass


def _probes(server, product_sku, token, customer_code):
    """Each request someone makes while the database is away: name → () → Response."""
    sales = server.browser()
    log_in_or_fail(sales, "sales", PASSWORD)
    stranger = server.browser()
    login_token = csrf_token(stranger.get("/login").text)

    def log_in():  # each time from the login page as it was (a login changes the session)
        visitor = server.browser()
        visitor.cookies = dict(stranger.cookies)
        return visitor.post("/login", {"username": "manager", "password": PASSWORD, "csrf_token": login_token})

    keys = count()
    order = {"customer": {"code": customer_code}, "lines": [{"sku": product_sku, "quantity": 1}],
             "fulfilment": {"method": "delivery"}}
    return {
        "dashboard": lambda: sales.get("/sales/"),
        "dashboard (htmx)": lambda: sales.get("/sales/", headers={"HX-Request": "true"}),
        "log in": log_in,
        "api: product": lambda: api_call(server, "GET", f"/api/v1/products/{product_sku}", token),
        "api: place order": lambda: api_call(server, "POST", "/api/v1/orders", token, order, key=f"k{next(keys)}"),
    }


def _assert_refused_calmly(name, response):
    assert response.status == 503, f"{name} during the outage: {response.brief()}"
    assert response.headers.get("retry-after"), f"{name}: 503 without Retry-After"
    if name.startswith("api:"):
        assert response.content_type.startswith("application/problem+json"), response.brief()
    elif name.endswith("(htmx)"):
        assert "unavailable" in response.text, response.brief()
    else:
        assert response.content_type.startswith("text/html") and "Please try again" in response.text, response.brief()


SUCCESS = {"dashboard": {200}, "dashboard (htmx)": {200}, "log in": {302, 303}, "api: product": {200},
           "api: place order": {201}}


def test_database_unreachable_for_ten_seconds(app, users, make_product, make_customer, api_token, live_server):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outage = ProxyCut(url) if url.startswith("postgresql") else WriteLockHeld(url)
    sku, code = make_product().sku, make_customer().code
    try:
        server = live_server(workers=2, **outage.server_env())
        probes = _probes(server, sku, api_token, code)
        workers_before = worker_pids(server)

        outage.begin()
        during, slowest, started = [], Counter(), time.monotonic()
        while time.monotonic() - started < OUTAGE_SECONDS:
            for name, probe in probes.items():
                asked = time.monotonic()
                during.append((name, probe()))
                slowest[name] = max(slowest[name], round(time.monotonic() - asked, 1))
        outage.end()
        after = [(name, probe()) for _ in range(3) for name, probe in probes.items()]
        outage.drop_idle()
        after += [(name, probe()) for _ in range(3) for name, probe in probes.items()]
    finally:
        outage.close()

    answered = Counter((name, r.status) for name, r in during)
    print(f"\ndatabase unreachable {OUTAGE_SECONDS}s ({type(outage).__name__}): {len(during)} requests during "
          f"the outage: {dict(answered)}, slowest answers (s) {dict(slowest)}; after: {dict(Counter((n, r.status) for n, r in after))}")
    broken = [r.brief() for _, r in during + after if r.status is None or r.status >= 500 and r.status != 503]
    assert not broken, "never a 500 or a dropped connection:\n" + "\n".join(broken) + server.log_summary()
    for name, response in during:
        if name in outage.refused:
            _assert_refused_calmly(name, response)
        else:
            assert response.status in SUCCESS[name], f"{name} during the outage: {response.brief()}"
    for name, response in after:
        assert response.status in SUCCESS[name], f"{name} after the outage: {response.brief()}"
    assert worker_pids(server) == workers_before, "a worker was restarted"
