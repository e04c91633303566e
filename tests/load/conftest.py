"""The real server under load: gunicorn with several sync workers, started against the test
session's database, and plain HTTP clients (standard library only) that keep their own
cookies, scrape CSRF tokens from the pages and fire requests at the same moment.

The test process must never hold a database transaction while the server works: on SQLite
a write-mode BEGIN takes the database's write lock (BEGIN IMMEDIATE), on PostgreSQL the
event writers' advisory lock. Data is therefore set up and committed before the server
starts, and read back afterwards inside `reading()`, which ends its transaction."""

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from app.database import reading_only
from app.extensions import db
from tests.sales.conftest import new_draft  # noqa: F401  (the sales desk's draft factory, for these tests too)

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
SECRET_KEY = "load-test-secret-key-not-for-production"
START_TIMEOUT = 60  # seconds for gunicorn and its workers to import the app and answer
REQUEST_TIMEOUT = 90  # seconds per HTTP request (gunicorn's own worker timeout is 30)


def squash(text: str, chars: int = 300) -> str:
    """The first `chars` characters of a page with its white space collapsed."""
    return re.sub(r"\s+", " ", text).strip()[:chars]


def visible_text(text: str, chars: int = 300) -> str:
    """For an HTML page its title and the first `chars` characters of its text (of <main> if
    there is one, else of <body>); for anything else the text itself."""
    if "<html" not in text[:500].lower():
        return squash(text, chars)
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    body = re.search(r"<main\b[^>]*>(.*)", text, re.I | re.S) or re.search(r"<body\b[^>]*>(.*)", text, re.I | re.S)
    inner = re.sub(r"<(script|style)\b.*?</\1>", " ", body.group(1) if body else text, flags=re.I | re.S)
    words = squash(html.unescape(re.sub(r"<[^>]+>", " ", inner)), chars)
    return f"[{squash(title.group(1), 80) if title else ''}] {words}"


# --- HTTP ------------------------------------------------------------------------------------

@dataclass
class Response:
    """An HTTP answer, or (status None) a request that got none: reset, refused, timed out."""

    method: str
    path: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    history: list["Response"] = field(default_factory=list)  # the redirects that led here
    error: BaseException | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def chain(self) -> list["Response"]:
        return [*self.history, self]

    def brief(self, chars: int = 300) -> str:
        """Method, path, status, where it redirects, and the start of what the page says
        (an HTML page's <title> and its text, tags stripped)."""
        if self.status is None:
            return f"{self.method} {self.path} -> no answer: {self.error!r}"
        return f"{self.method} {self.path} -> {self.status} {self.location or ''} | {visible_text(self.text, chars)}"


