"""Periodic work the mail relay loop runs between looks at the outbox.

Each task is `(name, function, every_seconds)`; the function takes no arguments, does its
work in the current session (flushing, never committing) and returns a one-line summary or
None when there was nothing to do. `run_due` commits each task on its own, so one failing
task neither loses the others' work nor stops the relay. Tasks must be idempotent: several
relays on several hosts may run the same task at the same moment.
"""

import logging
import time

from app.api.idempotency import forget_old_keys
from app.catalog.stock import STOCK_CHECK_SECONDS, stock_check_task
from app.dataio.uploads import forget_old_uploads
from app.escalations import sla
from app.events.chain import seal_pending
from app.extensions import db
from app.orders.communications import note_emailed_notices
from app.orders.deliveries import deliver_automatically
from app.ratelimit import forget_old_windows
from app.reports.review import review_task

log = logging.getLogger(__name__)

TASKS: list[tuple[str, object, float]] = [
    ("auto-deliver", deliver_automatically, 3600),
    ("sla", sla.housekeeping_task, 60),
    ("seal event log", seal_pending, 5),
    ("forget old CSV uploads", forget_old_uploads, 3600),
    ("forget old rate-limit windows", forget_old_windows, 3600),
    ("forget old idempotency keys", forget_old_keys, 3600),
    ("note emailed notices as told", note_emailed_notices, 300),
    ("stock check", stock_check_task, STOCK_CHECK_SECONDS),
    ("periodic review ahead", review_task, 3600),  # the last 90 days, once they have closed
]

_last_run: dict[str, float] = {}


def run_due(echo=print, tasks=None) -> None:
    """Run every task whose interval has passed since this process last ran it."""
    now = time.monotonic()
    for name, function, every in tasks if tasks is not None else TASKS:
        if now - _last_run.get(name, float("-inf")) < every:
            continue
        _last_run[name] = now
        try:
            summary = function()
            db.session.commit()
        except Exception:  # noqa: BLE001  logged; the relay and the other tasks go on
            db.session.rollback()
            log.exception("Housekeeping task %s failed", name)
            continue
        if summary:
            echo(f"{name}: {summary}")
