"""One transaction per request, committed in one place (after Indico's request handler).

`OrderDesk.dispatch_request` runs the view and then ends its transaction: a request
that may change data (POST and the like) commits once, a GET or HEAD always rolls back,
so reads never write. Any exception rolls back. Views never commit.

What goes wrong is answered here, and never as a 500 page:
- a `Refusal` (app/errors.py) from a service, or a concurrent save found at commit
  (`StaleDataError`, `IntegrityError`): the view's own answer if it registered one with
  `on_refusal` (its form again, with what was typed and the message, 422/409), else the
  message as a flash (an htmx request gets it in the page's message area);
- a `NotAllowed` (the person's roles do not allow it): nothing to correct or retry, so a
  403 page saying why (an htmx request gets the message), never the form again or a flash;
- the database busy past its wait, or unreachable: 503 with `Retry-After`; the person's
  input stays in their browser (htmx requests do not swap, full pages say to go back);
- a value the database cannot store (`DataError`): 400.
Under /api/ each of these is answered as `application/problem+json` instead (app/api/problems.py).
"""

import logging

from flask import (
    Flask,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from htmx_flask import make_response as htmx_response
from sqlalchemy import event
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.api.problems import api_request, problem, refusal_problem
from app.database import READ_METHODS
from app.errors import Conflict, NotAllowed, Refusal
from app.events.services import record_event
from app.extensions import db
from app.web.navigation import back_url

RETRY_AFTER_SECONDS = 5
CONFLICT_MESSAGE = ("Someone else saved this at the same moment, so nothing of yours was saved. "
                    "Here it is as it is now: check it and try again.")
log = logging.getLogger(__name__)


class ReadsNeverWrite(RuntimeError):
    """A GET or HEAD request tried to change data (a bug: record it through a POST)."""


class OrderDesk(Flask):
    """The Flask app, with the request's transaction ended right after the view."""

    def full_dispatch_request(self):
        g.serving = True  # a request being served (not a test's request context)
        return super().full_dispatch_request()

    def dispatch_request(self):
        rv = super().dispatch_request()
        end_transaction()
        return rv


def reading() -> bool:
    return request.method in READ_METHODS


def end_transaction() -> None:
    if reading():
        db.session.rollback()
    else:
        db.session.commit()


def on_refusal(render=None, *, back: str | None = None) -> None:
    """Register how this request answers a refusal: `render(exc)` returns the form again
    (with what was typed and the message); or, for a button, the page to go `back` to."""
    g.on_refusal, g.refusal_back = render, back


def _refused(exc: Refusal):
    db.session.rollback()
    if isinstance(exc, Conflict) and not reading():
        _record_conflict(exc)
    if api_request():  # the JSON API: no flashes, no pages, no login session
        g.pop("on_refusal", None)
        return refusal_problem(exc)
    get_flashed_messages()  # a success message queued before the refusal is not true any more
    session.modified = True
    render, back = g.pop("on_refusal", None), g.pop("refusal_back", None)
    if isinstance(exc, NotAllowed):
        return _not_allowed(exc)
    if render is not None:
        response = current_app.make_response(render(exc))
        if response.status_code < 300:  # a redirect stays one (the message is flashed)
            response.status_code = exc.status
        return response
    return message_response(str(exc), "error", exc.status, back)


def _record_conflict(exc: Conflict) -> None:
    """Note the lost race in the event log (the periodic review counts them), in its own short
    transaction after the rollback. Best effort: failing to note it never turns the 409 into a 500."""
    try:
        record_event("request.conflict", f"Conflicting save refused: {request.method} {request.path}"[:300],
                     actor=current_user if current_user.is_authenticated else None)
        db.session.commit()
    except Exception:  # noqa: BLE001  the person's answer matters more than the statistic
        db.session.rollback()
        log.warning("could not record a conflict on %s", request.path, exc_info=True)


def _not_allowed(exc: NotAllowed):
    if request.headers.get("HX-Request"):
        return message_response(str(exc), "error", exc.status)
    return render_template("errors/error.html", code=exc.status, title="Not allowed", message=str(exc)), exc.status


def message_response(message: str, category: str, status: int, back: str | None = None):
    """An answer that only carries a message: in the page's message area for htmx, else a
    flash and back to `back` (or the page the request came from)."""
    if request.headers.get("HX-Request"):
        return _htmx_message(message, category, status)
    if reading() and back is None:
        return render_template("errors/error.html", code=status, title="Not done", message=message), status
    flash(message, category)
    return redirect(back or back_url())


def _unavailable(exc):
    db.session.rollback()
    log.warning("database busy or unavailable: %s", exc)
    message = ("The database is busy or unavailable, so nothing was saved. Wait a few seconds and "
               "try again: what you typed is still in your browser.")
    if api_request():
        return problem(503, "The database is busy or unavailable, so nothing was saved. Try again "
                       "with the same Idempotency-Key.", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if request.headers.get("HX-Request"):
        response = _htmx_message(message, "error", 503)
    else:
        response = current_app.make_response(
            (_bare("errors/unavailable.html", message=message, go_back=not reading()), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _htmx_message(message: str, category: str, status: int):
    """The message alone, into the page's message area (the form htmx sent is left as typed)."""
    response = htmx_response(_bare("_messages.html", messages=[(category, message)]),
                             retarget="#messages", reswap="innerHTML")
    response.status_code = status
    return response


def _bare(template: str, **context) -> str:
    """A template rendered without the context processors, which would ask the database
    (who is logged in) that has just failed."""
    return current_app.jinja_env.get_template(template).render(**context)


def _bad_value(exc):
    db.session.rollback()
    log.warning("value refused by the database: %s", exc)
    if api_request():
        return problem(400, "Part of what was sent cannot be stored (it is too long or not valid); nothing was saved.")
    return message_response("Part of what was sent cannot be stored (it is too long or not valid). "
                            "Nothing was saved; check the form and try again.", "error", 400)


def install(app: Flask) -> None:
    app.register_error_handler(Refusal, _refused)
    app.register_error_handler(StaleDataError, lambda exc: _refused(Conflict(CONFLICT_MESSAGE)))
    app.register_error_handler(IntegrityError, lambda exc: _refused(Conflict(CONFLICT_MESSAGE)))
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(DataError, _bad_value)
    event.listen(Session, "before_flush", _guard_reads)


def _guard_reads(session, _context, _instances):
    """Catch a GET that tries to write while it is being written (tests make it fail)."""
    from flask import has_request_context

    if not has_request_context() or not g.get("serving") or not reading():
        return
    changed = list(session.new) + list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]
    if changed:
        problem = f"{request.method} {request.path} tried to write {sorted({type(o).__name__ for o in changed})}"
        if current_app.config.get("READS_NEVER_WRITE_STRICT"):
            raise ReadsNeverWrite(problem)
        log.error("%s; rolled back", problem)
