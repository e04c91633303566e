"""The global audit log: every event, filtered, newest first, read a page at a time by id.

Events can be millions of rows, so nothing here counts them: pages are cut by id (keyset:
"older than #N", "newer than #N") and each filter is answered by an index
(migration 1003auditchain): actor, customer and kind prefix each with id; order and
created_at have their own.
"""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import false, or_, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.customers.models import Customer
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.orders.refs import parse_ref
from app.timeutil import utc_start_of

CUSTOMER_MATCHES = 200  # a customer name matching more than this many customers: the first ones


@dataclass
class LogFilter:
    user: str = ""  # username
    order: str = ""  # order number or DRAFT-<id>
    customer: str = ""  # customer code, or part of the name
    kind: str = ""  # prefix: "stock." or "order.hold"
    start: date | None = None  # business days, inclusive
    end: date | None = None

    def as_args(self) -> dict:
        """The filter as query arguments (empty ones left out)."""
        return {f.name: (v.isoformat() if isinstance(v, date) else v)
                for f in fields(self) if (v := getattr(self, f.name))}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _customer_ids(text: str):
    code = text.strip().upper()
    like = f"%{_escape_like(text.strip())}%"
    return (select(Customer.id).where(or_(Customer.code == code, Customer.name.ilike(like, escape="\\")))
            .order_by(Customer.id).limit(CUSTOMER_MATCHES))


def _order_id(text: str):
    ref = parse_ref(text)
    if ref is None:
        return None
    if ref.draft_id is not None:
        return ref.draft_id
    return db.session.execute(select(Order.id).where(Order.number == ref.number)).scalar()


def conditions(f: LogFilter) -> list:
    """The WHERE conditions for `f` (a filter that names nothing that exists matches nothing)."""
    where = []
    if f.user:
        actor = db.session.execute(select(User.id).where(User.username == f.user.strip().lower())).scalar()
        where.append(Event.actor_id == actor if actor is not None else false())
    if f.order:
        order_id = _order_id(f.order)
        where.append(Event.order_id == order_id if order_id is not None else false())
    if f.customer:
        ids = db.session.execute(_customer_ids(f.customer)).scalars().all()
        where.append(Event.customer_id.in_(ids) if ids else false())
    if f.kind:
        where.append(Event.kind.like(_escape_like(f.kind.strip()) + "%", escape="\\"))
    if f.start:
        where.append(Event.created_at >= utc_start_of(f.start))
    if f.end:
        where.append(Event.created_at < utc_start_of(f.end + timedelta(days=1)))
    return where


@dataclass
class LogPage:
    events: list[Event]
    newer: int | None  # ?after= for the page of newer events, if there are any
    older: int | None  # ?before= for the page of older events, if there are any


def _listed(where):
    return (select(Event).where(*where)
            .options(joinedload(Event.actor), joinedload(Event.order), joinedload(Event.customer)))


def log_page(f: LogFilter, *, before: int | None = None, after: int | None = None, per_page: int = 50) -> LogPage:
    """One page of the filtered log, newest first: the newest events, those just older than
    event `before`, or those just newer than event `after`."""
    where = conditions(f)
    if after is not None:
        rows = db.session.execute(_listed([*where, Event.id > after]).order_by(Event.id.asc())
                                  .limit(per_page + 1)).scalars().all()
        more_newer = len(rows) > per_page
        events = list(reversed(rows[:per_page]))
        return LogPage(events, events[0].id if more_newer and events else None,
                       events[-1].id if events else None)
    bound = [Event.id < before] if before is not None else []
    rows = db.session.execute(_listed([*where, *bound]).order_by(Event.id.desc())
                              .limit(per_page + 1)).scalars().all()
    events = rows[:per_page]
    newer = events[0].id if before is not None and events else None
    return LogPage(events, newer, events[-1].id if len(rows) > per_page else None)


def iter_log(f: LogFilter, chunk: int = 1000) -> Iterator[Event]:
    """Every event the filter finds, newest first, read `chunk` rows at a time."""
    where, before = conditions(f), None
    while True:
        bound = [Event.id < before] if before is not None else []
        rows = db.session.execute(_listed([*where, *bound]).order_by(Event.id.desc()).limit(chunk)).scalars().all()
        yield from rows
        if len(rows) < chunk:
            return
        before = rows[-1].id  # the identity map holds rows weakly: a long export keeps only a chunk
