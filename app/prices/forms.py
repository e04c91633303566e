"""The forms of the price screens: price lists, their items, customers' prices, the check."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.forms_util import BusinessDateField, WholeNumberField, at_most, stripped


class PriceListForm(FlaskForm):
    code = StringField("Code", filters=[stripped, lambda v: v.upper() if isinstance(v, str) else v], validators=[
        DataRequired("Give the list a short code, like TRADE."), at_most(20),
        Regexp(r"^[A-Z0-9][A-Z0-9_-]*$", message="Letters, digits, - and _ only, like TRADE or WHOLESALE-2.")])
    name = StringField("Name", filters=[stripped], validators=[DataRequired("Give the list a name."), at_most(120)])


class RenameForm(FlaskForm):
    name = StringField("Name", filters=[stripped], validators=[DataRequired("Give the list a name."), at_most(120)])


class ActiveForm(FlaskForm):
    """Reactivate ("1") or deactivate ("0") a price list."""

    active = HiddenField(filters=[lambda v: v == "1" if isinstance(v, str) else bool(v)])


class MoneyField(StringField):
    """A price typed as a decimal with a dot (12.50); `data` is a Decimal or None."""

    def process_formdata(self, valuelist):
        text = valuelist[0].strip().replace(",", "") if valuelist and isinstance(valuelist[0], str) else ""
        self.typed = text[:20]
        try:
            self.data = Decimal(text) if text else None
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter the price as a number, like 12.50.") from None

    def _value(self):
        return getattr(self, "typed", None) or ("" if self.data is None else f"{self.data:.2f}")

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.data.is_finite() or self.data < 0 or self.data > Decimal("1000000"):
            raise ValidationError("The price must be from 0 to 1,000,000.")
        if self.data != self.data.quantize(Decimal("0.01")):
            raise ValidationError("Give the price with at most 2 decimals, like 12.50.")


class PriceTermsForm(FlaskForm):
    """A price and the days it applies (changing an existing price: SKU and quantity stay).
    Each row of a page has its own (prefixed) one; the page's POST is checked by CSRFProtect
    (app/extensions.py) for its plain `csrf_token`, so the prefixed form does not ask again."""

    class Meta:
        csrf = False

    unit_price = MoneyField("Unit price", validators=[InputRequired("Enter the price.")],
                            render_kw={"inputmode": "decimal", "size": 9})
    valid_from = BusinessDateField("First day", validators=[Optional()])
    valid_to = BusinessDateField("Last day", validators=[Optional()])

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError("The last day cannot be before the first day.")


class PriceEntryForm(PriceTermsForm):
    """A new price: for which product, from which quantity."""

    sku = StringField("SKU", filters=[stripped], validators=[DataRequired("Enter the product's SKU."), at_most(60)],
                      render_kw={"autocomplete": "off", "size": 14})
    min_quantity = WholeNumberField("From quantity", default=1, validators=[
        InputRequired("Enter the quantity the price applies from (1 for every order)."),
        NumberRange(1, 100_000, "The quantity must be a whole number from 1 to 100,000.")],
        render_kw={"inputmode": "numeric", "size": 6})


class CheckForm(FlaskForm):
    """"What would this customer pay": read from the query string, nothing is saved."""

    class Meta:
        csrf = False

    sku = StringField("SKU", filters=[stripped], validators=[DataRequired("Enter a SKU."), Length(max=60)],
                      render_kw={"autocomplete": "off", "size": 14})
    quantity = WholeNumberField("Quantity", default=1, validators=[
        InputRequired("Enter a quantity."), NumberRange(1, 100_000, "The quantity must be from 1 to 100,000.")],
        render_kw={"inputmode": "numeric", "size": 6})
    on = BusinessDateField("On", validators=[Optional()])
