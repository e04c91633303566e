"""The global audit log (manager and admin): every event, filtered, one event, CSV export."""

import json
from datetime import date

from flask import Blueprint, abort
from sqlalchemy import select

from app.auth.access import restrict_blueprint
from app.auth.models import User
from app.events.chain import is_sealed, seal_status
from app.events.log import LogFilter, iter_log, log_page
from app.events.models import Event
from app.extensions import db
from app.formatting import parse_day, when
from app.orders.permissions import roles_for
from app.web.csv_stream import csv_response
from app.web.inputs import int_arg, search_arg
from app.web.rendering import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
restrict_blueprint(bp, *roles_for("view_audit_log"))

PER_PAGE = 50
KIND_HINTS = ("order.", "customer.", "user.", "stock.", "mail.", "confirmation.", "notification.")
CSV_HEADER = ("event", "time", "user", "kind", "order", "customer_code", "customer", "summary", "before", "after")


def _date_arg(name: str) -> date | None:
    try:
        value = parse_day(search_arg(name, 40))
    except ValueError:
        return None
    return value if date(1970, 1, 1) <= value <= date(2999, 12, 31) else None


def _filter() -> LogFilter:
    return LogFilter(user=search_arg("user", 64), order=search_arg("order", 40), customer=search_arg("customer"),
                     kind=search_arg("kind", 40), start=_date_arg("from"), end=_date_arg("to"))


def _query_args(f: LogFilter) -> dict:
    args = f.as_args()
    for key, name in (("start", "from"), ("end", "to")):
        if key in args:
            args[name] = args.pop(key)
    return args


@bp.get("/")
def index():
    """Every event, newest first, filtered by user, order, customer, kind and dates."""
    f = _filter()
    page = log_page(f, before=int_arg("before"), after=int_arg("after"), per_page=PER_PAGE)
    users = db.session.execute(select(User.username, User.full_name).order_by(User.username)).all()
    return render("audit/index.html", f=f, page=page, args=_query_args(f), users=users,
                  kind_hints=KIND_HINTS, sealing=seal_status())


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    """One event: who, when, what, before and after, and whether it is sealed."""
    found = db.session.get(Event, event_id) or abort(404)
    return render("audit/event.html", event=found, seal=is_sealed(event_id), sealing=seal_status(),
                  before=_pretty(found.before), after=_pretty(found.after))


def _pretty(value) -> str | None:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) if value is not None else None


def _json_cell(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if value is not None else ""


def _csv_row(e: Event) -> tuple:
    return (e.id, when(e.created_at, "%Y-%m-%d %H:%M:%S"), e.actor.username if e.actor else "", e.kind,
            e.order.ref if e.order else "", e.customer.code if e.customer else "",
            e.customer.name if e.customer else "", e.summary, _json_cell(e.before), _json_cell(e.after))


@bp.get("/export.csv")
def export():
    """The filtered log as CSV, newest first, streamed."""
    f = _filter()
    return csv_response(CSV_HEADER, (_csv_row(e) for e in iter_log(f)), "audit-log.csv")
