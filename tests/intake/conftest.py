"""A real IMAP server for the order mailbox tests: Dovecot from Debian, started once per
session from a temporary folder with its own configuration (127.0.0.1 on a free port,
plain-text login without TLS, any user name with the password below, a maildir per user).
Each test gets a user of its own, so an empty mailbox; messages arrive by IMAP APPEND."""

import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.sales.conftest import desk  # noqa: F401  the intake tests use the sales desk client (a logged-in rep)

DOVECOT = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
PASSWORD = "mailbox-pass"
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> dict:
    """Who Dovecot's processes and the mail run as: the current user, or (as root, which
    Dovecot refuses for mail) the package's own users and nobody."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return {"login_user": me, "internal_user": me, "internal_group": me, "uid": os.getuid(), "gid": os.getgid()}
    nobody = pwd.getpwnam("nobody")
    known = {entry.pw_name for entry in pwd.getpwall()}
    login = "dovenull" if "dovenull" in known else "nobody"
    internal = "dovecot" if "dovecot" in known else "nobody"
    return {"login_user": login, "internal_user": internal, "internal_group": internal if internal != "nobody" else "nogroup",
            "uid": nobody.pw_uid, "gid": nobody.pw_gid}


@pytest.fixture(scope="session")
def dovecot():
    """(host, port) of a running throwaway Dovecot; stopped at the end of the session."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): the order mailbox tests need it")
    root = Path(tempfile.mkdtemp(prefix="orderdesk-imap-"))
    root.chmod(0o755)  # the mail processes run as another user when the tests run as root
    accounts = _accounts()
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", accounts["uid"], accounts["gid"])
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, password=PASSWORD, **accounts))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not start: {process.stdout.read().decode(errors='replace')} {log}")
            time.sleep(0.05)
    yield "127.0.0.1", port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(root, ignore_errors=True)


_users = itertools.count(1)


class Mailbox:
    """One user's INBOX on the test server: deliver messages, see which are still unseen."""

    def __init__(self, host, port, user):
        self.host, self.port, self.user = host, port, user

    def _open(self):
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, PASSWORD)
        imap.select("INBOX")
        return imap

    def deliver(self, *messages: bytes) -> None:
        imap = self._open()
        try:
            for raw in messages:
                status, data = imap.append("INBOX", None, None, raw)
                assert status == "OK", data
        finally:
            imap.logout()

    def uids(self, criterion="ALL") -> list[str]:
        imap = self._open()
        try:
            return imap.uid("SEARCH", None, criterion)[1][0].decode().split()
        finally:
            imap.logout()

    def mark_unseen(self, uid: str) -> None:
        imap = self._open()
        try:
            imap.uid("STORE", uid, "-FLAGS", "(\\Seen)")
        finally:
            imap.logout()


@pytest.fixture
def mailbox(app, dovecot, monkeypatch):
    """An empty mailbox of its own on the running Dovecot; the app's IMAP_* point at it."""
    host, port = dovecot
    box = Mailbox(host, port, f"orders{next(_users)}-{os.getpid()}")
    for key, value in {"IMAP_HOST": host, "IMAP_PORT": port, "IMAP_USER": box.user, "IMAP_PASSWORD": PASSWORD,
                       "IMAP_FOLDER": "INBOX", "IMAP_SSL": False}.items():
        monkeypatch.setitem(app.config, key, value)
    return box
