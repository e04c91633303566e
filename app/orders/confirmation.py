"""Confirming an order to the customer: the PDF, the email in the outbox, the log entry.

`issue_confirmation` runs inside the transaction that confirmed the order, so the document
(what its PDF will show, frozen), the outbox message, the Communication row and the Event are
committed together with the order, or not at all. The PDF itself is rendered after commit,
outside the writer's transaction (app/documents/deferred.py): by the mail relay before it
sends, or when the document is first opened.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import render_template
from sqlalchemy import select

from app.documents.company import company_details
from app.documents.deferred import issue_deferred, render_deferred
from app.documents.store import find_document
from app.extensions import db
from app.formatting import money, percent
from app.orders.models import Revision
from app.orders.money import line_rate, order_totals, printed_totals
from app.orders.notices import Notice, tell_customer
from app.orders.promising import promise_for
from app.orders.states import METHOD_LABELS
from app.orders.status_links import status_url
from app.timeutil import business_today, local

KIND = "confirmation"
TEMPLATE = "documents/confirmation.html"  # the confirmation and the cancellation notice
CANCELLATION = "cancellation"  # the document kind of a cancellation notice
_suppressed: ContextVar[bool] = ContextVar("confirmations_suppressed", default=False)


@contextmanager
def confirmations_suppressed():
    """Confirm orders without issuing confirmations inside the block (demo history only, and
    tests that do not look at them: no document, email or communication is written)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)
DAY = "%A %d %B %Y"


def confirmation_filename(number: str, revision: int) -> str:
    return f"{number}-confirmation-r{revision}.pdf"


def _lines(order, promise) -> list[dict]:
    dates = [p.date.strftime("%d %b %Y") for p in promise.lines] if promise else []
    treatment = order.customer.tax_treatment
    return [
        {"position": n, "sku": line.sku, "description": line.description, "quantity": line.quantity,
         "unit_price": money(line.unit_price), "total": money(line.line_total),
         "rate": percent(line_rate(line, treatment)),
         "short": line.qty_backordered, "date": dates[n - 1] if dates else ""}
        for n, line in enumerate(order.lines, start=1)
    ]


def _promised(order, promise) -> dict:
    ready_by = local(order.ready_by)
    return {
        "date": order.promised_date.strftime(DAY) if order.promised_date else "to be confirmed",
        "ready_by": ready_by.strftime("%A %d %B %Y, from %H:%M") if ready_by else "",
        "split": bool(promise and promise.split),
        "complete_by": promise.complete_by.strftime(DAY) if promise else "",
        "waits_for_stock": bool(promise and promise.waits_for_stock),
    }


def _changes(order) -> list[str]:
    """What the current revision changed, in the customer's words (empty for revision 1)."""
    if order.revision <= 1:
        return []
    diff = db.session.execute(
        select(Revision.diff).where(Revision.order_id == order.id, Revision.number == order.revision)
    ).scalar_one_or_none()
    return [change["text"] for change in diff or []]


def confirmation_context(order) -> dict:
    """The order as plain values for the confirmation PDF and email (no ORM objects)."""
    customer = order.customer
    promise = promise_for(order)
    return {
        "business": company_details(),
        "number": order.number, "revision": order.revision,
        "issued": business_today().strftime("%d %B %Y"),
        "customer": {"name": customer.name, "code": customer.code, "contact": customer.contact_name,
                     "email": customer.email or "", "phone": customer.phone or "",
                     "vat_number": customer.vat_number or ""},
        "method": order.method, "method_label": METHOD_LABELS[order.method],
        "address": order.address, "instructions": order.instructions,
        "customer_reference": order.customer_reference,
        "requested_date": order.requested_date.strftime(DAY) if order.requested_date else "",
        "promised": _promised(order, promise),
        "lines": _lines(order, promise),
        "totals": printed_totals(order_totals(order)),  # net, VAT per rate, gross (what the customer pays)
        "changes": _changes(order),
        "special_requests": [{"kind": r.kind.replace("_", " "), "text": r.text, "note": r.decision_note,
                              "status": "not_promised" if r.status == "pending" and r.not_promised else r.status}
                             for r in order.special_requests],
    }


def render_confirmation(context: dict) -> bytes:
    return render_deferred(TEMPLATE, context)


def _confirmation_subject(order, kind: str) -> str:
    subject = f"Order confirmation {order.number}"
    if order.revision > 1:
        subject += f" (revision {order.revision})"
    if kind == "reconfirmation":
        subject += ": special request decided"
    return subject


def issue_confirmation(order, actor, kind: str = "confirmation"):
    """Issue the confirmation of the order's current revision: the document (rendered after
    commit) stored, the customer told
    by their preferred channel (app/orders/notices.py), Event recorded. Flushes; the caller
    commits. Returns the Document. `kind` "reconfirmation": a special request was decided."""
    if _suppressed.get():
        return None
    context = confirmation_context(order)
    document = find_document(order.id, KIND, order.revision) or issue_deferred(
        order, KIND, TEMPLATE, context, confirmation_filename(order.number, order.revision),
        revision=order.revision, actor=actor)
    if order.customer.email:  # the customer's status page, in the email only (not on the PDF)
        context["status_url"] = status_url(order, actor)
    tell_customer(order, Notice(
        kind, _confirmation_subject(order, kind), render_template("mail/confirmation.txt", doc=context),
        html=render_template("mail/confirmation.html", doc=context), document=document,
        confirms_revision=order.revision), actor)
    return document


def cancellation_filename(number: str, revision: int) -> str:
    return f"{number}-cancellation-r{revision}.pdf"


def cancellation_context(order, reason: str) -> dict:
    """The confirmation's values with the cancellation on top (the PDF's big mark and the reason)."""
    return confirmation_context(order) | {"cancelled": {"reason": reason.strip(), "on": business_today().strftime(DAY)}}


def issue_cancellation(order, actor, reason: str = ""):
    """Tell the customer their confirmed order is cancelled: the confirmation marked CANCELLED
    (stored as a "cancellation" document of the current revision) by their preferred channel.
    Nothing for a draft (the customer was never confirmed). Flushes; returns the Document."""
    if _suppressed.get() or not order.number:
        return None
    context = cancellation_context(order, reason)
    document = find_document(order.id, CANCELLATION, order.revision) or issue_deferred(
        order, CANCELLATION, TEMPLATE, context, cancellation_filename(order.number, order.revision),
        revision=order.revision, actor=actor)
    tell_customer(order, Notice(
        CANCELLATION, f"Order {order.number} cancelled", render_template("mail/cancellation.txt", doc=context),
        document=document, confirms_revision=order.revision, after={"reason": reason.strip()[:200]}), actor)
    return document
