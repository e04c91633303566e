"""SLA rules: what is overdue raises an escalation by itself, exactly once per breach.

Each rule is one query over open things (by indexed columns) that returns the breaches not
escalated yet; every breach has a key (`rule:record[:what changed]`), and the escalations
table holds each key once (UNIQUE). A breach is inserted with INSERT ... ON CONFLICT DO
NOTHING (PostgreSQL and SQLite), so several runs at once, on several hosts, raise it once:
whoever inserts the row records the event and tells the teams; the others skip it.

| rule                | breached when (settings in app/config.py)                                   | team concerned |
|---------------------|-----------------------------------------------------------------------------|----------------|
| draft_unconfirmed   | a draft is older than SLA_DRAFT_UNCONFIRMED_HOURS business hours             | sales          |
| confirmation_unsent | the current revision was confirmed SLA_CONFIRMATION_UNSENT_MINUTES ago and the customer has not had it, or a notice (cancellation, new date, dispatch) has been owed that long | sales |
| request_undecided   | a pending special request is past its decision due: SLA_REQUEST_DECISION_HOURS business hours after it was added, or the start of its "needed by" day if that comes first | its owner team |
| not_picked          | a confirmed order, or one being picked, is promised within SLA_NOT_PICKED_DAYS business days | inventory if a line waits for stock, else fulfillment |
| email_failed        | the relay gave up on an order's email (SLA_EMAIL_FAILED)                     | sales          |

Business hours are BUSINESS_OPENS to BUSINESS_CLOSES on business days (weekdays that are
not public holidays: app/orders/promising.py). A setting of 0 (or off) turns its rule off.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import String, and_, case, cast, exists, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.escalations.models import Escalation
from app.escalations.services import announce
from app.extensions import db
from app.formatting import when
from app.mail.models import OutboxMessage
from app.orders.communications import owed_notices, revision_unconfirmed
from app.orders.models import Communication, Order, Revision, SpecialRequest
from app.orders.notices import NOTICES
from app.orders.promising import add_business_days, business_clock, is_business_day
from app.orders.queries import has_backorder
from app.orders.states import CLOSED_STATUSES
from app.timeutil import business_tz, local, utcnow

MAX_DAYS_BACK = 3660  # a calendar with no opening hours at all must not loop for ever


@dataclass(frozen=True)
class Breach:
    order_id: int
    key: str
    team: str
    reason: str


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    find: Callable[[datetime], list[Breach]]  # now (naive UTC) → breaches not escalated yet


# --- the business clock -------------------------------------------------------------------------

def business_hours_before(now: datetime, hours: float) -> datetime:
    """The moment (naive UTC) `hours` of opening time before `now` (naive UTC): a draft started
    then has waited `hours` business hours by `now`. Nights, weekends and holidays do not count."""
    tz, opens, closes = business_tz(), business_clock("BUSINESS_OPENS"), business_clock("BUSINESS_CLOSES")
    left = timedelta(hours=hours)
    moment = local(now)
    for _ in range(MAX_DAYS_BACK):
        day = moment.date()
        if is_business_day(day):
            start = datetime.combine(day, opens, tzinfo=tz)
            end = min(moment, datetime.combine(day, closes, tzinfo=tz))
            if end > start:
                if end - start >= left:
                    return _utc(end - left)
                left -= end - start
        moment = datetime.combine(day - timedelta(days=1), closes, tzinfo=tz)
    return _utc(moment)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


# --- the rules: one query each ------------------------------------------------------------------

def _key(rule: str, *parts):
    """SQL for a breach key, `rule:part:part` (the same text whichever database makes it)."""
    expr = literal(f"{rule}:", String)
    for n, part in enumerate(parts):
        expr = expr + (literal(":", String) if n else literal("", String)) + cast(part, String)
    return expr


def _not_escalated(key):
    return ~exists().where(Escalation.breach_key == key)


def _setting(name: str):
    return current_app.config[name]


def draft_unconfirmed(now: datetime) -> list[Breach]:
    hours = _setting("SLA_DRAFT_UNCONFIRMED_HOURS")
    key = _key("draft_unconfirmed", Order.id)
    rows = db.session.execute(
        select(Order.id, Order.created_at, key)
        .where(Order.status == "draft", Order.created_at <= business_hours_before(now, hours), _not_escalated(key))
    ).all()
    return [Breach(order_id, k, "sales", f"Draft DRAFT-{order_id}, started {when(created)}, is not confirmed "
                   f"after {hours:g} business hours.") for order_id, created, k in rows]


def confirmation_unsent(now: datetime) -> list[Breach]:
    minutes = _setting("SLA_CONFIRMATION_UNSENT_MINUTES")
    key = _key("confirmation_unsent", Order.id, Order.revision)
    rows = db.session.execute(
        select(Order.id, Order.number, Order.revision, Revision.created_at, key)
        .join(Revision, and_(Revision.order_id == Order.id, Revision.number == Order.revision))
        .where(revision_unconfirmed(), Revision.created_at <= now - timedelta(minutes=minutes), _not_escalated(key))
    ).all()
    return [Breach(order_id, k, "sales", f"The customer has not had the confirmation of {number} revision "
                   f"{revision}, confirmed {when(at)} (more than {minutes} minutes ago).")
            for order_id, number, revision, at, k in rows] + notices_unsent(now, minutes)


def notices_unsent(now: datetime, minutes: int) -> list[Breach]:
    """Notices owed (cancellation, new date, dispatch) for more than the same minutes: one breach each."""
    key = _key("confirmation_unsent", Communication.order_id, Communication.notice, Communication.id)
    rows = db.session.execute(
        owed_notices().with_only_columns(Communication.order_id, Order.number, Communication.notice,
                                         Communication.created_at, key)
        .join(Order, Order.id == Communication.order_id)
        .where(Communication.created_at <= now - timedelta(minutes=minutes), _not_escalated(key))
    ).all()
    return [Breach(order_id, k, "sales", f"The customer has not had the {NOTICES[notice].lower()} of {number}, "
                   f"owed since {when(at)} (more than {minutes} minutes ago).")
            for order_id, number, notice, at, k in rows]


def request_undecided(now: datetime) -> list[Breach]:
    hours = _setting("SLA_REQUEST_DECISION_HOURS")
    key = _key("request_undecided", SpecialRequest.id)
    rows = db.session.execute(
        select(SpecialRequest.order_id, SpecialRequest.owner_team, SpecialRequest.text, SpecialRequest.due_date,
               Order.number, key)
        .join(Order, Order.id == SpecialRequest.order_id)
        .where(SpecialRequest.status == "pending", SpecialRequest.not_promised.is_(False),
               Order.status.not_in(CLOSED_STATUSES),
               or_(SpecialRequest.created_at <= business_hours_before(now, hours),
                   SpecialRequest.due_date <= local(now).date()),
               _not_escalated(key))
    ).all()
    return [Breach(order_id, k, team, f"Special request on {number or f'DRAFT-{order_id}'} still undecided by "
                   f"{team}{f' (needed by {due:%d %b %Y})' if due else ''}: {text[:200]}")
            for order_id, team, text, due, number, k in rows]


def not_picked(now: datetime) -> list[Breach]:
    days = _setting("SLA_NOT_PICKED_DAYS")
    key = _key("not_picked", Order.id, Order.promised_date)
    team = case((has_backorder(), literal("inventory", String)), else_=literal("fulfillment", String))
    rows = db.session.execute(
        select(Order.id, Order.number, Order.promised_date, Order.status, team, key)
        .where(Order.status.in_(("confirmed", "picking")), Order.promised_date.is_not(None),
               Order.promised_date <= add_business_days(local(now).date(), days), _not_escalated(key))
    ).all()
    return [Breach(order_id, k, concerned, f"{number} is promised for {promised:%a %d %b %Y} and is not "
                   f"{'picked' if status == 'picking' else 'being picked'} yet"
                   f"{' (waiting for stock)' if concerned == 'inventory' else ''}.")
            for order_id, number, promised, status, concerned, k in rows]


def email_failed(_now: datetime) -> list[Breach]:
    key = _key("email_failed", OutboxMessage.id)
    rows = db.session.execute(
        select(OutboxMessage.order_id, OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.last_error, key)
        .where(OutboxMessage.status == "failed", OutboxMessage.order_id.is_not(None), _not_escalated(key))
    ).all()
    return [Breach(order_id, k, "sales", f"Email “{subject}” to {to} failed: {error[:200]}")
            for order_id, to, subject, error, k in rows]


RULES = {rule.key: rule for rule in (
    Rule("draft_unconfirmed", "Draft not confirmed", draft_unconfirmed),
    Rule("confirmation_unsent", "Confirmation not sent", confirmation_unsent),
    Rule("request_undecided", "Special request undecided", request_undecided),
    Rule("not_picked", "Not picked in time", not_picked),
    Rule("email_failed", "Email failed", email_failed),
)}
SETTINGS = {"draft_unconfirmed": "SLA_DRAFT_UNCONFIRMED_HOURS", "confirmation_unsent": "SLA_CONFIRMATION_UNSENT_MINUTES",
            "request_undecided": "SLA_REQUEST_DECISION_HOURS", "not_picked": "SLA_NOT_PICKED_DAYS",
            "email_failed": "SLA_EMAIL_FAILED"}


# --- raising -----------------------------------------------------------------------------------------

def raise_breach(rule: Rule, breach: Breach) -> Escalation | None:
    """Insert the breach's escalation unless its key is there already (another run, another
    host); only the run that inserted it records the event. None when it was there."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new_id = db.session.execute(
        insert(Escalation).values(order_id=breach.order_id, source="sla", rule=rule.key, breach_key=breach.key,
                                  team=breach.team, status="open", reason=breach.reason, created_at=utcnow(),
                                  resolution_note="")
        .on_conflict_do_nothing(index_elements=["breach_key"]).returning(Escalation.id)
    ).scalar_one_or_none()
    if new_id is None:
        return None
    escalation = db.session.get(Escalation, new_id)
    announce(escalation, f"{rule.label}: {breach.reason}")
    return escalation


def raise_breaches(now: datetime | None = None) -> dict[str, int]:
    """Escalate every breach of every rule that is switched on; how many were raised per rule."""
    now = now or utcnow()
    raised = {}
    for key, rule in RULES.items():
        if not _setting(SETTINGS[key]):
            continue
        raised[key] = sum(raise_breach(rule, breach) is not None for breach in rule.find(now))
    db.session.flush()
    return raised


def describe(raised: dict[str, int]) -> str:
    total = sum(raised.values())
    if not total:
        return f"no new breaches ({len(raised)} rules checked)."
    parts = ", ".join(f"{RULES[key].label.lower()} {n}" for key, n in raised.items() if n)
    return f"{total} escalation{'s' if total != 1 else ''} raised ({parts})."


def run_sla(now: datetime | None = None) -> str:
    """Check every SLA rule once and raise what is new: a one-line summary. Idempotent."""
    return describe(raise_breaches(now))


def housekeeping_task() -> str | None:
    """The relay loop's SLA check: a line only when something was raised."""
    raised = raise_breaches()
    return describe(raised) if any(raised.values()) else None
