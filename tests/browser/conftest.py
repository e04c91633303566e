"""Browser fixtures: the app served on a real port, and Debian's Chromium driven by Playwright.

Screenshots go to test-artifacts/screenshots/ so that people can look at them.
"""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1:<free port> in a thread, against the test database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def screenshot():
    """Save a screenshot under test-artifacts/screenshots/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=False):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return take


@pytest.fixture
def browser_login(live_server):
    """Log a Playwright page in as `username` through the real login form."""
    def login(page, username, password=PASSWORD):
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    return login


# --- the app under gunicorn (several worker processes), for live-update tests -----------

class Gunicorn:
    """`gunicorn -w N wsgi:app` on a free loopback port against the test database."""

    def __init__(self, app, workers=2, **env):
        import os
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, "SECRET_KEY": app.config["SECRET_KEY"],
                    "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "INSTANCE_DIR": app.instance_path, "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
                    **{k: str(v) for k, v in env.items()}}
        self.process = None

    def start(self, timeout=20):
        import subprocess
        import sys
        import time
        import urllib.request

        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=root, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/login", timeout=2).read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn exited: " + self.process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def gunicorn_server(app):
    """The app served by gunicorn with two workers (a subprocess) against the test database.

    Yields the `Gunicorn` handle: `.url`, `.stop()`, `.start()` (same port, for restarts).
    The test must commit what the server should see."""
    from app.extensions import db

    db.session.commit()
    server = Gunicorn(app).start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser):
    """Open more browser contexts (each its own cookies: one person each); closed at the end."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def log_in_at(page, base_url, username, password=PASSWORD):
    """Log a Playwright page in at `base_url` through the real login form."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
