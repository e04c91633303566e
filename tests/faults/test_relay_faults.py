"""Faults 3 and 4: the mail relay (`flask --app wsgi outbox work`, a process of its own)
killed in the middle of sending, and the mail directory on a full filesystem.

3. An SMTP server (aiosmtpd) that counts deliveries per Message-ID holds its answer to the
   first message it receives: the message is in, the relay waits for "250". The relay is
   killed with SIGKILL there, and started again. Nothing is lost, and the one message that
   may arrive twice arrives with the same Message-ID (fixed when it was queued), so the
   recipient's mail client drops the copy. While the relay waits for the server it holds no
   lock that other writers wait for.
4. MAIL_TRANSPORT=file with MAIL_FILE_DIR on a tiny tmpfs filled to the last byte: every
   write fails with ENOSPC. The messages stay queued (not lost, not marked sent, no partial
   file left behind), the relay logs each failure and waits longer before each retry; once
   space is freed each is delivered exactly once."""

import asyncio
import errno
import os
import subprocess
import threading
import time
from collections import Counter
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.outbox import queue_email
from app.mail.transports import eml_name
from tests.faults.conftest import reading, wait_until
from tests.mail.conftest import free_port

MESSAGES = 4


def _queue(count: int) -> list[str]:
    """`count` emails in the outbox, committed; their Message-IDs."""
    ids = [queue_email(f"buyer{n}@example.com", f"Order confirmation {n}", f"Thank you for order {n}.").message_id
           for n in range(count)]
    db.session.commit()
    return ids


def _outbox() -> list[OutboxMessage]:
    with reading() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return rows


# --- 3. the relay killed mid-send ------------------------------------------------------------

class CountingMailbox:
    """aiosmtpd handler: deliveries per Message-ID; the answer to the first DATA waits for `release`."""

    def __init__(self):
        self.deliveries: Counter[str] = Counter()
        self.held: str | None = None
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message_id = message_from_bytes(envelope.content, policy=policy.default)["Message-ID"]
        self.deliveries[message_id] += 1
        if self.held is None:
            self.held = message_id
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def test_relay_killed_mid_send(app, relay, make_customer):
    queued = _queue(MESSAGES)
    mailbox = CountingMailbox()
    port = free_port()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    env = {"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_USE_TLS": "0",
           "MAIL_TIMEOUT": "30", "OUTBOX_LEASE_SECONDS": "2"}
    try:
        first = relay(**env)
        assert mailbox.holding.wait(90), f"the relay sent nothing:\n{first.output()}"
        started = time.monotonic()
        make_customer()  # someone saves something while the relay waits for the mail server
        waited = time.monotonic() - started
        first.kill()
        mailbox.release.set()
        assert not [row for row in _outbox() if row.is_sent], "marked sent by a relay killed before the 250"

        second = relay(**env)  # started again, as by its supervisor
        wait_until(lambda: all(row.is_sent for row in _outbox()), 90,
                   f"every message sent after the restart:\n{second.output()}")
    finally:
        server.stop()

    repeats = {message_id: n - 1 for message_id, n in mailbox.deliveries.items() if n > 1}
    print(f"\nrelay killed mid-send ({db.engine.dialect.name}): {len(queued)} queued, "
          f"{len(mailbox.deliveries)} delivered, {sum(repeats.values())} repeat(s), each with the same "
          f"Message-ID ({', '.join(repeats)}); a write during the send waited {waited:.2f}s")
    assert set(mailbox.deliveries) == set(queued), "a message lost, or sent with another Message-ID"
    assert repeats == {mailbox.held: 1}, f"only the message in flight may come twice: {dict(mailbox.deliveries)}"
    assert waited < 1, f"a write waited {waited:.1f}s for the relay talking to the mail server"


# --- 4. the mail directory full --------------------------------------------------------------

@pytest.fixture
def full_mail_dir(tmp_path):
    """A 64 KiB tmpfs filled to the last byte by one file ("filler"); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for a full filesystem needs root")
    mount = tmp_path / "mail"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        with open(mount / "filler", "wb", buffering=0) as filler:
            with pytest.raises(OSError) as full:
                while True:
                    filler.write(b"\0" * 4096)
        assert full.value.errno == errno.ENOSPC
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_mail_directory_full(app, relay, full_mail_dir):
    queued = _queue(3)
    worker = relay(MAIL_TRANSPORT="file", MAIL_FILE_DIR=str(full_mail_dir), OUTBOX_BACKOFF_SECONDS="1",
                   OUTBOX_BACKOFF_MAX_SECONDS="2", OUTBOX_MAX_ATTEMPTS="50")
    try:
        wait_until(lambda: all(row.attempts >= 2 and row.status == "queued" for row in _outbox()), 90,
                   f"every message failed twice on the full disk and waits to be tried again:\n{worker.output()}")
        while_full = _outbox()
        left_behind = sorted(path.name for path in full_mail_dir.iterdir() if path.name != "filler")
        log = worker.output()

        (full_mail_dir / "filler").unlink()
        wait_until(lambda: all(row.is_sent for row in _outbox()), 90,
                   f"every message sent once there is space:\n{worker.output()}")
    finally:
        worker.stop()  # before the tmpfs goes

    rows = _outbox()
    files = {path.name: message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"]
             for path in full_mail_dir.iterdir()}
    print(f"\nmail directory full ({db.engine.dialect.name}): {len(queued)} queued; while full: statuses "
          f"{dict(Counter(row.status for row in while_full))}, attempts {[row.attempts for row in while_full]}, "
          f"files left behind {left_behind}, failures logged {log.count('No space left on device')}; "
          f"after space came back: {sum(row.is_sent for row in rows)} sent, {len(files)} files")
    for row in while_full:  # queued again, with the reason, due a little later (backoff)
        assert row.sent_at is None and "No space left on device" in row.last_error, (row.id, row.last_error)
    assert left_behind == [], f"partial files left on the full disk: {left_behind}"
    assert "No space left on device" in log, f"the relay did not log the failure:\n{log}"
    assert files == {eml_name(row): row.message_id for row in rows}, "each message exactly once, under its own name"
