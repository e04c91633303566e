import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from app.forms_util import clean_text
from app.orders.states import CHANNEL_LABELS, METHOD_LABELS
from app.timeutil import business_today

PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
DESK_CHANNELS = [(c, CHANNEL_LABELS[c]) for c in ("phone", "email", "walk-in")]


class CustomerForm(FlaskForm):
    name = StringField("Company or name", validators=[DataRequired("Enter the customer's name."), Length(max=200)])
    contact_name = StringField("Contact person", validators=[Optional(), Length(max=120)])
    email = StringField("Email", validators=[Optional(), Email("Enter a valid email address, like buyer@example.com."), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Regexp(PHONE_RE, message="Use digits, spaces, + ( ) -; 6 to 20 characters.")])
    address = TextAreaField("Delivery address", filters=[clean_text], validators=[DataRequired("Enter a delivery address (street, town, postcode)."), Length(max=500)])
    notes = TextAreaField("Notes", filters=[clean_text], validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.email.data or self.phone.data):
            self.email.errors.append("Give an email or a phone number so we can confirm orders.")
            return False
        return ok


class StartDraftForm(FlaskForm):
    customer_id = HiddenField(validators=[DataRequired("Choose a customer.")])
    channel = SelectField("Channel", choices=DESK_CHANNELS, default="phone")


class HeaderForm(FlaskForm):
    channel = SelectField("Channel", choices=DESK_CHANNELS)
    method = SelectField("Fulfilment", choices=list(METHOD_LABELS.items()))
    address = TextAreaField("Delivery address", filters=[clean_text], validators=[Length(max=500)])
    instructions = TextAreaField("Instructions", filters=[clean_text], validators=[Length(max=2000)])
    requested_date = DateField("Requested date", validators=[Optional()])
    customer_reference = StringField("Customer ref. (PO)", validators=[Length(max=60)])

    def validate_requested_date(self, field):
        if field.data and field.data < business_today():
            raise ValidationError("The requested date is in the past.")

    def validate_address(self, field):
        if self.method.data == "delivery" and not (field.data or "").strip():
            raise ValidationError("A delivery order needs an address.")


class AddLineForm(FlaskForm):
    sku = StringField("Product", validators=[DataRequired("Type a SKU or product name and pick a product."),
                                             Length(max=60, message="A SKU or product name is at most 60 characters.")])
    quantity = IntegerField("Qty", default=1, validators=[
        InputRequired("Enter a quantity."), NumberRange(1, 100_000, "Quantity must be from 1 to 100,000.")])


class QuantityForm(FlaskForm):
    quantity = IntegerField("Qty", validators=[
        InputRequired("Enter a quantity."), NumberRange(1, 100_000, "Quantity must be from 1 to 100,000.")])


def _finite(_form, field):
    """NaN and Infinity parse as decimals; NaN would even break the range check."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter the price as a number, like 12.50.")


class PriceOverrideForm(FlaskForm):
    price = DecimalField("Unit price", places=2, validators=[
        InputRequired("Enter the price."), _finite, NumberRange(0, 1_000_000, "The price must be between 0 and 1,000,000.")])
    reason = StringField("Reason", validators=[DataRequired("Say why the price is overridden."), Length(max=200)])


class EmailUploadForm(FlaskForm):
    message = FileField("Order email (.eml)", validators=[FileRequired("Choose an .eml file to upload.")])