class Browser:
    """One user agent: its own cookie jar (so its own login session), a new connection per
    request (gunicorn's sync workers close them anyway, and fresh connections spread the
    requests over the workers)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.base_url, self.host, self.port = base_url, parts.hostname, parts.port
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(self, method: str, path: str, data: dict | None = None, *, follow: bool = False,
                headers: dict | None = None) -> Response:
        response = self._once(method, path, data, headers or {})
        hops = []
        while follow and response.status in (301, 302, 303, 307, 308) and len(hops) < 10:
            hops.append(response)
            target = urljoin(self.base_url + path, response.location)
            path = urlsplit(target)._replace(scheme="", netloc="").geturl() or "/"
            if response.status in (307, 308):
                response = self._once(method, path, data, headers or {})
            else:
                method, data = "GET", None
                response = self._once("GET", path, None, headers or {})
        response.history = hops
        return response

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> Response:
        return self.request("POST", path, data or {}, **kw)

    def _once(self, method, path, data, headers) -> Response:
        try:
            return self._send(method, path, data, headers)
        except (OSError, http.client.HTTPException) as exc:
            return Response(method, path, None, error=exc)

    def _send(self, method, path, data, headers) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            send = {"Host": f"{self.host}:{self.port}", "Connection": "close",
                    "User-Agent": "orderdesk-load-test", **headers}
            with self._lock:
                if self.cookies:
                    send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if data is not None:
                body = urlencode(data, doseq=True).encode()
                send["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=send)
            raw = conn.getresponse()
            content = raw.read()
            self._keep_cookies(raw.msg.get_all("Set-Cookie") or [])
            return Response(method, path, raw.status, {k.lower(): v for k, v in raw.getheaders()}, content)
        finally:
            conn.close()

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            with self._lock:
                for name, morsel in jar.items():
                    expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                    if expired or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value

    # --- what a person does in the browser ---------------------------------------------------

    def log_in(self, username: str, password: str) -> Response:
        """GET the login page for its CSRF token, then POST the form (redirects not followed)."""
        page = self.get("/login")
        assert page.status == 200, page.brief()
        return self.post("/login", {"username": username, "password": password,
                                    "csrf_token": csrf_token(page.text)})


def log_in_or_fail(browser: Browser, username: str, password: str) -> Response:
    response = browser.log_in(username, password)
    assert response.status in (302, 303), f"{username} could not log in: {response.brief()}"
    return response


# --- scraping forms --------------------------------------------------------------------------

_INPUT_RE = re.compile(r"<input\b[^>]*>", re.I | re.S)
_ATTR_RE = re.compile(r'([\w:-]+)\s*(?:=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+)))?', re.S)


def _attrs(tag: str) -> dict[str, str]:
    inner = tag[tag.index(" "):] if " " in tag else ""
    return {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
            for m in _ATTR_RE.finditer(inner.rstrip("/>"))}


def csrf_token(page: str) -> str:
    """The page's CSRF token: a csrf_token input, else htmx's X-CSRFToken header, else a meta tag."""
    for tag in _INPUT_RE.findall(page):
        attrs = _attrs(tag)
        if attrs.get("name") == "csrf_token" and attrs.get("value"):
            return attrs["value"]
    match = re.search(r'"X-CSRFToken"\s*:\s*"([^"]+)"', page) or \
        re.search(r'<meta[^>]+name="csrf-token"[^>]+content="([^"]+)"', page)
    assert match, f"no CSRF token on the page: {squash(page)}"
    return match.group(1)


def form_fields(page: str, action_suffix: str) -> tuple[dict[str, str], bool]:
    """What the form whose action ends with `action_suffix` posts when its submit button is
    pressed (hidden and text inputs, checked radios and checkboxes, not disabled ones), and
    whether that button is disabled."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.I | re.S)
    for head, body in forms:
        action = _attrs("<form " + head).get("action", "")
        if not action.split("?")[0].endswith(action_suffix):
            continue
        fields = {}
        for tag in _INPUT_RE.findall(body):
            attrs = _attrs(tag)
            kind, name = attrs.get("type", "text").lower(), attrs.get("name")
            if not name or "disabled" in attrs or kind in ("submit", "button", "file", "image"):
                continue
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                continue
            fields[name] = attrs.get("value", "on" if kind in ("radio", "checkbox") else "")
        buttons = re.findall(r"<button\b([^>]*)>", body, re.I | re.S)
        submits = [_attrs("<button " + b) for b in buttons]
        submits = [b for b in submits if b.get("type", "submit").lower() == "submit"]
        disabled = bool(submits) and all("disabled" in b for b in submits)
        return fields, disabled
    raise AssertionError(f"no form posting to …{action_suffix} on the page: {squash(page)}")


# --- firing at once --------------------------------------------------------------------------

def at_once(jobs: list[Callable[[], Response]], timeout: float = 120) -> list[Response]:
    """Run every job in its own thread, all released at the same moment by a barrier.
    A job that raises gives a Response without status (listed as a failure), never a test error."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=60)
            results[i] = job()
        except BaseException as exc:  # noqa: BLE001  (a crash is a finding)
            results[i] = Response("?", f"job {i}", None, error=exc)

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    return [r if r is not None else Response("?", f"job {i}", None, error=TimeoutError("still running"))
            for i, r in enumerate(results)]


def in_parallel(jobs: list[Callable], workers: int = 8) -> list:
    """Preparation steps (logins, page loads) a few at a time, results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: job(), jobs))


def server_errors(results) -> list:
    """Every hop (redirects included) that got a 5xx or no answer at all."""
    return [hop for r in results for hop in r.chain() if hop.status is None or hop.status >= 500]


