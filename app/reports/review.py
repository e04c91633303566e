"""The manager's periodic review: where orders wait and what goes wrong, over a period,
compared with the period of equal length just before it.

Every figure comes from the event log (app/events), joined to the order tables only for
what an event does not carry (an order's channel and promised date, a revision's diff).
Queries are bounded by the period through `events.created_at` (indexed); medians and
percentiles are computed here over the rows of the period.

Definitions (the review page says them too):
- a stage ends with the event that leaves it (e.g. `order.start_pick` ends "confirmed →
  picking") and lasts from the order's status change just before; it counts in the
  period in which it ends. Draft → confirmed starts at `order.draft`.
- p90 is the nearest-rank 90th percentile: the smallest value with at least 90 % of the
  values at or below it.
- amendment and cancellation rates: of the orders confirmed in the period, the share
  amended / cancelled by the end of the period.
- on-time dispatch: dispatches (whole or part) and pickups made ready in the period on or
  before the order's promised date (in the business's time zone).
- short-pick rate: of the orders packed in the period, the share packed short.
"""

import math
import statistics
import time as time_module
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog.stock import last_stock_check
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.formatting import parse_day
from app.orders.amendments import HEADER_LABELS
from app.orders.lifecycle import TRANSITIONS
from app.orders.models import Order, Revision, SpecialRequest
from app.orders.states import CHANNEL_LABELS, CHANNELS
from app.reports.models import StoredReview
from app.timeutil import business_today, business_tz, local, utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 366
CONFLICT = "request.conflict"  # recorded by the request layer when a save lost a race

# (key, label, the event kinds that end the stage)
STAGES = (
    ("confirmation", "Draft → confirmed", ("order.submit",)),
    ("to_pick", "Confirmed → picking", ("order.start_pick",)),
    ("picking", "Picking → packed", ("order.pack",)),
    ("to_ship", "Packed → dispatched / ready", ("order.dispatch", "order.dispatch_part", "order.ready_for_pickup")),
    ("to_collect", "Ready → collected", ("order.collect", "order.collect_part")),
    ("to_deliver", "Dispatched → delivered", ("order.deliver",)),
)
STATUS_KINDS = ("order.draft", *(f"order.{name}" for name in TRANSITIONS))
OUT_KINDS = ("order.dispatch", "order.dispatch_part", "order.ready_for_pickup")
ERROR_SIGNALS = (
    ("checks_overridden", "Checks acknowledged and overridden", "order.flag_acknowledged"),
    ("price_overrides", "Prices overridden", "order.price_override"),
    ("conflicts", "Conflicting saves", CONFLICT),
    ("email_failures", "Emails failed", "mail.failed"),
    ("stock_corrections", "Stock count corrections", "stock.adjustment"),
)
CHANGE_KINDS = {"added": "Line added", "removed": "Line removed", "quantity": "Quantity changed",
                "status": "Cancelled", **HEADER_LABELS}


class PeriodInvalid(Refusal):
    """The period asked for cannot be reviewed; `errors` says why, per field (from, to)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of equal length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as stored (naive UTC) times: from its first local midnight to the one after it."""
        return _utc_midnight(self.start), _utc_midnight(self.end + timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=business_tz()).astimezone(UTC).replace(tzinfo=None)


def default_period(today: date | None = None) -> Period:
    """The last 90 days, ending yesterday (the business's today)."""
    today = today or business_today()
    return Period(today - timedelta(days=DEFAULT_DAYS), today - timedelta(days=1))


def _parse_day(text: str, name: str, errors: dict) -> date | None:
    try:
        return parse_day(text[:40])
    except ValueError as exc:
        errors[name] = f"“{text[:20]}” is not a date: {exc} (or YYYY-MM-DD)."
        return None


def parse_period(from_text: str, to_text: str, today: date | None = None) -> Period:
    """The period between two dates (as typed: the business's format or YYYY-MM-DD) (either left empty: the default's);
    raise PeriodInvalid with a message per field."""
    default = default_period(today)
    errors: dict[str, str] = {}
    start = _parse_day(from_text, "from", errors) if from_text.strip() else default.start
    end = _parse_day(to_text, "to", errors) if to_text.strip() else default.end
    if start and end:
        if start > end:
            errors["to"] = "The end of the period must be on or after its start."
        elif (end - start).days + 1 > MAX_DAYS:
            errors["to"] = f"A review covers at most {MAX_DAYS} days; this period has {(end - start).days + 1}."
    if errors:
        raise PeriodInvalid(errors)
    return Period(start, end)


# --- figures ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One line of the review: this period, the previous one, and the change."""

    section: str
    key: str
    label: str
    unit: str  # "count", "per_day", "percent" (0–100), "hours"
    value: float | None
    previous: float | None
    detail: str = ""  # what the figure is made of, e.g. "41 of 500"
    previous_detail: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


