"""The escalation pages (blueprint `escalations`, under /escalations): the manager's list, one
escalation with its thread and the manager's steps, and the order page's "Escalate"."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from app.auth.access import ORDER_VIEWERS, role_required
from app.auth.models import User
from app.escalations import queries, services
from app.escalations.forms import AssignForm, CommentForm, EscalateForm, HoldForm, ResolveForm
from app.escalations.models import Escalation
from app.escalations.sla import RULES
from app.extensions import db
from app.formatting import when
from app.orders.permissions import require, roles_for
from app.orders.services import find_order
from app.web.csv_stream import list_csv, wants_csv
from app.web.inputs import choice_arg, page_arg, search_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("escalations", __name__)
RULE_LABELS = {key: rule.label for key, rule in RULES.items()}


@bp.app_template_global()
def order_escalations(order) -> list[Escalation]:
    """The order's open escalations, for the panel on the order page."""
    return queries.open_for_order(order)


@bp.app_template_global()
def escalation_tile() -> queries.Tile:
    """The figures of the manager dashboard's tile (templates/escalations/_tile.html)."""
    return queries.tile()


@bp.app_template_global()
def escalate_form() -> EscalateForm:
    return EscalateForm(formdata=None)


@bp.app_template_filter()
def escalation_source(escalation: Escalation) -> str:
    """Who raised it: the person, or the SLA rule."""
    if escalation.source == "sla":
        return f"SLA: {RULE_LABELS.get(escalation.rule, escalation.rule)}"
    return escalation.raised_by.display_name if escalation.raised_by else "Someone"


def _escalation(escalation_id: int) -> Escalation:
    return db.session.get(Escalation, escalation_id) or abort(404)


def _page_url(escalation: Escalation) -> str:
    return url_for("escalations.detail", escalation_id=escalation.id)


ESCALATION_COLUMNS = (
    ("escalation", lambda e: e.id), ("order", lambda e: e.order.ref), ("customer", lambda e: e.order.customer.name),
    ("raised", lambda e: when(e.created_at, "%Y-%m-%d %H:%M")),
    ("raised_by", lambda e: e.raised_by.display_name if e.raised_by else "SLA rule"),
    ("reason", lambda e: e.reason), ("team", lambda e: e.team or ""), ("status", lambda e: e.status),
    ("assignee", lambda e: e.assignee.display_name if e.assignee else ""),
    ("resolved", lambda e: when(e.resolved_at, "%Y-%m-%d %H:%M")), ("resolution", lambda e: e.resolution_note),
)


@bp.get("/")
@role_required(*roles_for("list_escalations"))
def index():
    """Open escalations, oldest first (or mine, or resolved), searchable by order number."""
    view, q = choice_arg("show", queries.VIEWS, "open"), search_arg()
    if wants_csv():
        return list_csv(queries.escalation_list(view, current_user, q), ESCALATION_COLUMNS, f"escalations-{view}")
    return render("escalations/index.html", pagination=queries.escalation_page(view, current_user, q, page_arg()),
                  view=view, views=queries.VIEWS, q=q)


@bp.get("/<int:escalation_id>")
@role_required(*roles_for("view_escalation"))
def detail(escalation_id):
    return render_detail(_escalation(escalation_id))


def render_detail(escalation: Escalation, status: int = 200, **forms):
    """The escalation's page; `forms` carries a form being corrected, with its errors."""
    blank = {"assign_form": _assign_form(formdata=None, user=escalation.assignee_id or 0), "comment_form": CommentForm(formdata=None),
             "hold_form": HoldForm(formdata=None), "resolve_form": ResolveForm(formdata=None)}
    return render("escalations/detail.html", status=status, escalation=escalation, **{**blank, **forms})


def _assign_form(**kw) -> AssignForm:
    form = AssignForm(**kw)
    form.user.choices = [(0, "Choose…")] + [(u.id, f"{u.display_name} ({', '.join(u.roles)})")
                                            for u in services.assignable_users()]
    return form


def _act(escalation: Escalation, may: str, form, shown_as: str, action, done: str):
    """One step from the escalation's page: the user must be allowed (403 if not), the form
    valid (else the page again with its errors), then the service acts and the request commits."""
    on_refusal(back=_page_url(escalation))
    require(current_user, may, escalation)
    if not form.validate():
        return render_detail(escalation, 422, **{shown_as: form})
    action(form)
    flash(done, "success")
    return redirect(_page_url(escalation))


@bp.post("/<int:escalation_id>/assign")
@role_required(*ORDER_VIEWERS)
def assign(escalation_id):
    escalation = _escalation(escalation_id)
    return _act(escalation, "handle_escalation", _assign_form(), "assign_form",
                lambda f: services.assign(escalation, db.session.get(User, f.user.data), current_user),
                outcome(escalation.order.ref, f"escalation #{escalation.id} assigned", "the assignee has been told"))


@bp.post("/<int:escalation_id>/comment")
@role_required(*ORDER_VIEWERS)
def comment(escalation_id):
    escalation = _escalation(escalation_id)
    return _act(escalation, "comment_escalation", CommentForm(), "comment_form",
                lambda f: services.comment(escalation, f.text.data, current_user),
                outcome(escalation.order.ref, f"comment added to escalation #{escalation.id}",
                        "the manager and the team concerned are told"))


@bp.post("/<int:escalation_id>/hold")
@role_required(*ORDER_VIEWERS)
def hold(escalation_id):
    escalation = _escalation(escalation_id)
    return _act(escalation, "handle_escalation", HoldForm(), "hold_form",
                lambda f: services.hold_order(escalation, f.reason.data, current_user),
                outcome(escalation.order.ref, "on hold", "fulfillment has been told"))


@bp.post("/<int:escalation_id>/resolve")
@role_required(*ORDER_VIEWERS)
def resolve(escalation_id):
    escalation = _escalation(escalation_id)
    return _act(escalation, "handle_escalation", ResolveForm(), "resolve_form",
                lambda f: services.resolve(escalation, f.note.data, current_user),
                outcome(escalation.order.ref, f"escalation #{escalation.id} resolved", "the teams concerned are told"))


@bp.post("/orders/<ref>")
@role_required(*roles_for("escalate"))
def escalate(ref):
    """Escalate an order from its page, with a reason (a missing one comes back as a message)."""
    order = find_order(ref) or abort(404)
    back = url_for("orders.detail", ref=order.ref)
    on_refusal(back=back)
    form = EscalateForm()
    if not form.validate():
        raise services.EscalationError(" ".join(e for errors in form.errors.values() for e in errors))
    escalation = services.escalate(order, form.reason.data, current_user)
    flash(outcome(order.ref, f"escalated (escalation #{escalation.id})", "waiting for the manager"), "success")
    return redirect(back)
