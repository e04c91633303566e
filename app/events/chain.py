"""Tamper evidence for the event log: a hash chain, sealed after the fact.

Every sealed event has one row in `event_seals`:

    content_hash = sha256(canonical JSON of the event: id, created_at, actor_id, order_id,
                          customer_id, kind, summary, before, after)
    chain_hash   = sha256(previous seal's chain_hash + ":" + content_hash)   (GENESIS first)

`previous_event_id` names the event sealed just before (0 for the first) and is unique, so
the chain cannot fork. Canonical JSON has sorted keys and no spaces, times are UTC ISO
strings with microseconds, and numbers, text and nested JSON are read back from the
database, so the same row hashes the same on SQLite and PostgreSQL. `events` and
`event_seals` refuse UPDATE and DELETE (triggers, migration 1003auditchain); `verify_chain`
recomputes everything and names the first event that no longer matches.

Writers never wait for the chain: `record_event` only inserts. `seal_events` runs later
(housekeeping in the relay loop, or `flask --app wsgi audit seal`) and seals the next
unsealed events in id order, up to a horizon below which no event can still appear:

- an event is sealed only once it is `AUDIT_SEAL_SETTLE_SECONDS` old (its created_at), and
  sealing stops at the first event that is not, so later ones wait too;
- on PostgreSQL ids come from a sequence at INSERT and become visible at COMMIT, so a
  lower id may still commit after a higher one is visible. The sealer reads the
  sequence's last handed-out value L, then the transactions of this database that hold
  an xid (pg_stat_activity.backend_xid: they write), and waits (at most
  HORIZON_WAIT_SECONDS) until all of those have ended. Every id up to L was handed out
  to a transaction that had ended or already held its xid (an INSERT takes its id and
  its xid in the same statement: only one caught between the two, in the instant between
  those two reads, escapes this), so once those have ended every id up to L is
  committed or will never exist: L is the horizon. If one of them stays open longer,
  this run seals nothing. This needs no lock: writers run in parallel (app/database.py),
  and the sealer waits for none of them longer than that. It assumes the events id
  sequence hands out values one at a time (CACHE 1, the default) and that the app's
  sessions run as one database role (pg_stat_activity hides other roles' xids);
- on SQLite one writer commits at a time, and a reader sees only committed rows, so
  every visible event is below the horizon.

Two sealers at once: each computes the next links from the head it read; the seals' keys
(event_id, previous_event_id) are unique, so the slower one's insert fails, its savepoint
rolls back and it seals nothing this time.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.events.models import Event, EventSeal
from app.extensions import db
from app.timeutil import utcnow

GENESIS = "0" * 64
SEAL_BATCH = 5000
HORIZON_WAIT_SECONDS = 2.0
VERIFY_CHUNK = 5000
WAITING_COUNT_CAP = 10_000  # the "waiting" figure stops counting here (shown as 10,000+)

CONTENT = (Event.id, Event.created_at, Event.actor_id, Event.order_id, Event.customer_id,
           Event.kind, Event.summary, Event.before, Event.after)
_SEQUENCE = text("SELECT pg_get_serial_sequence('events', 'id')")
_WRITERS = (  # transactions of other sessions in this database that hold an xid (they write)
    "FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL "
    "AND pid <> pg_backend_pid()"
)
_FRESH_ACTIVITY = text("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is cached per transaction
_IN_FLIGHT = text(f"SELECT backend_xid::text {_WRITERS}")
_STILL_RUNNING = text(f"SELECT count(*) {_WRITERS} AND backend_xid::text = ANY(:xids)")


# --- hashing -------------------------------------------------------------------------------

def utc_iso(moment: datetime) -> str:
    """A stored time as the UTC ISO string the hash covers (naive times are UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def _plain(value):
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be part of an event")


def canonical(row) -> bytes:
    """The bytes an event's content hash covers."""
    content = {"id": row.id, "created_at": utc_iso(row.created_at), "actor_id": row.actor_id,
               "order_id": row.order_id, "customer_id": row.customer_id, "kind": row.kind,
               "summary": row.summary, "before": row.before, "after": row.after}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_plain).encode()


def content_hash(row) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def link(previous_chain_hash: str, content: str) -> str:
    return hashlib.sha256(f"{previous_chain_hash}:{content}".encode()).hexdigest()


# --- sealing -------------------------------------------------------------------------------

def _head() -> tuple[int, str]:
    """The last sealed event's id and chain hash, or (0, GENESIS)."""
    row = db.session.execute(select(EventSeal.event_id, EventSeal.chain_hash)
                             .order_by(EventSeal.event_id.desc()).limit(1)).first()
    return (row.event_id, row.chain_hash) if row else (0, GENESIS)


def _postgres_horizon(wait_seconds: float) -> int:
    """The highest event id that can no longer be preceded by a late commit (module docstring)."""
    sequence = db.session.execute(_SEQUENCE).scalar_one()
    last_value, is_called = db.session.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
    db.session.execute(_FRESH_ACTIVITY)
    writers = list(db.session.execute(_IN_FLIGHT).scalars())
    deadline = time.monotonic() + wait_seconds
    while writers:
        db.session.execute(_FRESH_ACTIVITY)
        if not db.session.execute(_STILL_RUNNING, {"xids": writers}).scalar_one():
            break
        if time.monotonic() >= deadline:
            return 0
        time.sleep(0.02)
    return last_value if is_called else 0


