"""Orders that arrive by email: upload an .eml, and give unmatched ones a customer."""

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from app.customers.queries import customer_by_code
from app.extensions import db
from app.orders.intake import draft_from_email, inbound_change_request, intake_email
from app.orders.models import InboundEmail, Order
from app.pagination import paginate
from app.sales.forms import EmailUploadForm, customer_code_form
from app.sales.routes import bp
from app.web.inputs import page_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

bp.add_app_template_global(customer_code_form)


def _unmatched_page():
    stmt = select(InboundEmail).where(InboundEmail.order_id.is_(None)).order_by(InboundEmail.id.desc())
    return paginate(stmt, page_arg())


@bp.route("/orders/email", methods=["GET", "POST"])
def email_intake():
    form = EmailUploadForm()
    if form.validate_on_submit():
        on_refusal(lambda exc: _intake_page(form, str(exc)))
        inbound = intake_email(form.message.data.read(current_app.config["MAX_EMAIL_BYTES"] + 1), current_user)
        order = db.session.get(Order, inbound.order_id) if inbound.order_id else None
        if order is not None and order.number:  # it quoted this order: a change request or a communication
            flash(outcome(order.ref, f"the email “{inbound.subject}” is about this order",
                          "its change request waits for sales" if inbound_change_request(inbound)
                          else "it is in the communication log"), "success")
            return redirect(url_for("orders.detail", ref=order.ref))
        if inbound.order_id:
            flash(outcome(f"DRAFT-{inbound.order_id}", f"made from the email “{inbound.subject}”",
                          "check it against the original below, then review and submit"), "success")
            return redirect(url_for("sales.edit_order", ref=f"DRAFT-{inbound.order_id}"))
        flash(inbound.problems.splitlines()[-1], "info")
        return redirect(url_for("sales.email_intake"))
    return _intake_page(form)


def _intake_page(form, refusal: str | None = None, code_form=None, code_for=None):
    """The upload form and the emails waiting for a customer (one of them, `code_for`, with
    the customer code typed for it and its message)."""
    if refusal:
        form.message.errors = [*form.message.errors, refusal]
    status = 422 if form.errors or (code_form is not None and code_form.errors) else 200
    return render("sales/email_intake.html", form=form, unmatched=_unmatched_page(), code_form=code_form,
                  code_for=code_for, status=status)


@bp.post("/emails/<int:email_id>/draft")
def draft_for_email(email_id):
    inbound = db.session.get(InboundEmail, email_id) or abort(404)
    if inbound.order_id:
        return redirect(url_for("sales.edit_order", ref=f"DRAFT-{inbound.order_id}"))
    form = customer_code_form(inbound.id)
    customer = customer_by_code(form.customer_code.data) if form.validate() else None
    if customer is None:
        if not form.customer_code.errors:
            form.customer_code.errors.append(
                f"No customer with the code “{form.customer_code.data}”. Type a code like C0042 (see Customers).")
        return _intake_page(EmailUploadForm(formdata=None), code_form=form, code_for=inbound.id)
    order = draft_from_email(inbound, customer, current_user)
    return redirect(url_for("sales.edit_order", ref=order.ref))
