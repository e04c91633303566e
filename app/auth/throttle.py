"""Login throttling: too many failed logins lock the account (and the client address) for a while.

The attempts are rows in the database, so every worker and host sees the same count.
A locked account refuses even the right password until the lock runs out; the person is
told how many minutes are left. Attempts made while locked are recorded but do not
extend the lock.
"""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

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


def check(username: str, address: str) -> None:
    """Refuse with `LoginLocked` while the account or the address is locked."""
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
