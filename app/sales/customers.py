"""Customer records: list, create, edit (credit terms by a manager only), delivery addresses
and contacts, and the full order history."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import PriceList
from app.customers.models import Address, Contact, Customer
from app.customers.queries import customer_by_code, customers_matching
from app.customers.services import (
    CREDIT_FIELDS,
    PROFILE_FIELDS,
    add_address,
    change_credit,
    create_customer,
    remove_contact,
    retire_address,
    save_contact,
    set_default_address,
    update_address,
    update_customer,
)
from app.extensions import db
from app.orders.models import Order
from app.orders.permissions import can
from app.pagination import paginate
from app.sales.forms import AddressForm, ContactForm, CustomerRecordForm
from app.sales.routes import bp
from app.web.csv_stream import list_csv, wants_csv
from app.web.inputs import page_arg, search_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal


def get_customer(code: str) -> Customer:
    return customer_by_code(code) or abort(404)


CUSTOMER_COLUMNS = (  # the customers file of CONTRACTS.md, so a list's export imports back
    ("code", lambda c: c.code), ("name", lambda c: c.name), ("email", lambda c: c.email),
    ("phone", lambda c: c.phone), ("contact", lambda c: c.contact_name),
    ("address", lambda c: c.default_address.text if c.default_address else ""),
    ("payment_terms", lambda c: c.payment_terms), ("credit_limit", lambda c: c.credit_limit),
    ("vat_number", lambda c: c.vat_number),
)


@bp.get("/customers/")
def customers():
    q = search_arg()
    if wants_csv():
        return list_csv(customers_matching(q).options(selectinload(Customer.addresses)), CUSTOMER_COLUMNS, "customers")
    pagination = paginate(customers_matching(q), page_arg())
    return render("sales/customers.html", pagination=pagination, q=q)


# --- the record -------------------------------------------------------------------------------

def _record_form(record: Customer | None) -> CustomerRecordForm:
    form = CustomerRecordForm(obj=record)
    lists = db.session.execute(select(PriceList).where(PriceList.active.is_(True)).order_by(PriceList.name)).scalars()
    form.price_list_id.choices = [(None, "— none —")] + [(p.id, f"{p.name} ({p.code})") for p in lists]
    if record is not None and record.price_list is not None and not record.price_list.active:
        form.price_list_id.choices.append((record.price_list.id, f"{record.price_list.name} (inactive)"))
    return form


def _profile(form) -> dict:
    return {name: form[name].data for name in PROFILE_FIELDS if name in form}


def _credit(form) -> dict:
    return {name: getattr(form, name).data for name in CREDIT_FIELDS}


def _form_page(form, record):
    return render("sales/customer_form.html", form=form, customer=record,
                  may_change_credit=can(current_user, "change_credit"), status=422 if form.errors else 200)


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    form = _record_form(None)
    del form.active  # a new customer takes orders; "active" is changed on the edit page
    if form.validate_on_submit():
        on_refusal(render=lambda exc: _refused(form, None, exc))
        customer = create_customer(actor=current_user, code=form.code.data, address=form.address.data,
                                   **_profile(form))
        if can(current_user, "change_credit"):
            change_credit(customer, actor=current_user, **_credit(form))
        flash(outcome(f"{customer.code} {customer.name}", "customer created", "ready for orders"), "success")
        return redirect(url_for("sales.customer", code=customer.code))
    return _form_page(form, None)


def _refused(form, record, exc):
    form.form_errors.append(str(exc))
    return render("sales/customer_form.html", form=form, customer=record,
                  may_change_credit=can(current_user, "change_credit"), status=422)


@bp.get("/customers/<code>")
def customer(code):
    record = get_customer(code)
    orders = paginate(select(Order).where(Order.customer_id == record.id).order_by(Order.created_at.desc()),
                      page_arg())
    return render("sales/customer.html", customer=record, orders=orders)


@bp.route("/customers/<code>/edit", methods=["GET", "POST"])
def edit_customer(code):
    record = get_customer(code)
    form = _record_form(record)
    del form.address  # addresses have their own screens on the record
    if form.validate_on_submit():
        on_refusal(render=lambda exc: _refused(form, record, exc))
        changed = update_customer(record, actor=current_user, **_profile(form))
        if can(current_user, "change_credit"):  # a rep's post cannot touch the credit terms
            changed += change_credit(record, actor=current_user, **_credit(form))
        flash(outcome(f"{record.code} {record.name}", "changes saved" if changed else "nothing changed"), "success")
        return redirect(url_for("sales.customer", code=record.code))
    return _form_page(form, record)


# --- delivery addresses and contacts ----------------------------------------------------------

def _address(record: Customer, address_id: int) -> Address:
    return next((a for a in record.addresses if a.id == address_id), None) or abort(404)


def _contact(record: Customer, contact_id: int) -> Contact:
    return next((c for c in record.contacts if c.id == contact_id), None) or abort(404)


def _back(record: Customer, what: str):
    flash(outcome(f"{record.code} {record.name}", what), "success")
    return redirect(url_for("sales.customer", code=record.code))


@bp.route("/customers/<code>/addresses/new", methods=["GET", "POST"],
          defaults={"address_id": None}, endpoint="new_address")
@bp.route("/customers/<code>/addresses/<int:address_id>", methods=["GET", "POST"])
def edit_address(code, address_id):
    record = get_customer(code)
    address = _address(record, address_id) if address_id is not None else None
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        fields = {"label": form.label.data, "text": form.text.data, "is_default": form.is_default.data}
        if address is None:
            add_address(record, actor=current_user, **fields)
            return _back(record, "address added")
        update_address(address, actor=current_user, **fields)
        return _back(record, "address saved")
    return render("sales/address_form.html", form=form, customer=record, address=address,
                  status=422 if form.errors else 200)


@bp.post("/customers/<code>/addresses/<int:address_id>/default")
def default_address(code, address_id):
    record = get_customer(code)
    on_refusal(back=url_for("sales.customer", code=record.code))
    set_default_address(_address(record, address_id), actor=current_user)
    return _back(record, "default delivery address changed")


@bp.post("/customers/<code>/addresses/<int:address_id>/retire", endpoint="retire_address")
def retire_address_view(code, address_id):
    record = get_customer(code)
    on_refusal(back=url_for("sales.customer", code=record.code))
    retire_address(_address(record, address_id), actor=current_user)
    return _back(record, "address retired (orders that used it keep it)")


@bp.route("/customers/<code>/contacts/new", methods=["GET", "POST"],
          defaults={"contact_id": None}, endpoint="new_contact")
@bp.route("/customers/<code>/contacts/<int:contact_id>", methods=["GET", "POST"])
def edit_contact(code, contact_id):
    record = get_customer(code)
    contact = _contact(record, contact_id) if contact_id is not None else None
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        save_contact(record, actor=current_user, contact=contact,
                     **{name: getattr(form, name).data for name in ("name", "role", "email", "phone")})
        return _back(record, "contact saved")
    return render("sales/contact_form.html", form=form, customer=record, contact=contact,
                  status=422 if form.errors else 200)


@bp.post("/customers/<code>/contacts/<int:contact_id>/remove")
def delete_contact(code, contact_id):
    record = get_customer(code)
    remove_contact(_contact(record, contact_id), actor=current_user)
    return _back(record, "contact removed")