def seal_events(limit: int = SEAL_BATCH, settle_seconds: float | None = None,
                wait_seconds: float = HORIZON_WAIT_SECONDS) -> int:
    """Seal up to `limit` of the next unsealed events in id order; the number sealed.
    Flushes (in a savepoint); the caller commits."""
    settle = current_app.config["AUDIT_SEAL_SETTLE_SECONDS"] if settle_seconds is None else settle_seconds
    postgres = db.engine.dialect.name == "postgresql"
    horizon = _postgres_horizon(wait_seconds) if postgres else None
    head_id, chain = _head()
    stmt = select(*CONTENT).where(Event.id > head_id).order_by(Event.id).limit(limit)
    if horizon is not None:
        stmt = stmt.where(Event.id <= horizon)
    cutoff = utcnow() - timedelta(seconds=settle)
    seals, previous, sealed_at = [], head_id, utcnow()
    for row in db.session.execute(stmt):
        if row.created_at > cutoff:
            break  # too fresh: it and everything after it wait for the next run
        content = content_hash(row)
        chain = link(chain, content)
        seals.append({"event_id": row.id, "previous_event_id": previous, "content_hash": content,
                      "chain_hash": chain, "sealed_at": sealed_at})
        previous = row.id
    if not seals:
        return 0
    try:
        with db.session.begin_nested():
            db.session.execute(insert(EventSeal), seals)
    except IntegrityError:
        return 0  # another sealer extended the chain from the same head first
    return len(seals)


def seal_pending() -> str | None:
    """Housekeeping task: seal the next batch; a one-line summary, or None."""
    sealed = seal_events()
    return f"sealed {sealed} event(s) up to #{_head()[0]}" if sealed else None


# --- how far the seal has reached ---------------------------------------------------------

@dataclass
class SealStatus:
    head_id: int  # 0: nothing sealed yet
    head_at: datetime | None
    sealed: int | None  # None when not counted
    waiting: int  # events after the head, counted up to WAITING_COUNT_CAP
    head_hash: str

    @property
    def waiting_capped(self) -> bool:
        return self.waiting >= WAITING_COUNT_CAP


def seal_status(count_sealed: bool = False) -> SealStatus:
    head_id, head_hash = _head()
    head_at = db.session.execute(select(Event.created_at).where(Event.id == head_id)).scalar() if head_id else None
    after_head = select(Event.id).where(Event.id > head_id).limit(WAITING_COUNT_CAP).subquery()
    waiting = db.session.execute(select(func.count()).select_from(after_head)).scalar_one()
    sealed = db.session.execute(select(func.count(EventSeal.event_id))).scalar_one() if count_sealed else None
    return SealStatus(head_id, head_at, sealed, waiting, head_hash)


def is_sealed(event_id: int) -> EventSeal | None:
    return db.session.get(EventSeal, event_id)


# --- verifying -----------------------------------------------------------------------------

@dataclass
class Verdict:
    sealed: int
    head_id: int
    head_at: datetime | None
    head_hash: str
    waiting: int
    problem: str | None = None
    problem_event_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def describe(row) -> str:
    return f"event #{row.id} ({row.kind}, {utc_iso(row.created_at)[:19].replace('T', ' ')} UTC)"


def _event_named(event_id: int) -> str:
    row = db.session.execute(select(*CONTENT).where(Event.id == event_id)).first()
    return describe(row) if row else f"event #{event_id}"


def _walk_seals() -> tuple[int, int, str, tuple[int, str] | None]:
    """Recompute the chain seal by seal: (seals read, last good event id, its chain hash,
    first problem as (event id, message) or None)."""
    count, previous_id, chain = 0, 0, GENESIS
    while True:
        rows = db.session.execute(
            select(EventSeal.event_id, EventSeal.previous_event_id, EventSeal.content_hash.label("sealed_content"),
                   EventSeal.chain_hash, *CONTENT)
            .select_from(EventSeal).outerjoin(Event, Event.id == EventSeal.event_id)
            .where(EventSeal.event_id > previous_id).order_by(EventSeal.event_id).limit(VERIFY_CHUNK)
        ).all()
        if not rows:
            return count, previous_id, chain, None
        for row in rows:
            if row.previous_event_id != previous_id:
                gone = row.previous_event_id if row.previous_event_id > previous_id else row.event_id
                return count, previous_id, chain, (gone, (
                    f"{_event_named(gone)} is missing from the chain: the seal of event #{row.event_id} "
                    f"follows #{row.previous_event_id}, the seal before it is #{previous_id}"))
            if row.id is None:
                return count, previous_id, chain, (row.event_id, (
                    f"event #{row.event_id} was sealed and has been deleted"))
            if content_hash(row) != row.sealed_content:
                return count, previous_id, chain, (row.id, f"{describe(row)} does not match its seal")
            if link(chain, row.sealed_content) != row.chain_hash:
                return count, previous_id, chain, (row.id, (
                    f"the seal of {describe(row)} has been changed (its chain hash does not follow from the one before)"))
            count, previous_id, chain = count + 1, row.id, row.chain_hash


def verify_chain() -> Verdict:
    """Recompute the sealed chain; the first problem (lowest event id) if any."""
    count, good_id, good_hash, problem = _walk_seals()
    head_id = _head()[0]
    # an event among the sealed ones that has no seal: inserted afterwards, or committed late
    limit_id = problem[0] if problem else head_id
    stray = db.session.execute(
        select(*CONTENT).outerjoin(EventSeal, EventSeal.event_id == Event.id)
        .where(Event.id < limit_id, EventSeal.event_id.is_(None)).order_by(Event.id).limit(1)
    ).first()
    if stray is not None:
        problem = (stray.id, f"{describe(stray)} is not in the sealed chain although later events are")
    waiting = db.session.execute(select(func.count(Event.id)).where(Event.id > head_id)).scalar_one()
    head_at = db.session.execute(select(Event.created_at).where(Event.id == good_id)).scalar() if good_id else None
    verdict = Verdict(count, good_id, head_at, good_hash, waiting)
    if problem:
        verdict.problem_event_id, verdict.problem = problem
    return verdict
