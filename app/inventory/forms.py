from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from app.catalog.products import FIELDS as PRODUCT_FIELDS
from app.forms_util import BusinessDateField, WholeNumberField, at_most, clean_text, stripped


class ReceiveForm(FlaskForm):
    quantity = IntegerField("Quantity received", validators=[
        InputRequired("Enter how many units arrived."), NumberRange(min=1, max=100000, message="Between 1 and 100,000.")])
    reference = StringField("Delivery note / PO", validators=[Optional(), Length(max=120)])


class AdjustForm(FlaskForm):
    change = IntegerField("Change (+ found, − lost)", validators=[
        InputRequired("Enter the change, e.g. -2 or +5."), NumberRange(min=-100000, max=100000)])
    reason = StringField("Reason", validators=[
        DataRequired("A reason is required (e.g. damaged in aisle, stock count)."), Length(max=180)])


# --- looking after the catalogue (app/catalog/products.py) -----------------------------------

def _finite(_form, field):
    """NaN and Infinity parse as decimals; NaN would even break the range check."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter a number, like 12.50.")


def _money(label: str, required: str) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        InputRequired(required), _finite, NumberRange(0, 1_000_000, "Between 0 and 1,000,000.")],
        render_kw={"inputmode": "decimal", "size": 10})


class ProductForm(FlaskForm):
    """A product's own fields (the quantity breaks have their own forms)."""

    sku = StringField("SKU", filters=[stripped], validators=[
        DataRequired("Enter the SKU, e.g. SKU-0101."), at_most(40)], render_kw={"autocomplete": "off"})
    name = StringField("Name", filters=[stripped], validators=[DataRequired("Enter the product's name."), at_most(200)])
    description = TextAreaField("Description", filters=[clean_text], validators=[at_most(2000)], render_kw={"rows": 3})
    unit = StringField("Unit", filters=[stripped], default="each", validators=[
        DataRequired("Say how it is counted: each, box, kg…"), at_most(20)], render_kw={"size": 8})
    pack_size = WholeNumberField("Pack size", default=1, validators=[
        InputRequired("Enter how many units make a pack (1 if sold singly)."),
        NumberRange(1, 100_000, "From 1 to 100,000 (1 if sold singly).")], render_kw={"size": 6})
    bin_location = StringField("Bin", filters=[stripped], validators=[at_most(20)], render_kw={"size": 10})
    unit_price = _money("List price", "Enter the list price, like 12.50.")
    tax_rate = DecimalField("VAT rate (%)", places=2, default=Decimal("20"), validators=[
        InputRequired("Enter the VAT rate in percent: 20, 5 or 0."), _finite,
        NumberRange(0, 100, "A percentage from 0 to 100, like 20.")], render_kw={"inputmode": "decimal", "size": 6})
    lead_time_days = WholeNumberField("Lead time (days)", default=7, validators=[
        InputRequired("Enter the lead time in days (0 if always in stock)."),
        NumberRange(0, 365, "From 0 to 365 days.")], render_kw={"size": 6})
    reorder_point = WholeNumberField("Reorder point", default=0, validators=[
        InputRequired("Enter the quantity to reorder at (0 for none)."),
        NumberRange(0, 1_000_000, "From 0 to 1,000,000.")], render_kw={"size": 8})
    gtin = StringField("GTIN (barcode)", filters=[stripped], validators=[Optional(), at_most(20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 16})

    def values(self) -> dict:
        return {name: self[name].data for name in PRODUCT_FIELDS}


class BreakForm(FlaskForm):
    """One quantity break: from a quantity, a unit price, optionally between two days."""

    min_quantity = WholeNumberField("From quantity", validators=[
        InputRequired("Enter the quantity the price starts at."),
        NumberRange(2, 100_000, "From 2 to 100,000 (the list price covers 1).")], render_kw={"size": 6})
    unit_price = _money("Unit price", "Enter the unit price, like 9.50.")
    valid_from = BusinessDateField("First day", validators=[Optional()])
    valid_to = BusinessDateField("Last day", validators=[Optional()])

    def values(self) -> dict:
        return {name: self[name].data for name in ("min_quantity", "unit_price", "valid_from", "valid_to")}


class ActiveForm(FlaskForm):
    active = HiddenField(filters=[lambda v: v == "yes" if isinstance(v, str) else v])


class DeleteProductForm(FlaskForm):
    confirm = BooleanField("Yes, delete this product for good", validators=[
        DataRequired("Tick the box to confirm: a deleted product cannot be brought back.")])
