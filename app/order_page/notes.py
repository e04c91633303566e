"""The order page's internal notes thread: adding a note (htmx swaps the thread; without
JavaScript the page comes back)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth.access import ORDER_VIEWERS, role_required
from app.order_page.forms import NoteForm
from app.order_page.routes import bp, get_order, render_detail
from app.orders.notes import add_note as add_order_note
from app.orders.notes import notes_of
from app.orders.permissions import require
from app.web.rendering import render
from app.web.transaction import on_refusal

bp.add_app_template_global(notes_of)
bp.add_app_template_global(NoteForm, "NoteForm")


def _thread(order, status: int = 200, **extra):
    """The notes section alone (an htmx request), or the whole page."""
    if request.htmx:
        return render("orders/detail.html", block="order_notes", status=status, order=order, **extra)
    return render_detail(order, status, **extra)


def said_what(order, note) -> str:
    """The message after adding a note: who was told."""
    if note.mentions:
        return f"{order.ref}: note added; {', '.join(note.mentions)} notified."
    return f"{order.ref}: note added (no team mentioned, so nobody was notified)."


@bp.post("/<ref>/notes")
@role_required(*ORDER_VIEWERS)
def add_note(ref):
    order = get_order(ref)
    require(current_user, "add_note", order)
    form = NoteForm()
    if not form.validate_on_submit():
        return _thread(order, 422, note_form=form)
    on_refusal(lambda exc: _refused(ref, form, exc))
    note = add_order_note(order, current_user, form.body.data)
    if request.htmx:
        return _thread(order, note_added=said_what(order, note))
    flash(said_what(order, note), "success")
    return redirect(url_for("orders.detail", ref=order.ref, _anchor="order-notes"))


def _refused(ref, form, exc):
    form.body.errors = [str(exc)]
    return _thread(get_order(ref), 422, note_form=form)