UNIT_NAMES = {"count": "", "per_day": "per day", "percent": "%", "hours": "hours"}


def number(value: float | None, unit: str) -> str:
    """A figure as the page, the PDF and the CSV show it (the unit is in the figure's name)."""
    if value is None:
        return ""
    if unit == "count":
        return str(round(value))
    return f"{value:.1f}"


def signed(value: float | None, unit: str) -> str:
    text = number(value, unit)
    return text if not text or text.startswith("-") else "+" + text


@dataclass
class Review:
    period: Period
    previous: Period
    figures: list[Figure]
    orders_per_day: dict[str, list[int]]  # channel → orders confirmed per day of the period
    stages: list[dict]  # {"label", "median", "p90", "count"} for this period
    kept: bool = False  # read back from a stored review (a closed period: its figures never change)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def sections(self) -> dict[str, list[Figure]]:
        grouped: dict[str, list[Figure]] = {}
        for f in self.figures:
            grouped.setdefault(f.section, []).append(f)
        return grouped


def median(values) -> float | None:
    return statistics.median(values) if values else None


def p90(values) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


# --- what happened in one period -----------------------------------------------------------

@dataclass
class Measures:
    """The raw facts of one period, from which its figures are read."""

    confirmed: dict[int, tuple[date, str]] = field(default_factory=dict)  # order id → (local day, channel)
    stage_hours: dict[str, list[float]] = field(default_factory=dict)
    out_on_time: int = 0
    out_counted: int = 0
    amended: set[int] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    drafts_cancelled: int = 0
    amendments: int = 0
    amendment_channels: Counter = field(default_factory=Counter)
    amendment_changes: Counter = field(default_factory=Counter)
    packed: set[int] = field(default_factory=set)
    packed_short: set[int] = field(default_factory=set)
    decided: int = 0
    approved: int = 0
    decision_hours: list[float] = field(default_factory=list)
    signals: Counter = field(default_factory=Counter)


def _in(period: Period):
    lo, hi = period.bounds()
    return Event.created_at >= lo, Event.created_at < hi


def _rows(period: Period, kinds, *columns):
    return db.session.execute(
        select(*columns).where(Event.kind.in_(kinds), *_in(period)).order_by(Event.created_at, Event.id)
    ).all()


def measure(period: Period) -> Measures:
    m = Measures()
    _confirmed(period, m)
    _stages(period, m)
    _on_time(period, m)
    _cohort_outcomes(period, m)
    _amendments(period, m)
    _short_picks(period, m)
    _requests(period, m)
    for key, _label, kind in ERROR_SIGNALS:
        m.signals[key] = len(_rows(period, (kind,), Event.id))
    return m


def _confirmed(period: Period, m: Measures) -> None:
    for order_id, at, channel in db.session.execute(
        select(Event.order_id, Event.created_at, Order.channel).join(Order, Order.id == Event.order_id)
        .where(Event.kind == "order.submit", *_in(period))
    ):
        m.confirmed[order_id] = (local(at).date(), channel)


def _stages(period: Period, m: Measures) -> None:
    ends = {kind: key for key, _label, kinds in STAGES for kind in kinds}
    ending = _rows(period, tuple(ends), Event.id, Event.order_id, Event.kind, Event.created_at)
    _lo, hi = period.bounds()
    history = defaultdict(list)
    for event_id, order_id, at in db.session.execute(
        select(Event.id, Event.order_id, Event.created_at)
        .where(Event.kind.in_(STATUS_KINDS), Event.created_at < hi,
               Event.order_id.in_(select(Event.order_id).where(Event.kind.in_(tuple(ends)), *_in(period))))
        .order_by(Event.created_at, Event.id)
    ):
        history[order_id].append((at, event_id))
    m.stage_hours = {key: [] for key, _label, _kinds in STAGES}
    for event_id, order_id, kind, at in ending:
        before = [t for t, i in history[order_id] if (t, i) < (at, event_id)]
        if before:
            m.stage_hours[ends[kind]].append(_hours(at - before[-1]))


def _on_time(period: Period, m: Measures) -> None:
    for at, promised in db.session.execute(
        select(Event.created_at, Order.promised_date).join(Order, Order.id == Event.order_id)
        .where(Event.kind.in_(OUT_KINDS), *_in(period))
    ):
        if promised is not None:
            m.out_counted += 1
            m.out_on_time += local(at).date() <= promised


