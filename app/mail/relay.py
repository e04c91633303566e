"""The mail relay: claims queued outbox messages, hands them to the transport, records the result.

Claiming. A relay claims a batch with one conditional UPDATE: rows that are `queued` and
due, or `sending` with an expired lease, become `sending` with this relay's claim token
and a lease (OUTBOX_LEASE_SECONDS). The UPDATE re-checks the condition on every row it
changes, so on PostgreSQL (row locks, READ COMMITTED re-check) and on SQLite (one writer
at a time) two relays never claim the same message. The claim is committed before
anything is sent, and the message is handed to the transport outside any write transaction
(nobody waits for the relay while a mail server takes its time); the outcome is written after.

Results. After the transport accepts a message, the row is marked `sent` only if it still
carries our claim token. A failure puts it back to `queued` with exponential backoff
(OUTBOX_BACKOFF_SECONDS doubling per attempt, capped at OUTBOX_BACKOFF_MAX_SECONDS); after
OUTBOX_MAX_ATTEMPTS, or when the server refuses it for good (5xx), it is `failed`, shown on
the order and on the manager's dashboard, and a person can queue it again.

Attachments. A confirmation is issued without its PDF (app/documents/deferred.py): before
sending, the relay renders it outside any transaction and stores the bytes in a short
transaction of its own (unless the document was opened, and so stored, first). A render
that fails is a failed attempt like any other, retried with backoff.

What is guaranteed.
- Never lost: a message is committed with the change that caused it, and it stays in the
  outbox until a transport has accepted it. SMTP down or a relay killed mid-send leaves it
  `queued` or `sending` with a lease; it is sent when the server is back or the lease runs out.
- Never sent twice by two relays, nor after a failure the server reported.
- The one window left: if a relay dies after the SMTP server has accepted a message and
  before the `sent` mark is committed (a few milliseconds, or an SMTP timeout that hides an
  accepted message), the message is sent again after the lease: at-least-once delivery, with
  the same Message-ID each time so mail clients can drop the duplicate. The `file` transport
  writes to a name fixed by the message, so with it delivery is exactly once.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.database import reading_only
from app.documents.deferred import keep_rendered, pending_render, render_deferred
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.mail.message import build_email
from app.mail.models import OutboxMessage
from app.mail.transports import PermanentFailure, transport_for
from app.settings.store import forget_saved
from app.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class RelayRun:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def claimable(now):
    """Due queued messages, and messages whose sender's lease ran out (a relay died)."""
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )


def claim_batch(limit: int) -> tuple[str, list[int]]:
    """Claim up to `limit` messages for this relay and commit; returns (token, ids)."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = select(OutboxMessage.id).where(claimable(now)).order_by(OutboxMessage.id).limit(limit)
    lease = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), claimable(now))
        .values(status="sending", claimed_by=token, lease_until=lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    ids = db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.claimed_by == token, OutboxMessage.status == "sending")
        .order_by(OutboxMessage.id)
    ).scalars().all()
    db.session.commit()
    return token, list(ids)


def _finish(message_id: int, token: str, **values) -> bool:
    """Write the outcome if we still hold the claim; commit. False if the lease was lost."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == token,
               OutboxMessage.status == "sending")
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def _record_failure(row, token: str, error: Exception, run: RelayRun) -> None:
    permanent = isinstance(error, PermanentFailure)
    text = f"{type(error).__name__}: {error}"[:1000]
    if permanent or row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        if _finish(row.id, token, status="failed", last_error=text):
            run.failed += 1
            _event("mail.failed", f"Email “{row.subject}” to {row.to_address} failed: {text}", row)
    elif _finish(row.id, token, status="queued", last_error=text, next_attempt_at=utcnow() + backoff(row.attempts)):
        run.retrying += 1


def _event(kind: str, summary: str, row, actor=None) -> None:
    """An event on the message's order (if it has one)."""
    record_event(kind, summary[:300], actor=actor, order=row.order)


def _render_attachment(message_id: int) -> None:
    """Render the message's document if it is still to be rendered: read its values, end the
    transaction, render with none open, then store the bytes in a short one (committed)."""
    with reading_only():
        document_id = db.session.scalar(select(OutboxMessage.document_id).where(OutboxMessage.id == message_id))
        pending = pending_render(document_id) if document_id else None
        db.session.rollback()
    if pending is None:
        return
    try:
        keep_rendered(db.session.connection(), document_id, render_deferred(pending.template, pending.context))
        db.session.commit()
    except Exception:  # noqa: BLE001  the send then fails for want of the PDF, and is retried
        log.exception("Rendering document %s for outbox message %s failed", document_id, message_id)
        db.session.rollback()


def _send(message_id: int, transport):
    """Hand the message to the transport inside a read-only transaction, ended before the
    outcome is written: while the mail server takes its time, no writer waits for the relay
    (on SQLite a write transaction would hold the database's one write lock). Returns the row
    (expired: re-read when the outcome is written) and the failure, if any."""
    with reading_only():
        row = db.session.get(OutboxMessage, message_id)
        try:
            transport.send(build_email(row), row)
            error = None
        except Exception as failure:  # noqa: BLE001  any failure is recorded on the message and retried
            log.warning("Outbox message %s to %s failed: %s", row.id, row.to_address, failure)
            error = failure
        db.session.rollback()
    return row, error


def _deliver(message_id: int, token: str, transport, run: RelayRun) -> None:
    row, error = _send(message_id, transport)
    if error is not None:
        _record_failure(row, token, error, run)
    else:
        if _finish(row.id, token, status="sent", sent_at=utcnow(), last_error=""):
            run.sent += 1
            _event("mail.sent", f"Email “{row.subject}” sent to {row.to_address}", row)
        else:
            log.error("Outbox message %s was sent but its claim had expired", row.id)
    db.session.commit()


def run_once(batch: int = 50, should_stop=lambda: False) -> RelayRun:
    """Send everything that is due now, batch by batch, then return what happened."""
    run = RelayRun()
    with transport_for(current_app.config) as transport:
        while not should_stop():
            token, ids = claim_batch(batch)
            if not ids:
                break
            for message_id in ids:
                _render_attachment(message_id)
                _deliver(message_id, token, transport, run)
                if should_stop():
                    break
    return run


def work(interval: float = 2.0, batch: int = 50, should_stop=lambda: False, echo=print,
         between=lambda echo: None) -> None:
    """The relay loop: drain the outbox, run `between` (the command passes the housekeeping that
    is due, app/housekeeping.py), wait `interval` seconds, repeat until told to stop."""
    while not should_stop():
        run = run_once(batch, should_stop)
        if run.sent or run.retrying or run.failed:
            echo(f"outbox: {run}")
        between(echo)
        db.session.remove()
        forget_saved()  # settings changed on /admin/settings apply from the next round
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.2, interval))


def retry_now(message: OutboxMessage, actor) -> OutboxMessage:
    """Queue a failed (or waiting) message again, due now; flushes, the caller commits."""
    if message.status not in ("failed", "queued"):
        raise Refusal("Only a failed or waiting email can be retried; this one is " + message.status + ".")
    message.status = "queued"
    message.next_attempt_at = utcnow()
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.attempts = 0
    _event("mail.retry", f"Email “{message.subject}” to {message.to_address} queued again by hand",
           message, actor)
    db.session.flush()
    return message
