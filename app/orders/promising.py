"""The promised date: computed from the calendar and the stock, never typed.

Rules (all times business-local, days are business days: Monday to Friday except the
public holidays of BUSINESS_COUNTRY / BUSINESS_SUBDIVISION from the `holidays` library, and
the EXTRA_CLOSED_DAYS; every one a setting, app/settings/store.py):

- An order placed on a business day before ORDER_CUTOFF is processed that day; after the
  cut-off, or on a weekend or holiday, it is processed on the next business day.
- A line whose stock is in the building is ready on the processing day. A line (or part
  of one) on backorder is ready `product.lead_time_days` business days after it.
- Delivery: a line arrives DELIVERY_LEAD_DAYS business days after it is ready.
  Pickup: a line is ready to collect PICKUP_READY_HOURS after it is ready (not before the
  business opens, and moved to the next business day if that is after closing).
- The order's date is its latest line's. If the customer accepts a split, the order is
  promised for its first part and every line carries its own date.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from app.events.services import record_event
from app.settings.store import setting
from app.timeutil import business_tz, local, utcnow


@dataclass(frozen=True)
class LinePromise:
    sku: str
    description: str
    quantity: int
    short: int  # units that wait for stock (backorder)
    ready_by: datetime  # business-local: goods packed and ready to leave or be collected
    date: date  # delivery date, or the pickup date


@dataclass(frozen=True)
class Promise:
    method: str
    date: date  # what Order.promised_date holds
    complete_by: date  # when the last line arrives or can be collected
    ready_by: datetime | None  # pickup only: business-local date and time
    lines: tuple[LinePromise, ...]
    split: bool  # the order goes in parts on different dates
    processed_on: date  # the business day the order is picked (after the cut-off: the next)

    @property
    def waits_for_stock(self) -> bool:
        return any(line.short for line in self.lines)

    @property
    def ready_by_utc(self) -> datetime | None:
        """`ready_by` as naive UTC, the form the database stores."""
        if self.ready_by is None:
            return None
        return self.ready_by.astimezone(UTC).replace(tzinfo=None)


def business_clock(name: str) -> time:
    """A time-of-day setting (ORDER_CUTOFF, BUSINESS_OPENS, BUSINESS_CLOSES) as a time."""
    hours, minutes = setting(name).split(":")
    return time(int(hours), int(minutes))


# Keyed by the settings' values, so a changed setting is a new key: it applies on the next request.
@lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str | None):
    return holidays.country_holidays(country, subdiv=subdivision)


def holiday_calendar():
    """The public holidays of the business's country and region."""
    return _calendar(setting("BUSINESS_COUNTRY"), setting("BUSINESS_SUBDIVISION") or None)


@lru_cache(maxsize=8)
def closed_days(text: str) -> tuple[date, ...]:
    """EXTRA_CLOSED_DAYS as stored (ISO dates, comma-separated) as sorted dates; bad entries skipped."""
    days = set()
    for part in (text or "").split(","):
        try:
            days.add(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return tuple(sorted(days))


def is_business_day(day: date) -> bool:
    return (day.weekday() < 5 and day not in holiday_calendar()
            and day not in closed_days(setting("EXTRA_CLOSED_DAYS")))


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """`count` business days after `day` (0: `day` itself)."""
    for _ in range(count):
        day = next_business_day(day)
    return day


def processing_day(now: datetime) -> date:
    """The business day on which an order placed at `now` (business-local) is processed."""
    today = now.date()
    if is_business_day(today) and now.time() < business_clock("ORDER_CUTOFF"):
        return today
    return next_business_day(today)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=business_tz())


def _round_up_quarter(moment: datetime) -> datetime:
    extra = (-moment.minute) % 15
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


def _ready_by(day: date, now: datetime) -> datetime:
    """When goods available on `day` are packed: PICKUP_READY_HOURS of work in opening hours."""
    work = timedelta(hours=setting("PICKUP_READY_HOURS"))
    start = max(now, _at(day, business_clock("BUSINESS_OPENS")))
    ready = _round_up_quarter(start + work)
    if ready > _at(day, business_clock("BUSINESS_CLOSES")):
        ready = _at(next_business_day(day), business_clock("BUSINESS_OPENS")) + work
    return ready


def units_short(line, draft: bool) -> int:
    """Units of the line that wait for stock: estimated from availability before reservation."""
    if not draft:
        return line.qty_backordered
    available = max(line.product.available, 0) if line.product is not None else 0
    return max(line.quantity - line.qty_reserved - available, 0)


def _line_promise(line, method: str, start: date, now: datetime, draft: bool) -> LinePromise:
    short = units_short(line, draft)
    ready_day = add_business_days(start, line.product.lead_time_days) if short else start
    ready = _ready_by(ready_day, now)
    if method == "pickup":
        arrives = ready.date()
    else:
        arrives = add_business_days(ready_day, setting("DELIVERY_LEAD_DAYS"))
    return LinePromise(line.sku, line.description, line.quantity, short, ready, arrives)


def promise_for(order, now: datetime | None = None) -> Promise | None:
    """What we can promise for `order` if it is confirmed at `now` (default: now).

    Works on a draft (stock is estimated from availability) and on a confirmed order
    (its backordered quantities). None while the order has no lines.
    """
    if not order.lines:
        return None
    now = now or local(utcnow())
    start = processing_day(now)
    draft = order.number is None  # stock is reserved (and backorders known) once numbered
    lines = tuple(_line_promise(line, order.method, start, now, draft) for line in order.lines)
    dates = sorted({line.date for line in lines})
    split = bool(order.accepts_split) and len(dates) > 1
    pickup = order.method == "pickup"
    ready = (min if split else max)(line.ready_by for line in lines) if pickup else None
    return Promise(order.method, dates[0] if split else dates[-1], dates[-1], ready, lines, split, start)


def apply_promise(order, now: datetime | None = None) -> Promise | None:
    """Set the order's promised date (and pickup ready-by time) from `promise_for`."""
    promise = promise_for(order, now)
    if promise is not None:
        order.promised_date = promise.date
        order.ready_by = promise.ready_by_utc
    return promise


def set_accepts_split(order, actor, accepts: bool) -> None:
    """Record whether the customer takes the in-stock part first and the rest later."""
    if bool(order.accepts_split) == accepts:
        return
    order.accepts_split = accepts
    record_event("order.split", "Customer accepts a split delivery" if accepts
                 else "Customer wants the order in one delivery", order=order, actor=actor)
