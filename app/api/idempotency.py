"""`Idempotency-Key` on the API's POSTs: the answer to a key is kept (app/api/models.py
IdempotencyRecord, unique per token and key) in the same transaction as the work it
answers, so a key either did its work once and has its answer, or did nothing.

- same key, same request (method, path and the JSON body, key order and spacing aside):
  the first answer again, with 200 (an order: as it is now);
- same key, another request: 409;
- two requests with one key at the same moment: on SQLite writers take their turn (BEGIN
  IMMEDIATE), so the second finds the first's record; on PostgreSQL both may get past the
  lookup and do the work, but the unique constraint makes the second record wait for the
  first and then refuses it: the second rolls back everything it did and answers as a repeat.
Records are kept IDEMPOTENCY_KEEP_HOURS (at least 24) and then forgotten (housekeeping)."""

import hashlib
import json
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.api.models import IdempotencyRecord
from app.api.problems import Problem
from app.extensions import db
from app.timeutil import utcnow

KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces: UUIDs and the like
MIN_KEEP_HOURS = 24


def checked_key(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise Problem(400, "The Idempotency-Key header is required on this request: send a new random "
                           "value (e.g. a UUID) per order, and the same value when you retry it.")
    if not KEY_RE.fullmatch(raw.strip()):
        raise Problem(400, "The Idempotency-Key header must be 1 to 255 printable ASCII characters without spaces.")
    return raw.strip()


def request_hash(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def earlier(token_id: int, key: str, digest: str) -> IdempotencyRecord | None:
    """The record of an earlier request with this key, or None; 409 if it was another request."""
    record = db.session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key)).scalar_one_or_none()
    if record is not None and record.request_hash != digest:
        raise Problem(409, "This Idempotency-Key was used for a different request. Use a new key for a new "
                           "request; repeat a request only with exactly the same body.")
    return record


def remember(token_id: int, key: str, digest: str, status: int, body: dict, order_id: int | None) -> None:
    """Keep the answer beside the work it answers (flushes; IntegrityError if a twin got there first)."""
    db.session.add(IdempotencyRecord(token_id=token_id, key=key, request_hash=digest, status_code=status,
                                     response_body=json.dumps(body), order_id=order_id))
    db.session.flush()


def keep_hours() -> int:
    return max(MIN_KEEP_HOURS, int(current_app.config["IDEMPOTENCY_KEEP_HOURS"]))


def forget_old_keys() -> str | None:
    """Housekeeping: forget the answers older than IDEMPOTENCY_KEEP_HOURS (at least 24 h)."""
    cutoff = utcnow() - timedelta(hours=keep_hours())
    gone = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)).rowcount
    return f"{gone} old idempotency keys forgotten" if gone else None
