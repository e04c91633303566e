"""Shared by the benchmarks that drive the app over HTTP under gunicorn (pages, load, throughput).

- `seeded_database(label, size)`: a database holding `flask seed-demo` data, built by the
  real commands once and kept: SQLite files under instance/bench/, or on PostgreSQL (when
  BENCH_DATABASE_URL is set) a database named after it with the label appended. A re-run
  reuses it (after `flask db upgrade heads`); BENCH_RESEED=1 builds it again.
- `writable_copy(url)`: a throwaway copy of such a database for benchmarks that write.
- `serve(url, workers)`: gunicorn against a database (tests/browser/conftest.py's `Gunicorn`).
- `Staff`: an HTTP client with its own cookies that logs in through the real form (CSRF).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.bench_live import Client, csrf
from bench.common import TIMING_RE
from tests.browser.conftest import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "instance" / "bench"
SECRET = "bench-secret"
DEMO_PASSWORD = "demo"
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')


def year_size() -> dict:
    """The year's size: BENCH_ORDERS, BENCH_CUSTOMERS, BENCH_PRODUCTS (defaults: the issue's year)."""
    return {"orders": int(os.environ.get("BENCH_ORDERS", 100_000)),
            "customers": int(os.environ.get("BENCH_CUSTOMERS", 5_000)),
            "products": int(os.environ.get("BENCH_PRODUCTS", 20_000))}


def want_year() -> bool:
    """BENCH_YEAR=0 skips the 100,000-order database (a quick run)."""
    return os.environ.get("BENCH_YEAR", "1") != "0"


def dialect() -> str:
    return "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite"


def _flask(url: str, *args, check=True):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "MAIL_FILE_DIR": str(CACHE / "mail")}
    return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=check)


def _seed(url: str, size: dict | None) -> None:
    """The schema by the migrations, then `seed-demo` (with the size options for a year)."""
    _flask(url, "db", "upgrade", "heads")
    options = [] if size is None else ["--orders", str(size["orders"]), "--customers", str(size["customers"]),
                                       "--products", str(size["products"])]
    done = _flask(url, "seed-demo", *options, check=False)
    if done.returncode and "No such option" in done.stderr:  # before `seed-demo --orders` existed
        code = ("from app import create_app; from app.demo import seed; from app.extensions import db; "
                "app = create_app(); ctx = app.app_context(); ctx.push(); "
                f"seed(order_count={size['orders']}, customers={size['customers']}, products={size['products']}); "
                "db.session.commit()")
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "MAIL_FILE_DIR": str(CACHE / "mail")}
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"seed-demo failed:\n{done.stderr[-3000:]}")


def _admin_engine(url: str):
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _pg_exists(admin, name: str) -> bool:
    with admin.connect() as conn:
        return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None


def _pg_drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seeded_database(label: str, size: dict | None = None) -> str:
    """The URL of a database seeded with the demo (`size` None) or a demo of `size`; cached."""
    base = os.environ.get("BENCH_DATABASE_URL")
    reseed = os.environ.get("BENCH_RESEED") == "1"
    if base:
        name = f"{make_url(base).database}_{label}"
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        admin = _admin_engine(base)
        if reseed or not _pg_exists(admin, name):
            partial = f"{name}_partial"
            _pg_drop(admin, partial)
            _pg_drop(admin, name)
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{partial}"'))
            _seed(make_url(url).set(database=partial).render_as_string(hide_password=False), size)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
        admin.dispose()
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"{label}.sqlite"
        url = f"sqlite:///{path}"
        if reseed or not path.exists():
            partial = CACHE / f"{label}.partial.sqlite"
            partial.unlink(missing_ok=True)
            _seed(f"sqlite:///{partial}", size)
            partial.rename(path)
    _flask(url, "db", "upgrade", "heads")  # a cached database follows later migrations
    return url


def writable_copy(url: str) -> tuple[str, object]:
    """A copy of a seeded database to write into, and a function that removes it."""
    if url.startswith("sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="bench-copy-"))
        shutil.copy(make_url(url).database, folder / "bench.sqlite")
        return f"sqlite:///{folder / 'bench.sqlite'}", lambda: shutil.rmtree(folder, ignore_errors=True)
    source = make_url(url)
    name = f"{source.database}_copy_{uuid.uuid4().hex[:6]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))

    def drop():
        _pg_drop(admin, name)
        admin.dispose()
    return source.set(database=name).render_as_string(hide_password=False), drop


def serve(url: str, workers: int = 2) -> Gunicorn:
    """gunicorn with `workers` workers against `url`, started (stop it with `.stop()`)."""
    folder = tempfile.mkdtemp(prefix="bench-served-")
    app = SimpleNamespace(instance_path=folder, config={"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                                                        "MAIL_FILE_DIR": f"{folder}/mail"})
    return Gunicorn(app, workers=workers).start(timeout=180)  # a busy machine starts slowly


class Staff(Client):
    """One member of staff's browser: its cookies, the CSRF token of its session, and the
    app's own time (Server-Timing, ms) of the last answer."""

    last_server_ms = float("nan")

    def request(self, path, data=None, headers=None, timeout=30):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            response = self.opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            timing = TIMING_RE.search(response.headers.get("Server-Timing", ""))
            self.last_server_ms = float(timing.group(1)) if timing else float("nan")
            return response.status, response.read().decode()

    def log_in(self, username, password=DEMO_PASSWORD):
        _, html = self.request("/login")
        status, page = self.request("/login", {"username": username, "password": password, "csrf_token": csrf(html)})
        assert status == 200 and 'name="password"' not in page, f"{username} could not log in ({status})"
        self.token = csrf(page)
        return self

    def get(self, path, target=None, timeout=30):
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        return self.request(path, headers=headers, timeout=timeout)

    def post(self, path, data=None, htmx=True):
        headers = {"X-CSRFToken": self.token, **({"HX-Request": "true"} if htmx else {})}
        return self.request(path, {"csrf_token": self.token, **(data or {})}, headers=headers)


def sample(url: str) -> dict:
    """Real records to ask for: an open order, a product, a customer, and words to search."""
    engine = create_engine(url)
    with engine.connect() as conn:
        one = lambda sql: conn.execute(text(sql)).first()  # noqa: E731
        order = one("SELECT number FROM orders WHERE status = 'confirmed' AND number IS NOT NULL ORDER BY id DESC LIMIT 1")
        product = one("SELECT p.sku, p.name FROM products p JOIN order_lines l ON l.product_id = p.id "
                      "ORDER BY l.id DESC LIMIT 1")
        customer = one("SELECT c.code, c.name FROM customers c JOIN orders o ON o.customer_id = c.id "
                       "ORDER BY o.id DESC LIMIT 1")
        draft = one("SELECT id FROM orders WHERE status = 'draft' ORDER BY id DESC LIMIT 1")
    engine.dispose()
    return {"order": order.number, "sku": product.sku, "product_word": product.name.split()[0],
            "customer": customer.code, "customer_word": customer.name.split()[0],
            "draft": f"DRAFT-{draft.id}" if draft else None}
