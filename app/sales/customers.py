"""Customer records: list, create, edit, and the full order history."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.customers.models import Customer
from app.customers.queries import customer_by_code, customers_matching
from app.customers.services import create_customer, update_customer
from app.orders.models import Order
from app.pagination import paginate
from app.sales.forms import CustomerForm
from app.sales.routes import bp
from app.web.csv_stream import list_csv, wants_csv
from app.web.inputs import page_arg, search_arg
from app.web.messages import outcome
from app.web.rendering import render

FIELDS = ("name", "contact_name", "email", "phone", "address", "notes")


def get_customer(code: str) -> Customer:
    return customer_by_code(code) or abort(404)


def _fields(form) -> dict:
    return {name: (getattr(form, name).data or "").strip() for name in FIELDS}


CUSTOMER_COLUMNS = (
    ("code", lambda c: c.code), ("name", lambda c: c.name), ("contact", lambda c: c.contact_name),
    ("email", lambda c: c.email), ("phone", lambda c: c.phone),
    ("address", lambda c: next((a.text for a in c.addresses if a.is_default), "")),
    ("price_terms", lambda c: c.price_terms),
)


@bp.get("/customers/")
def customers():
    q = search_arg()
    if wants_csv():
        return list_csv(customers_matching(q).options(selectinload(Customer.addresses)), CUSTOMER_COLUMNS, "customers")
    pagination = paginate(customers_matching(q), page_arg())
    return render("sales/customers.html", pagination=pagination, q=q)


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    form = CustomerForm()
    if form.validate_on_submit():
        customer = create_customer(actor=current_user, **_fields(form))
        flash(outcome(f"{customer.code} {customer.name}", "customer created", "ready for orders"), "success")
        return redirect(url_for("sales.customer", code=customer.code))
    return render("sales/customer_form.html", form=form, customer=None, status=422 if form.errors else 200)


@bp.get("/customers/<code>")
def customer(code):
    record = get_customer(code)
    orders = paginate(select(Order).where(Order.customer_id == record.id).order_by(Order.created_at.desc()),
                      page_arg())
    return render("sales/customer.html", customer=record, orders=orders)


@bp.route("/customers/<code>/edit", methods=["GET", "POST"])
def edit_customer(code):
    record = get_customer(code)
    form = CustomerForm(obj=record)
    if request.method == "GET" and record.default_address:
        form.address.data = record.default_address.text
    if form.validate_on_submit():
        changed = update_customer(record, actor=current_user, **_fields(form))
        flash(outcome(f"{record.code} {record.name}", "changes saved" if changed else "nothing changed"), "success")
        return redirect(url_for("sales.customer", code=record.code))
    return render("sales/customer_form.html", form=form, customer=record, status=422 if form.errors else 200)
