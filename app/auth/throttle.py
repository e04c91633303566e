"""Login throttling: too many failed logins lock the account (and the client address) for a while.

The attempts are rows in the database, so every worker and host sees the same count.
A locked account refuses even the right password until the lock runs out; the person is
told how many minutes are left. Attempts made while locked are recorded but do not
extend the lock.

A burst of attempts at once must not all pass the count before any is recorded: on SQLite
writers take turns anyway (BEGIN IMMEDIATE); on PostgreSQL, where writers run in parallel,
`check` takes a transaction-scoped advisory lock per account and per address (in a fixed
order), so attempts on one account or from one address are counted one after the other.
"""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text

from app.auth.models import LoginAttempt
from app.errors import Refusal
from app.extensions import db
from app.timeutil import utcnow


class LoginLocked(Refusal):
    status = 429

    def __init__(self, minutes: int, what: str):
        self.minutes = minutes
        super().__init__(f"Too many failed logins {what}. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
                         "or ask an administrator to check the account.")


def _lock_end(column, value, limit: int):
    """When the lock on `column == value` ends, or None if it is not locked now."""
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    now = utcnow()
    recent = db.session.execute(
        select(LoginAttempt.at, LoginAttempt.outcome).where(column == value, LoginAttempt.at > now - window,
                                                            LoginAttempt.outcome != "locked")
        .order_by(LoginAttempt.at.desc()).limit(limit)
    ).all()
    failures = []
    for at, outcome in recent:
        if outcome == "ok":  # a success resets the count
            break
        failures.append(at)
    if len(failures) < limit:
        return None
    ends = failures[limit - 1] + window  # the oldest of the last `limit` failures, plus the window
    return ends if ends > now else None


_ONE_AT_A_TIME = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def _one_at_a_time(*keys: str) -> None:
    """On PostgreSQL, wait for (and hold until commit) the lock of each key, in sorted order."""
    if db.session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            db.session.execute(_ONE_AT_A_TIME, {"key": key})


def check(username: str, address: str) -> None:
    """Refuse with `LoginLocked` while the account or the address is locked."""
    _one_at_a_time(f"login-account:{username}", f"login-address:{address}")
    config = current_app.config
    for column, value, limit, what in (
        (LoginAttempt.username, username, config["LOGIN_MAX_FAILURES"], "for this account"),
        (LoginAttempt.address, address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"], "from this computer"),
    ):
        ends = _lock_end(column, value, limit)
        if ends is not None:
            raise LoginLocked(max(1, math.ceil((ends - utcnow()).total_seconds() / 60)), what)


def record(username: str, address: str, outcome: str) -> None:
    db.session.add(LoginAttempt(username=username[:64], address=address[:64], outcome=outcome))
    db.session.flush()
