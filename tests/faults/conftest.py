"""Fault scenarios: the real server (gunicorn, tests/load/conftest.py) and the real mail relay
(`flask --app wsgi outbox work`) as processes of their own, and the faults done to them:
a worker killed with SIGKILL, the database cut off behind a TCP proxy, the relay killed in
the middle of an SMTP conversation, the mail directory on a full filesystem.

As in tests/load, the test process never holds a database transaction while a server or a
relay works: data is committed before they start and read back inside `reading()`."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.api.tokens import create_token
from app.extensions import db
from tests.load.conftest import ROOT, SECRET_KEY, Response, live_server, reading  # noqa: F401  (fixtures for these tests)

READY_RE = re.compile(r"load-test: worker ready \(pid (\d+)\)")


def worker_pids(server) -> list[int]:
    """Every worker that has come up, in the order they did, from the server's log."""
    return [int(pid) for pid in READY_RE.findall(server.log_tail(10_000_000))]


def busy_worker(server, pids: list[int]) -> int | None:
    """A worker in the middle of a request: it holds an accepted connection to the server's port
    (an ESTABLISHED socket in /proc/net/tcp whose inode is one of the worker's descriptors)."""
    port = int(server.base_url.rpartition(":")[2])
    serving = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
            serving.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            descriptors = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except OSError:  # the worker is gone, or closed a descriptor while we looked
            continue
        if descriptors & serving:
            return pid
    return None


def wait_until(condition, timeout: float, what: str, step: float = 0.2):
    """Poll `condition()` until it returns something true; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f}s: {what}", pytrace=False)
        time.sleep(step)


def api_call(server, method: str, path: str, token: str, body: dict | None = None, key: str = "") -> Response:
    """One request to the JSON API with the bearer token (and an Idempotency-Key for a POST);
    no answer (reset, refused) gives a Response without status."""
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key
    if body is not None:
        headers["Content-Type"] = "application/json"
    browser = server.browser()
    conn = http.client.HTTPConnection(browser.host, browser.port, timeout=90)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        raw = conn.getresponse()
        return Response(method, path, raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    except (OSError, http.client.HTTPException) as exc:
        return Response(method, path, None, error=exc)
    finally:
        conn.close()


@pytest.fixture
def api_token(app):
    """A token with every scope for the online channel's requests."""
    _row, token = create_token("fault scenarios")
    db.session.commit()
    return token


# --- the database cut off ----------------------------------------------------------------------

class TcpProxy:
    """A TCP relay in front of the database. While cut, every open connection is shut and new
    ones are closed as soon as they arrive, as when the database host drops off the network
    (and the app's driver sees "server closed the connection unexpectedly")."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, sink)

    def _drop(self, *sockets):
        with self.lock:
            self.sockets -= set(sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv on the other side
            except OSError:
                pass
            sock.close()

    def cut(self):
        self.up = False
        with self.lock:
            open_now = list(self.sockets)
        self._drop(*open_now)

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


# --- the mail relay as a process ---------------------------------------------------------------

class Relay:
    """`flask --app wsgi outbox work` against the test database, with its own log file."""

    def __init__(self, app, tmp_path: Path, **env: str):
        self.app, self.tmp_path, self.env = app, tmp_path, env
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / "relay.log"
        self.starts = 0

    def start(self) -> "Relay":
        db.session.commit()
        db.session.close()
        self.starts += 1
        env = {**os.environ, "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
               "SECRET_KEY": SECRET_KEY, "INSTANCE_DIR": str(self.tmp_path / "relay-instance"),
               "PYTHONUNBUFFERED": "1", **self.env}
        flask = Path(sys.executable).with_name("flask")
        with open(self.log, "ab") as out:
            out.write(f"--- relay start {self.starts}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [str(flask), "--app", "wsgi", "outbox", "work", "--interval", "0.2"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is committed or rolled back by the relay itself."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def relay(app, tmp_path):
    """relay(**env) → a started Relay; stopped at teardown."""
    started: list[Relay] = []

    def start(**env: str) -> Relay:
        started.append(Relay(app, tmp_path, **env).start())
        return started[-1]

    yield start
    for one in started:
        one.stop()
