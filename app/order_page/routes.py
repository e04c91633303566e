from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import ORDER_VIEWERS, role_required
from app.documents import printing
from app.errors import Conflict
from app.events.models import Event
from app.extensions import db
from app.order_page.forms import (
    AskReleaseForm,
    DecisionForm,
    HoldForm,
    OrderActionForm,
    request_form,
    transition_form,
)
from app.orders import lifecycle, services
from app.orders.next_step import next_step
from app.orders.permissions import can, require
from app.orders.requests import REQUEST_STATUS_LABELS, REQUEST_STATUS_TONES, kind_label
from app.web.rendering import document_response, pdf_response, render
from app.web.transaction import on_refusal

bp = Blueprint("orders", __name__, url_prefix="/orders")
bp.add_app_template_global(next_step)

@bp.app_template_global()
def order_form(name: str):
    """An empty form for a button on the order page: `hold`, `ask_release` or a lifecycle step."""
    if name == "hold":
        return HoldForm(formdata=None)
    if name == "ask_release":
        return AskReleaseForm(formdata=None)
    return transition_form(name, formdata=None)


def get_order(ref: str):
    """The order named in the URL, or 404; the caller's role is checked by the decorator."""
    return services.find_order(ref) or abort(404)


def order_url(order) -> str:
    """The order's page as a full address (QR codes on printed documents)."""
    return url_for("orders.detail", ref=order.ref, _external=True)


def stale_page(order) -> Conflict:
    return Conflict(f"{order.ref} was changed by someone else while you were looking at it. "
                    "Here is the current order; check it and try again.")


def _run(order, action, *args, form: OrderActionForm | None = None, shown_as: str | None = None,
         may: str | None = None, subject=None, done, **kwargs):
    """Run a change on the order from a form on its page (`form`, an OrderActionForm by default)
    if the user `may` (to the order, or to `subject()`); the request commits it. A page made
    from an older version, or a refusal, comes back as a message on the page; a field typed
    wrong, as the page again with the form (as `shown_as`); an action the user's roles do not
    allow, as a 403. `done`: what happened, in words (or a function giving them once it has)."""
    form = form or OrderActionForm()
    back = form.next.data or url_for("orders.detail", ref=order.ref)
    on_refusal(back=back)
    if not form.is_current(order):
        raise stale_page(order)
    if may is not None:
        require(current_user, may, order if subject is None else subject())
    if not form.validate():
        return render_detail(order, 422, **{shown_as or "action_form": form})
    action(order, *args, **kwargs)
    flash(done() if callable(done) else done, "success")
    return redirect(back)


@bp.get("/")
@role_required(*ORDER_VIEWERS)
def jump():
    """Go straight to an order typed into the top bar."""
    ref = request.args.get("ref", "").strip()
    order = services.find_order(ref) if ref else None
    if order is None:
        flash(f"No order “{ref}”. Type a number like SO-2026-00042, or search a dashboard list.", "error")
        return redirect(url_for("main.index"))
    return redirect(url_for("orders.detail", ref=order.ref))


@bp.get("/<ref>")
@role_required(*ORDER_VIEWERS)
def detail(ref):
    numbered = services.submitted_draft(ref)
    if numbered is not None:  # a page (or its live refresh) still naming the draft
        return redirect(url_for("orders.detail", ref=numbered.ref))
    return render_detail(get_order(ref))


def render_detail(order, status: int = 200, **extra):
    """The order page (or its live region); `extra` carries a form being corrected, with its errors."""
    events = db.session.execute(
        select(Event).where(Event.order_id == order.id).order_by(Event.id.desc())
    ).scalars().all()
    return render("orders/detail.html", status=status, order=order, events=events,
                  release_asked=release_asked(order, events),
                  actions=[t for t in lifecycle.available(order, current_user) if _on_page(t, order)],
                  **request_panel(), **extra)


def release_asked(order, events):
    """While the order is picked: sales' latest request to release the pick for an amendment, if any
    (`events` newest first; a request made before this pick started no longer counts)."""
    if order.status != "picking":
        return None
    latest = next((e for e in events if e.kind in ("order.amended_in_picking", "order.start_pick")), None)
    return latest if latest is not None and latest.kind == "order.amended_in_picking" else None


def request_panel(back_to: str | None = None) -> dict:
    """What templates/orders/_requests.html needs, wherever it is shown."""
    return {"request_form": request_form(), "decision_form": DecisionForm(), "request_labels": REQUEST_STATUS_LABELS,
            "request_tones": REQUEST_STATUS_TONES, "kind_label": kind_label, "back_to": back_to}


def _on_page(transition, order) -> bool:
    """Submitting goes through review; cancelling a confirmed order is an amendment."""
    return transition.name != "submit" and not (transition.name == "cancel" and not order.is_draft)


