import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
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

from app.customers.models import CONFIRMATION_CHANNELS, TAX_TREATMENTS
from app.customers.vat import compact_vat_number
from app.errors import Refusal
from app.forms_util import (
    BusinessDateField,
    ValueListField,
    VersionField,
    at_most,
    bounded_text,
    clean_text,
    stripped,
)
from app.orders.drafts import SHORTAGE_CHOICES
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


def _optional_id(value):
    """A select's record id: '' (none chosen) → None."""
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class CustomerRecordForm(CustomerForm):
    """The whole customer record (the customer pages); the desk's quick form is CustomerForm.
    The credit fields are shown to everyone but only a manager's values are used."""

    code = StringField("Code", filters=[stripped], description="Leave empty for the next free code (C0001…).",
                       validators=[Optional(), Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$",
                                                      message="Letters, digits and -, at most 20, like C0042.")])
    payment_terms = StringField("Payment terms", filters=[stripped], description="e.g. 30 days end of month",
                                validators=[Optional(), Length(max=60)])
    vat_number = StringField("VAT number", filters=[stripped], validators=[Optional(), Length(max=30)])
    tax_treatment = SelectField("Tax treatment", choices=list(TAX_TREATMENTS.items()), default="standard")
    preferred_channel = SelectField("Confirmations by", choices=list(CONFIRMATION_CHANNELS.items()), default="email")
    price_list_id = SelectField("Price list", coerce=_optional_id, choices=[], validate_choice=True)
    active = BooleanField("Active (offered on new orders)", default=True)
    credit_limit = DecimalField("Credit limit", places=2, description="Empty: no limit", validators=[
        Optional(), lambda form, field: _finite(form, field),
        NumberRange(0, 100_000_000, "The credit limit must be between 0 and 100,000,000.")])
    credit_hold = BooleanField("On credit hold")
    credit_hold_reason = StringField("Credit hold reason", filters=[stripped], validators=[Optional(), Length(max=200)])

    def validate_vat_number(self, field):
        try:
            field.data = compact_vat_number(field.data or "")
        except Refusal as wrong:
            raise ValidationError(str(wrong)) from None

    def validate_credit_hold_reason(self, field):
        if self.credit_hold.data and not field.data:
            raise ValidationError("Say why the customer is on credit hold (e.g. invoice 881 overdue).")


class AddressForm(FlaskForm):
    label = StringField("Label", filters=[stripped], description="e.g. Warehouse, Head office",
                        validators=[DataRequired("Give the address a short name, like Warehouse."), Length(max=60)])
    text = TextAreaField("Address", filters=[clean_text], validators=[
        DataRequired("Enter the address (street, town, postcode)."), Length(max=500)])
    is_default = BooleanField("Default for new orders")


class ContactForm(FlaskForm):
    name = StringField("Name", filters=[stripped], validators=[DataRequired("Enter the contact's name."), Length(max=120)])
    role = StringField("Role", filters=[stripped], description="e.g. Accounts, Goods in",
                       validators=[Optional(), Length(max=60)])
    email = StringField("Email", filters=[stripped], validators=[
        Optional(), Email("Enter a valid email address, like buyer@example.com."), Length(max=254)])
    phone = StringField("Phone", filters=[stripped], validators=[
        Optional(), Regexp(PHONE_RE, message="Use digits, spaces, + ( ) -; 6 to 20 characters.")])


class StartDraftForm(FlaskForm):
    customer_id = HiddenField(validators=[DataRequired("Choose a customer."), Length(max=12)])
    channel = SelectField("Channel", choices=DESK_CHANNELS, default="phone")
    new_customer = BooleanField()  # sent by the new-customer form beside the search


class DraftChangeForm(FlaskForm):
    """A change to a draft on the entry screen: made from the draft's `version` as the page showed it."""

    version = VersionField()

    def is_current(self, order) -> bool:
        return self.version.data is not None and self.version.data == order.version


class HeaderForm(DraftChangeForm):
    channel = SelectField("Channel", choices=DESK_CHANNELS)
    method = SelectField("Fulfilment", choices=list(METHOD_LABELS.items()))
    # the customer's addresses (choices set per order: header_form); the text below is what the order keeps
    address_id = SelectField("Deliver to", coerce=_optional_id, choices=[], validate_choice=False)
    address = TextAreaField("Delivery address", filters=[clean_text], validators=[Length(max=500)])
    instructions = TextAreaField("Instructions", filters=[clean_text], validators=[Length(max=2000)])
    requested_date = BusinessDateField("Requested date", validators=[Optional()])
    customer_reference = StringField("Customer ref. (PO)", validators=[Length(max=60)])

    def validate_requested_date(self, field):
        if field.data and field.data < business_today():
            raise ValidationError("The requested date is in the past.")

    def validate_address(self, field):
        if self.method.data == "delivery" and not (field.data or "").strip():
            raise ValidationError("A delivery order needs an address.")


