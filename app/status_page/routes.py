"""`/status/<token>`: the customer's read-only page for one order, and their "Ask for a change".

No login: the signed token is the key (app/orders/status_links.py). Every request is counted
per address first (`STATUS_RATE_LIMIT` a minute, shared by every worker); an unknown, forged
or revoked token gets the same bare 404 page. Nothing on these pages links anywhere else.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.documents.company import company_details
from app.orders.change_requests import open_change_request
from app.orders.models import Order
from app.orders.states import OPEN_STATUSES
from app.orders.status_links import (
    change_requests_of,
    customer_document,
    customer_documents,
    link_from_token,
)
from app.ratelimit import hit
from app.status_page.forms import ChangeRequestForm
from app.web.rendering import document_response
from app.web.transaction import on_refusal

bp = Blueprint("status", __name__, url_prefix="/status")

NOT_FOUND = ("This link does not work", "The link may have been mistyped, or replaced by a newer one. "
             "Use the link in your latest email from us, or contact us quoting your order number.")


@bp.before_request
def count_the_request():
    """At most STATUS_RATE_LIMIT requests a minute from one address (counted aside, before any write)."""
    wait = hit(f"status:{request.remote_addr}", current_app.config["STATUS_RATE_LIMIT"], 60)
    if wait is not None:
        response = _bare(429, "Too many requests", f"Please wait {wait} seconds and try again.")
        response.headers["Retry-After"] = str(wait)
        return response
    return None


@bp.after_request
def keep_it_private(response):
    """Not indexed, and the token never leaves in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _bare(status: int, title: str, message: str):
    return current_app.make_response((render_template("status/message.html", title=title, message=message), status))


def _order_of(token: str) -> Order | None:
    link = link_from_token(token, current_app.config["SECRET_KEY"])
    return link.order if link is not None else None


def _page(order: Order, token: str, form: ChangeRequestForm | None = None, status: int = 200):
    return render_template("status/page.html", order=order, business=company_details(), token=token, documents=customer_documents(order),
                           requests=change_requests_of(order), may_ask=order.status in OPEN_STATUSES,
                           form=form or ChangeRequestForm(formdata=None)), status


@bp.get("/<token>")
def page(token):
    order = _order_of(token)
    if order is None:
        return _bare(404, *NOT_FOUND)
    return _page(order, token)


@bp.post("/<token>")
def ask_change(token):
    """The customer's change request: waits for sales, who confirm it with them (PRG)."""
    order = _order_of(token)
    if order is None:
        return _bare(404, *NOT_FOUND)
    form = ChangeRequestForm()
    if order.status not in OPEN_STATUSES:
        return _page(order, token, status=409)
    if not form.validate():
        return _page(order, token, form, status=422)
    on_refusal(lambda exc: _refused(order, token, form, exc))
    open_change_request(order, channel="online", source="status_page", requested_by=form.name.data or "",
                        text=form.request_text(), payload=form.payload())
    flash("Thank you: your request is with us. Sales will contact you to confirm the change.", "success")
    return redirect(url_for("status.page", token=token, _anchor="requests"))


def _refused(order, token, form, exc):
    form.form_errors.append(str(exc))
    return _page(order, token, form, status=exc.status)


@bp.get("/<token>/documents/<int:document_id>")
def document(token, document_id):
    """A confirmation of THIS order, as issued; anything else is the same 404 as a bad link."""
    order = _order_of(token)
    found = customer_document(order, document_id) if order is not None else None
    if found is None:
        return _bare(404, *NOT_FOUND)
    return document_response(found)