def _cohort_outcomes(period: Period, m: Measures) -> None:
    """Which of the orders confirmed in the period were amended or cancelled by its end."""
    lo, hi = period.bounds()
    cohort = select(Event.order_id).where(Event.kind == "order.submit", *_in(period))
    for order_id, kind in db.session.execute(
        select(Event.order_id, Event.kind)
        .where(Event.kind.in_(("order.amended", "order.cancel")), Event.created_at >= lo,
               Event.created_at < hi, Event.order_id.in_(cohort))
    ):
        (m.amended if kind == "order.amended" else m.cancelled).add(order_id)
    m.drafts_cancelled = sum(1 for (before,) in _rows(period, ("order.cancel",), Event.before)
                             if (before or {}).get("status") == "draft")


def change_kind(change: dict) -> str:
    """What kind of change one line of a revision's diff is."""
    if change.get("what") == "line":
        return "added" if not change.get("before") else "removed" if not change.get("after") else "quantity"
    return change.get("what", "")


def _amendments(period: Period, m: Measures) -> None:
    made = {(order_id, (after or {}).get("revision"))
            for order_id, after in _rows(period, ("order.amended",), Event.order_id, Event.after)}
    m.amendments = len(made)
    if not made:
        return
    for revision in db.session.execute(
        select(Revision).where(Revision.order_id.in_({order_id for order_id, _ in made}), Revision.number > 1)
    ).scalars():
        if (revision.order_id, revision.number) in made:
            m.amendment_channels[revision.channel] += 1
            m.amendment_changes.update({change_kind(c) for c in revision.diff or []})


def _short_picks(period: Period, m: Measures) -> None:
    for order_id, kind in _rows(period, ("order.pack", "order.short_pick"), Event.order_id, Event.kind):
        (m.packed if kind == "order.pack" else m.packed_short).add(order_id)
    m.packed_short &= m.packed


def _requests(period: Period, m: Measures) -> None:
    """Requests decided in the period; the decision time from the request's own record
    (asked → decided), which is stamped when the person acted."""
    decided = {(after or {}).get("request"): (after or {}).get("status")
               for (after,) in _rows(period, ("order.special_request_decided",), Event.after)}
    m.decided = len(decided)
    m.approved = sum(1 for status in decided.values() if status == "approved")
    if decided:
        m.decision_hours = [_hours(decided_at - asked_at) for asked_at, decided_at in db.session.execute(
            select(SpecialRequest.created_at, SpecialRequest.decided_at)
            .where(SpecialRequest.id.in_(set(decided)), SpecialRequest.decided_at.is_not(None)))]


# --- the review ------------------------------------------------------------------------------

# --- closed periods, computed once --------------------------------------------------------

LAYOUT = 1  # the shape of a stored review's body: raise it when Review or Figure changes
SETTLE = timedelta(hours=1)  # a transaction still open at the period's end has committed by then


def closed(period: Period, now: datetime | None = None) -> bool:
    """Has `period` ended long enough ago that no event of it can still appear?"""
    return (now or utcnow()) >= period.bounds()[1] + SETTLE


def _to_body(review: Review) -> dict:
    return {"figures": [asdict(f) for f in review.figures], "orders_per_day": review.orders_per_day,
            "stages": review.stages}


def _from_body(period: Period, body: dict) -> Review:
    return Review(period, period.previous(), [Figure(**f) for f in body["figures"]],
                  body["orders_per_day"], body["stages"], kept=True)


def _kept(period: Period):
    return db.session.execute(
        select(StoredReview.body).where(StoredReview.period_start == period.start,
                                        StoredReview.period_end == period.end, StoredReview.layout == LAYOUT)
    ).scalar()


def stored_review(period: Period) -> Review:
    """The review of `period`: read back when it was kept after the period closed (the
    default period is, by housekeeping), else computed now. A read stores nothing."""
    kept = _kept(period) if closed(period) else None
    return _from_body(period, kept) if kept is not None else build_review(period)


def keep_review(period: Period) -> bool:
    """Compute and keep the review of a closed period (flushes; the caller commits; of two
    relays at once, the unique period keeps the first one's). False
    if the period is not over yet or its review is already kept."""
    if not closed(period) or _kept(period) is not None:
        return False
    started = time_module.perf_counter()
    review = build_review(period)
    try:
        with db.session.begin_nested():
            db.session.add(StoredReview(period_start=period.start, period_end=period.end, layout=LAYOUT,
                                        took_ms=int((time_module.perf_counter() - started) * 1000),
                                        body=_to_body(review)))
    except IntegrityError:
        return False
    return True


def review_task() -> str | None:
    """Housekeeping (hourly): the default period's review computed ahead of the manager, once
    the period has closed, so the page opens at once at any volume."""
    period = default_period()
    if keep_review(period):
        return f"review of {period.start:%d %b} – {period.end:%d %b %Y} computed and kept"
    return None