class AddLineForm(DraftChangeForm):
    sku = StringField("Add product", id="add-sku", validators=[
        DataRequired("Type a SKU or product name and pick a product."),
        Length(max=60, message="A SKU or product name is at most 60 characters.")])
    quantity = IntegerField("Qty", id="add-qty", default=1, validators=[
        InputRequired("Enter a quantity."), NumberRange(1, 100_000, "Quantity must be from 1 to 100,000.")])


class QuantityForm(DraftChangeForm):
    quantity = IntegerField("Qty", validators=[
        InputRequired("Enter a quantity."), NumberRange(1, 100_000, "Quantity must be from 1 to 100,000.")])


def _finite(_form, field):
    """NaN and Infinity parse as decimals; NaN would even break the range check."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter the price as a number, like 12.50.")


class PriceOverrideForm(DraftChangeForm):
    price = DecimalField("Unit price", places=2, validators=[
        InputRequired("Enter the price."), _finite, NumberRange(0, 1_000_000, "The price must be between 0 and 1,000,000.")])
    reason = StringField("Reason", validators=[DataRequired("Say why the price is overridden."), Length(max=200)])


class EmailUploadForm(FlaskForm):
    message = FileField("Order email (.eml)", validators=[FileRequired("Choose an .eml file to upload.")])


class AcknowledgeForm(DraftChangeForm):
    """Acknowledge one check (by its key, so a check shown but not yet stored can be acknowledged);
    `next` is "review" when sent from the review page without htmx."""

    key = StringField(validators=[DataRequired("That check no longer applies; the panel has been refreshed."),
                                  at_most(200)])
    next = HiddenField(filters=[lambda v: v if v == "review" else None])


class ClearCreditForm(AcknowledgeForm):
    """A manager clears a credit check: the check's key and why the order may go ahead."""

    reason = StringField("Reason", filters=[stripped],
                         validators=[DataRequired("Say why the order may go ahead (e.g. payment received)."),
                                     Length(max=200)])


class AcknowledgeAllForm(DraftChangeForm):
    """Acknowledge every check the rep was shown (one `key` each); one found since stays open."""

    key = ValueListField(coerce=bounded_text(200), max_entries=100,
                         message="That check no longer applies; the panel has been refreshed.")
    next = HiddenField(filters=[lambda v: v if v == "review" else None])


class ShortageChoiceField(RadioField):
    """What to do with a line that is short (the message for a value not on the list in plain words)."""

    def pre_validate(self, form):
        if self.data not in SHORTAGE_CHOICES:
            raise ValidationError("Choose one of the options for this line.")


class SubmitForm(DraftChangeForm):
    """Submit a reviewed draft; `submit_form(order)` adds, for each line, what to do if it is short."""


def submit_form(order, **kwargs) -> SubmitForm:
    """The submit form of `order`: one choice `shortage-<line id>` per line (backorder unless told)."""
    choices = list(SHORTAGE_CHOICES.items())
    fields = {f"shortage_{line.id}": ShortageChoiceField(f"If {line.sku} is short", name=f"shortage-{line.id}",
                                                         choices=choices, default="backorder")
              for line in order.lines}
    return type("OrderSubmitForm", (SubmitForm,), fields)(**kwargs)


def shortage_choices(form: SubmitForm, order) -> dict[int, str]:
    return {line.id: form[f"shortage_{line.id}"].data for line in order.lines}


class CustomerCodeForm(FlaskForm):
    """Give an unmatched email its customer, by code."""

    customer_code = StringField("Customer code", filters=[stripped], validators=[
        DataRequired("Type the customer's code, like C0042."), at_most(20)])


def customer_code_form(email_id: int, **kwargs) -> CustomerCodeForm:
    """The customer code form of one waiting email (its field's id names the email: several are on the page)."""
    form = CustomerCodeForm(**kwargs)
    form.customer_code.id = form.customer_code.label.field_id = f"customer-code-{email_id}"
    return form