@bp.post("/<ref>/transition/<name>")
@role_required(*ORDER_VIEWERS)
def transition(ref, name):
    """A lifecycle step from the order page. Whether the user may is the lifecycle's own check
    (the one `can` asks), made by the service: a role that may not gets a 403."""
    order = get_order(ref)
    form = transition_form(name)
    if name == "submit" and can(current_user, "continue_entry", order):
        return redirect(url_for("sales.review_order", ref=order.ref))  # the review step runs every check
    if name == "cancel" and can(current_user, "amend", order) and form.is_current(order):
        # a customer's cancellation is an amendment; a stale page gets the conflict message below
        return redirect(url_for("orders.amend", ref=order.ref))
    form.action = name  # the page shows the typed details again on this step's button
    return _run(order, services.transition, name, current_user, **form.detail_values(), form=form,
                done=lambda: f"{order.ref} is now {order.status_label}{_details_said(form)}.{what_next(order)}")


def _details_said(form) -> str:
    """The details typed with a step (a reason, the carrier and tracking number), in brackets."""
    said = [value for value in form.detail_values().values() if value]
    return f" ({', '.join(said)})" if said else ""


def what_next(order) -> str:
    """The next step and its owner, as a sentence to end a message (" Next: pick — fulfillment."),
    or nothing once the order is closed."""
    step = next_step(order)
    return "" if step.done else f" {step.text}."


@bp.get("/<ref>/emails/<int:email_id>.eml")
@role_required("sales", "manager")
def inbound_email(ref, email_id):
    """The original order email, as received (downloaded, never rendered)."""
    order = get_order(ref)
    message = next((m for m in order.inbound_emails if m.id == email_id), None) or abort(404)
    return Response(message.raw, mimetype="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{order.ref}-email-{message.id}.eml"'})


@bp.post("/<ref>/hold")
@role_required("sales", "manager")
def hold(ref):
    order = get_order(ref)
    form = HoldForm()
    return _run(order, lifecycle.set_hold, current_user, form.reason.data or "", form=form, shown_as="hold_form",
                may="hold", done=lambda: f"{order.ref} is on hold ({order.hold_reason}); fulfillment has been told.")


@bp.post("/<ref>/release-hold")
@role_required("sales", "manager")
def release_hold(ref):
    order = get_order(ref)
    return _run(order, lifecycle.release_hold, current_user, may="release_hold",
                done=lambda: f"{order.ref} released from hold.{what_next(order)}")


def _order_for(ref, action):
    """The order named in the URL, if the user may do `action` to it now (else the reason, on its page)."""
    order = get_order(ref)
    on_refusal(back=url_for("orders.detail", ref=order.ref))
    require(current_user, action, order)
    return order


@bp.get("/<ref>/pick-list.pdf")
@role_required(*ORDER_VIEWERS)
def pick_list_pdf(ref):
    """The order's pick list for this round: as printed, or a preview if not printed yet (writes nothing)."""
    order = _order_for(ref, "print_pick_list")
    document = printing.pick_list_document(order)
    if document is not None:
        return document_response(document)
    return pdf_response(printing.render_pick_list(order, current_user, order_url(order)),
                        f"pick-list-{order.number}-preview.pdf")


@bp.post("/<ref>/pick-list.pdf")
@role_required(*ORDER_VIEWERS)
def print_pick_list(ref):
    """Record a print of the pick list (stored at the first print), then show it."""
    order = _order_for(ref, "print_pick_list")
    printing.print_pick_list(order, current_user, order_url(order))
    return redirect(url_for("orders.pick_list_pdf", ref=order.ref), 303)


@bp.get("/<ref>/packing-slip.pdf")
@role_required(*ORDER_VIEWERS)
def packing_slip_pdf(ref):
    """The packing slip of the current packed round (a preview until it is printed), or the
    last one issued once the order has moved on (writes nothing)."""
    order = get_order(ref)
    require(current_user, "view_packing_slip", order)
    document = printing.packing_slip_document(order)
    if document is not None and document.revision == printing.pick_round(order):
        return document_response(document)
    if can(current_user, "print_packing_slip", order):
        return pdf_response(printing.render_packing_slip(order, current_user),
                            f"packing-slip-{order.number}-preview.pdf")
    return document_response(document or abort(404))


@bp.post("/<ref>/packing-slip.pdf")
@role_required(*ORDER_VIEWERS)
def print_packing_slip(ref):
    """Record a print of the packing slip of the current packed round, then show it."""
    order = _order_for(ref, "print_packing_slip")
    printing.print_packing_slip(order, current_user)
    return redirect(url_for("orders.packing_slip_pdf", ref=order.ref), 303)


# Views on this blueprint kept in their own modules: requests and amendments; confirmations; notes; attachments.
from app.order_page import attachments, changes, confirmations, customer_changes, notes  # noqa: E402,F401
