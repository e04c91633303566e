"""Times are stored as naive UTC and shown in the business's time zone."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app

_frozen: ContextVar[datetime | None] = ContextVar("frozen_clock", default=None)


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column stores."""
    return _frozen.get() or datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def frozen_clock(at: datetime):
    """Make `utcnow()` answer `at` (naive UTC) inside the block: demo data and tests."""
    token = _frozen.set(at)
    try:
        yield
    finally:
        _frozen.reset(token)


def business_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def business_locale() -> Locale:
    """How dates and numbers read and are typed (BUSINESS_LOCALE, e.g. en_GB)."""
    return _locale(current_app.config["BUSINESS_LOCALE"])


def local(dt: datetime | None) -> datetime | None:
    """A stored UTC time converted to the business's time zone."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(business_tz())


def business_today() -> date:
    return local(utcnow()).date()


def utc_start_of(day: date) -> datetime:
    """The UTC moment a business day starts (stored times are naive UTC)."""
    return datetime.combine(day, time.min, tzinfo=business_tz()).astimezone(UTC).replace(tzinfo=None)
