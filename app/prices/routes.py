"""Price screens: price lists for groups of customers and each customer's agreed prices
(managers change them, sales read them), and "what would this customer pay"."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.access import ensure_roles, restrict_blueprint
from app.catalog import price_admin
from app.catalog.models import CustomerPrice, PriceList, PriceListItem, Product
from app.catalog.pricing import price_for
from app.customers.models import Customer
from app.extensions import db
from app.orders.permissions import roles_for
from app.prices.forms import (
    ActiveForm,
    CheckForm,
    PriceEntryForm,
    PriceListForm,
    PriceTermsForm,
    RenameForm,
)
from app.timeutil import business_today
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("prices", __name__)
restrict_blueprint(bp, *roles_for("view_prices"))


@bp.before_request
def _only_managers_change():
    if request.method == "POST":
        return ensure_roles(*roles_for("edit_prices"))
    return None


def _refused_into(form, answer):
    """A refusal's message next to the field it names (else next to the form's first field)."""
    def show(exc):
        name = getattr(exc, "field", None)
        target = getattr(form, name, None) if name else None
        target = target if target is not None else next(iter(form))
        target.errors = [*target.errors, str(exc)]
        return answer()
    return show


# --- price lists ----------------------------------------------------------------------------

@bp.get("/")
def index():
    return redirect(url_for("prices.lists"))


@bp.get("/lists")
def lists(form=None):
    counts = select(PriceListItem.price_list_id, func.count().label("n")).group_by(PriceListItem.price_list_id).subquery()
    members = select(Customer.price_list_id, func.count().label("n")).group_by(Customer.price_list_id).subquery()
    rows = db.session.execute(
        select(PriceList, func.coalesce(counts.c.n, 0), func.coalesce(members.c.n, 0))
        .outerjoin(counts, counts.c.price_list_id == PriceList.id)
        .outerjoin(members, members.c.price_list_id == PriceList.id)
        .order_by(PriceList.active.desc(), PriceList.name)).all()
    return render("prices/lists.html", rows=rows, form=form or PriceListForm(formdata=None),
                  status=422 if form is not None and form.errors else 200)


@bp.post("/lists")
def create_list():
    form = PriceListForm()
    if not form.validate():
        return lists(form)
    on_refusal(_refused_into(form, lambda: lists(form)))
    price_list = price_admin.create_price_list(form.code.data, form.name.data, current_user)
    flash(outcome(f"Price list {price_list.code}", "created", "add its prices below"), "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


def _list_or_404(code: str) -> PriceList:
    return price_admin.price_list_by_code(code) or abort(404)


def _list_page(price_list: PriceList, *, add_form=None, rename_form=None, item_forms=None, status=200):
    forms = {item.id: PriceTermsForm(formdata=None, obj=item, prefix=f"i{item.id}") for item in price_list.items}
    forms.update(item_forms or {})
    failed = bool(add_form and add_form.errors) or bool(rename_form and rename_form.errors) or bool(item_forms)
    return render("prices/price_list.html", price_list=price_list, customers=price_admin.customers_on(price_list),
                  add_form=add_form or PriceEntryForm(formdata=None, prefix="add"),
                  rename_form=rename_form or RenameForm(formdata=None, obj=price_list),
                  item_forms=forms, open_item=next(iter(item_forms or {}), None), today=business_today(),
                  status=422 if failed else status)


@bp.get("/lists/<code>")
def price_list(code):
    return _list_page(_list_or_404(code))


@bp.post("/lists/<code>/name")
def rename_list(code):
    price_list = _list_or_404(code)
    form = RenameForm()
    if not form.validate():
        return _list_page(price_list, rename_form=form)
    on_refusal(_refused_into(form, lambda: _list_page(_list_or_404(code), rename_form=form)))
    price_admin.rename_price_list(price_list, form.name.data, current_user)
    flash(outcome(f"Price list {price_list.code}", f"now called {price_list.name}"), "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


@bp.post("/lists/<code>/active")
def set_list_active(code):
    price_list = _list_or_404(code)
    active = ActiveForm().active.data
    price_admin.set_price_list_active(price_list, active, current_user)
    flash(outcome(f"Price list {price_list.code}", "active again" if active
                  else "deactivated, its customers pay their own, break or list prices"), "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


@bp.post("/lists/<code>/items")
def add_list_item(code):
    price_list = _list_or_404(code)
    form = PriceEntryForm(prefix="add")
    if not form.validate():
        return _list_page(price_list, add_form=form)
    on_refusal(_refused_into(form, lambda: _list_page(_list_or_404(code), add_form=form)))
    item = price_admin.save_list_item(price_list, form.sku.data, form.min_quantity.data, form.unit_price.data,
                                      form.valid_from.data, form.valid_to.data, current_user)
    flash(outcome(f"Price list {price_list.code}", f"{item.product.sku} from {item.min_quantity} at {item.unit_price}"),
          "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


def _item_or_404(price_list: PriceList, item_id: int) -> PriceListItem:
    return next((x for x in price_list.items if x.id == item_id), None) or abort(404)


@bp.post("/lists/<code>/items/<int:item_id>")
def change_list_item(code, item_id):
    price_list = _list_or_404(code)
    item = _item_or_404(price_list, item_id)
    form = PriceTermsForm(prefix=f"i{item.id}")
    if not form.validate():
        return _list_page(price_list, item_forms={item.id: form})
    on_refusal(_refused_into(form, lambda: _list_page(_list_or_404(code), item_forms={item_id: form})))
    price_admin.save_list_item(price_list, item.product.sku, item.min_quantity, form.unit_price.data,
                               form.valid_from.data, form.valid_to.data, current_user, item=item)
    flash(outcome(f"Price list {price_list.code}", f"{item.product.sku} from {item.min_quantity} now {item.unit_price}"),
          "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


@bp.post("/lists/<code>/items/<int:item_id>/remove")
def remove_list_item(code, item_id):
    price_list = _list_or_404(code)
    item = _item_or_404(price_list, item_id)
    sku, minimum = item.product.sku, item.min_quantity
    price_admin.remove_list_item(item, current_user)
    flash(outcome(f"Price list {price_list.code}", f"price for {sku} from {minimum} removed"), "success")
    return redirect(url_for("prices.price_list", code=price_list.code))


# --- a customer's prices -------------------------------------------------------------------

def _customer_or_404(code: str) -> Customer:
    return db.session.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none() or abort(404)


def _check(customer: Customer):
    """The "what would they pay" form from the query string, and its answer when asked."""
    if "sku" not in request.args:
        return CheckForm(formdata=None), None
    form = CheckForm(request.args)
    if not form.validate():
        return form, None
    try:
        product = price_admin.product_for_sku(form.sku.data)
    except price_admin.PriceRefused as exc:
        form.sku.errors = [*form.sku.errors, str(exc)]
        return form, None
    return form, (product, form.quantity.data, form.on.data,
                  price_for(customer.id, product, form.quantity.data, form.on.data))


def _customer_page(customer: Customer, *, add_form=None, row_forms=None):
    rows = price_admin.customer_price_rows(customer)
    forms = {row.id: PriceTermsForm(formdata=None, obj=row, prefix=f"p{row.id}") for row, _product in rows}
    forms.update(row_forms or {})
    check_form, answer = _check(customer)
    failed = bool(add_form and add_form.errors) or bool(row_forms)
    return render("prices/customer.html", customer=customer, rows=rows, row_forms=forms,
                  open_row=next(iter(row_forms or {}), None), today=business_today(),
                  add_form=add_form or PriceEntryForm(formdata=None, prefix="add"),
                  check_form=check_form, answer=answer, status=422 if failed else 200)


@bp.get("/customers/<code>")
def customer(code):
    return _customer_page(_customer_or_404(code))


@bp.post("/customers/<code>")
def add_customer_price(code):
    customer = _customer_or_404(code)
    form = PriceEntryForm(prefix="add")
    if not form.validate():
        return _customer_page(customer, add_form=form)
    on_refusal(_refused_into(form, lambda: _customer_page(_customer_or_404(code), add_form=form)))
    row = price_admin.save_customer_price(customer, form.sku.data, form.min_quantity.data, form.unit_price.data,
                                          form.valid_from.data, form.valid_to.data, current_user)
    flash(outcome(f"Customer {customer.code}", f"{form.sku.data.upper()} from {row.min_quantity} at {row.unit_price}"),
          "success")
    return redirect(url_for("prices.customer", code=customer.code))


def _row_or_404(customer: Customer, row_id: int) -> CustomerPrice:
    row = db.session.get(CustomerPrice, row_id)
    return row if row is not None and row.customer_id == customer.id else abort(404)


@bp.post("/customers/<code>/<int:row_id>")
def change_customer_price(code, row_id):
    customer = _customer_or_404(code)
    row = _row_or_404(customer, row_id)
    form = PriceTermsForm(prefix=f"p{row.id}")
    if not form.validate():
        return _customer_page(customer, row_forms={row.id: form})
    on_refusal(_refused_into(form, lambda: _customer_page(_customer_or_404(code), row_forms={row_id: form})))
    sku = _sku_of(row)
    price_admin.save_customer_price(customer, sku, row.min_quantity, form.unit_price.data,
                                    form.valid_from.data, form.valid_to.data, current_user, row=row)
    flash(outcome(f"Customer {customer.code}", f"{sku} from {row.min_quantity} now {row.unit_price}"), "success")
    return redirect(url_for("prices.customer", code=customer.code))


def _sku_of(row: CustomerPrice) -> str:
    return db.session.get(Product, row.product_id).sku


@bp.post("/customers/<code>/<int:row_id>/end")
def end_customer_price(code, row_id):
    customer = _customer_or_404(code)
    row = _row_or_404(customer, row_id)
    back = url_for("prices.customer", code=customer.code)
    on_refusal(back=back)
    price_admin.end_customer_price(customer, row, current_user)
    flash(outcome(f"Customer {customer.code}", f"{_sku_of(row)} from {row.min_quantity} ends today",
                  "from tomorrow the price list, break or list price applies"), "success")
    return redirect(back)


@bp.post("/customers/<code>/<int:row_id>/remove")
def remove_customer_price(code, row_id):
    customer = _customer_or_404(code)
    row = _row_or_404(customer, row_id)
    sku, minimum = _sku_of(row), row.min_quantity
    price_admin.remove_customer_price(customer, row, current_user)
    flash(outcome(f"Customer {customer.code}", f"price for {sku} from {minimum} removed"), "success")
    return redirect(url_for("prices.customer", code=customer.code))