def assert_no_server_errors(results, server=None) -> None:
    """Fail listing every 5xx or unanswered request with its body's first 300 characters,
    and the tail of the server's log (where the tracebacks are)."""
    bad = server_errors(results)
    if not bad:
        return
    lines = [f"{len(bad)} of {len(results)} requests failed on the server:"]
    lines += [f"  {hop.brief()}" for hop in bad]
    if server is not None:
        lines.append(server.log_summary())
    pytest.fail("\n".join(lines), pytrace=False)


# --- the server --------------------------------------------------------------------------------

@contextmanager
def reading():
    """Read the database from the test without taking any writer's lock, then end the
    transaction so the server is never kept waiting."""
    db.session.rollback()
    db.session.expire_all()
    try:
        with reading_only():
            yield db.session
    finally:
        db.session.rollback()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn() -> list[str]:
    beside = Path(sys.executable).with_name("gunicorn")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]


class Server:
    def __init__(self, process: subprocess.Popen, base_url: str, log: Path):
        self.process, self.base_url, self.log = process, base_url, log

    def browser(self) -> Browser:
        return Browser(self.base_url)

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def log_summary(self, tail: int = 3000) -> str:
        """The exceptions the server logged (each distinct one with its count), then the log's tail."""
        log = self.log_tail(10_000_000)
        raised = Counter(m.group(0)[:300] for m in re.finditer(
            r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Timeout)\b.*$", log, re.M))
        lines = ["exceptions in the server log:"] + [f"  {n} x {line}" for line, n in raised.most_common()]
        return "\n".join([*(lines if raised else ["no exceptions in the server log"]),
                          f"server log (last {tail} characters):", log[-tail:]])

    def stop(self) -> None:
        """Stop gunicorn and its workers (its own process group), by force if need be."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)


@pytest.fixture
def live_server(app, tmp_path):
    """Start gunicorn (production Config, CSRF on) on the test database: call it once the
    test's data is committed; the server and its workers are stopped at teardown."""
    started: list[Server] = []

    def start(workers: int = WORKERS, **env_overrides: str) -> Server:
        db.session.commit()
        db.session.close()  # nothing of the test's may hold a lock while the server runs
        port = _free_port()
        instance = tmp_path / "server-instance"
        instance.mkdir(exist_ok=True)
        env = {**os.environ,
               "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "SECRET_KEY": SECRET_KEY,
               "INSTANCE_DIR": str(instance),
               "MAIL_TRANSPORT": "file",
               "MAIL_FILE_DIR": str(instance / "mail"),
               "SESSION_COOKIE_SECURE": "0",
               "PYTHONUNBUFFERED": "1",
               **env_overrides}  # e.g. DATABASE_URL through a proxy (tests/faults)
        log = tmp_path / f"gunicorn-{port}.log"
        hooks = tmp_path / "gunicorn_hooks.py"
        hooks.write_text(HOOKS)
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*_gunicorn(), "--config", str(hooks),
                 "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        server = Server(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
            if server.browser().get("/login").status == 200:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /login within {START_TIMEOUT}s:\n{server.log_tail()}")
            time.sleep(0.2)
        _wait_for_workers(server, workers, deadline)
        return server

    yield start
    for server in started:
        server.stop()


READY = "load-test: worker ready"
# A log line once a worker has loaded the app (gunicorn calls post_worker_init then), and no
# control socket (gunicorn 27 puts one in ~/.gunicorn, shared by every server on the host;
# older versions ignore the unknown setting).
HOOKS = f"""
control_socket_disable = True


def post_worker_init(worker):
    worker.log.info("{READY} (pid %s)", worker.pid)
"""


def _wait_for_workers(server: Server, workers: int, deadline: float) -> None:
    """Until every worker has loaded the app, so the first burst is spread over all of them."""
    while server.log_tail(1_000_000).count(READY) < workers:
        if time.monotonic() > deadline:
            pytest.fail(f"not all {workers} workers came up within {START_TIMEOUT}s:\n{server.log_tail()}")
        time.sleep(0.2)