def build_review(period: Period) -> Review:
    """The review of `period` beside the period before it."""
    now, before = measure(period), measure(period.previous())
    figures = (_volume(period, now, before) + _stage_figures(now, before) + _rates(now, before)
               + _amendment_figures(now, before) + _error_figures(now, before))
    per_day = {channel: [0] * period.days for channel in CHANNELS}
    for day, channel in now.confirmed.values():
        per_day[channel][(day - period.start).days] += 1
    stages = [{"label": label, "median": median(now.stage_hours[key]), "p90": p90(now.stage_hours[key]),
               "count": len(now.stage_hours[key])} for key, label, _kinds in STAGES]
    return Review(period, period.previous(), figures, per_day, stages)


def _volume(period: Period, now: Measures, before: Measures) -> list[Figure]:
    section = "Orders"
    figures = [
        Figure(section, "orders", "Orders confirmed", "count", len(now.confirmed), len(before.confirmed)),
        Figure(section, "orders_per_day", "Orders confirmed per day", "per_day",
               len(now.confirmed) / period.days, len(before.confirmed) / period.days),
    ]
    for channel in CHANNELS:
        count = [sum(1 for _d, c in m.confirmed.values() if c == channel) for m in (now, before)]
        figures.append(Figure(section, f"orders_{channel}", f"Orders confirmed by {CHANNEL_LABELS[channel].lower()}",
                              "count", *count))
    return figures


def _stage_figures(now: Measures, before: Measures) -> list[Figure]:
    figures = []
    for key, label, _kinds in STAGES:
        for stat, name in ((median, "median"), (p90, "p90")):
            figures.append(Figure(
                "Time in each stage", f"{key}_{name}", f"{label}: {name} (hours)", "hours",
                stat(now.stage_hours[key]), stat(before.stage_hours[key]),
                f"{len(now.stage_hours[key])} orders", f"{len(before.stage_hours[key])} orders"))
    return figures


def _rate(key, label, parts) -> Figure:
    (part, whole), (old_part, old_whole) = parts
    return Figure("Rates", key, f"{label} (%)", "percent", percent(part, whole), percent(old_part, old_whole),
                  f"{part} of {whole}", f"{old_part} of {old_whole}")


def _rates(now: Measures, before: Measures) -> list[Figure]:
    def both(read):
        return [read(m) for m in (now, before)]
    return [
        _rate("on_time", "On-time dispatch / ready", both(lambda m: (m.out_on_time, m.out_counted))),
        _rate("amendment_rate", "Orders amended", both(lambda m: (len(m.amended), len(m.confirmed)))),
        _rate("cancellation_rate", "Orders cancelled", both(lambda m: (len(m.cancelled), len(m.confirmed)))),
        _rate("short_pick_rate", "Orders picked short", both(lambda m: (len(m.packed_short), len(m.packed)))),
        _rate("request_approval", "Special requests approved", both(lambda m: (m.approved, m.decided))),
        Figure("Rates", "request_decision_median", "Special request decision time: median (hours)", "hours",
               median(now.decision_hours), median(before.decision_hours)),
        Figure("Rates", "drafts_cancelled", "Drafts cancelled before confirming", "count",
               now.drafts_cancelled, before.drafts_cancelled),
    ]


def _amendment_figures(now: Measures, before: Measures) -> list[Figure]:
    section = "Amendments"
    figures = [Figure(section, "amendments", "Amendments made", "count", now.amendments, before.amendments)]
    for channel in CHANNELS:
        if now.amendment_channels[channel] or before.amendment_channels[channel]:
            figures.append(Figure(section, f"amendments_{channel}", f"Amendments by {CHANNEL_LABELS[channel].lower()}",
                                  "count", now.amendment_channels[channel], before.amendment_channels[channel]))
    for kind, label in CHANGE_KINDS.items():
        if now.amendment_changes[kind] or before.amendment_changes[kind]:
            figures.append(Figure(section, f"changed_{kind}", f"Amendments that changed: {label.lower()}",
                                  "count", now.amendment_changes[kind], before.amendment_changes[kind]))
    return figures


def _error_figures(now: Measures, before: Measures) -> list[Figure]:
    section = "Error signals"
    figures = [Figure(section, key, label, "count", now.signals[key], before.signals[key])
               for key, label, _kind in ERROR_SIGNALS]
    check = last_stock_check()
    figures.append(Figure(section, "stock_mismatches", "Products whose stock does not reconcile (last check)", "count",
                          check.mismatch_count if check else None, None))
    return figures


def csv_rows(review: Review) -> list[list[str]]:
    """The review as rows: section, figure, this period, previous period, change."""
    rows = [["section", "figure", "this period", "previous period", "change"]]
    for f in review.figures:
        rows.append([f.section, f.label, number(f.value, f.unit), number(f.previous, f.unit), signed(f.change, f.unit)])
    return rows
