from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from app.catalog.queries import products_named
from app.forms_util import (
    BusinessDateField,
    ButtonForm,
    VersionField,
    WholeNumberField,
    at_most,
    clean_text,
    stripped,
)
from app.orders.notes import NOTE_MAX
from app.orders.requests import request_types
from app.orders.states import METHOD_LABELS
from app.web.inputs import parse_int


class OrderActionForm(ButtonForm):
    """A form on an order's page: the version of the order the page was made from (a form
    made from an older version is a conflict, never an overwrite) and the local page to go
    back to afterwards (`next`; anything else is ignored)."""

    version = VersionField()
    details = ()  # the fields a lifecycle step records besides itself

    def is_current(self, order) -> bool:
        return self.version.data is not None and self.version.data == order.version

    def detail_values(self) -> dict:
        return {name: self[name].data or "" for name in self.details}


class SpecialRequestForm(FlaskForm):
    kind = SelectField("Kind", validators=[DataRequired("Choose the kind of request.")])
    text = TextAreaField("What the customer asked for", filters=[clean_text], validators=[DataRequired("Describe the request."), Length(max=2000)])
    due_date = BusinessDateField("Needed by", validators=[Optional()])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[("approve", "Approve"), ("reject", "Reject")],
                          validators=[DataRequired("Approve or reject.")])
    note = StringField("Note for sales", validators=[Length(max=2000)])


# --- buttons on the order page with something to type ------------------------------------

class HoldForm(OrderActionForm):
    reason = StringField("Hold reason", id="hold-reason", filters=[stripped],
                         validators=[DataRequired("Say why the order is held."), at_most(200)])


class AskReleaseForm(FlaskForm):
    change = StringField("Change the customer wants", id="release-change", filters=[stripped], validators=[
        DataRequired("Say what the customer wants to change, so fulfillment knows why."), at_most(200)])


class CancelForm(OrderActionForm):
    details = ("reason",)
    reason = StringField("Reason for cancelling", id="cancel-reason", filters=[stripped], validators=[at_most(200)])


class DispatchForm(OrderActionForm):
    details = ("carrier", "tracking_number")
    carrier = StringField("Carrier", id="dispatch-carrier", filters=[stripped], validators=[at_most(60)])
    tracking_number = StringField("Tracking number", id="dispatch-tracking", filters=[stripped], validators=[at_most(80)])


class CollectForm(OrderActionForm):
    details = ("collected_by",)
    collected_by = StringField("Collected by", id="collect-by", filters=[stripped], validators=[at_most(120)])


# The lifecycle steps whose button carries details; the others post an OrderActionForm.
TRANSITION_FORMS = {"cancel": CancelForm, "dispatch": DispatchForm, "collect": CollectForm}


def transition_form(name: str, **kwargs) -> OrderActionForm:
    return TRANSITION_FORMS.get(name, OrderActionForm)(**kwargs)


class SplitForm(ButtonForm):
    """Whether the customer accepts a split delivery (a draft's promise panel)."""

    accepts_split = HiddenField(filters=[lambda v: v == "y"])


# --- amendments ----------------------------------------------------------------------------

QTY_MESSAGE = "Enter a whole number from 0 (remove) to 100,000."
ADD_QTY_MESSAGE = "Enter a quantity from 1 to 100,000."


def _whole_number(value):
    """A hidden id or count sent back by the page, as a number (None if it is not one)."""
    return parse_int(value) if isinstance(value, str) else value


class LineQuantityForm(Form):
    """One existing line of the order: its new quantity (0 removes it)."""

    line_id = HiddenField(filters=[_whole_number])
    quantity = WholeNumberField("New quantity", widget=TextInput(), render_kw={"inputmode": "numeric", "class": "qty"},
                                validators=[InputRequired(QTY_MESSAGE), NumberRange(0, 100_000, QTY_MESSAGE)])


class AddedLineForm(Form):
    """One row for a product the customer adds; a row left empty is ignored."""

    sku = StringField("Product (SKU or name)", filters=[stripped], validators=[at_most(60)],
                      render_kw={"autocomplete": "off"})
    quantity = WholeNumberField("Qty", widget=TextInput(), render_kw={"inputmode": "numeric", "class": "qty"},
                                validators=[Optional(), NumberRange(1, 100_000, ADD_QTY_MESSAGE)])
    product = None

    @property
    def blank(self) -> bool:
        return not self.sku.data and not (self.quantity.raw_data or [""])[0].strip()

    def validate_sku(self, field):
        if field.errors:  # too long to be a SKU or a name: not searched for
            return
        if not field.data:
            if not self.blank:
                raise ValidationError("Enter the SKU or part of the product's name.")
            return
        found = products_named(field.data)
        if not found:
            raise ValidationError(f"No product matches “{field.data}”. Type a SKU or part of a name and pick from the list.")
        if len(found) > 1:
            raise ValidationError(f"“{field.data}” matches several products; pick one from the list or type the SKU.")
        self.product = found[0]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.sku.data and self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append(ADD_QTY_MESSAGE)
            return False
        return ok


ADD_ROWS = 4


class AmendForm(FlaskForm):
    version = VersionField()
    seen_event = HiddenField(filters=[_whole_number])  # the last event of the order the page showed
    change_request = HiddenField(filters=[_whole_number])  # the customer's change request it applies, if any
    quantities = FieldList(FormField(LineQuantityForm), max_entries=500)
    additions = FieldList(FormField(AddedLineForm), min_entries=ADD_ROWS, max_entries=ADD_ROWS)
    channel = SelectField("Asked through", validators=[DataRequired("Choose the channel.")])
    requested_by = StringField("Who asked", filters=[stripped],
                               validators=[DataRequired("Say who at the customer asked."), at_most(120)])
    verified_how = StringField("How it was verified", filters=[stripped], validators=[
        DataRequired("Say how you verified the change with the customer."), at_most(200)])
    method = SelectField("Fulfilment", choices=list(METHOD_LABELS.items()))
    address = TextAreaField("Delivery address", filters=[clean_text], validators=[at_most(500)], render_kw={"rows": 4})
    requested_date = BusinessDateField("Requested date", validators=[Optional()])
    instructions = TextAreaField("Instructions", filters=[clean_text], validators=[at_most(2000)])
    cancel = BooleanField("Cancel the whole order")
    cancel_reason = StringField("Reason for cancelling", filters=[stripped], validators=[at_most(200)])
    preview = SubmitField("Preview changes")

    def validate_lines(self) -> None:
        """Check only the line rows: a preview is asked for before who asked is filled in."""
        for name in ("quantities", "additions"):
            self[name].validate(self)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.cancel.data:  # cancelling the whole order: the line changes are not used
            return not any(field.errors for name, field in self._fields.items() if name not in ("quantities", "additions"))
        return ok

    def made_from(self, order) -> bool:
        """The form was made from the order as it is now: its version, and one quantity for each line."""
        return (self.version.data == order.version
                and sorted(e.line_id.data or 0 for e in self.quantities) == sorted(line.id for line in order.lines))

    def new_quantities(self) -> dict[int, int]:
        return {e.line_id.data: e.quantity.data for e in self.quantities}

    def added_products(self) -> list:
        return [(row.form.product, row.quantity.data) for row in self.additions
                if row.form.product is not None and row.quantity.data is not None and not row.quantity.errors]

    def valid_quantities(self) -> dict[int, int]:
        """The new quantities typed correctly (a preview leaves the others as they are)."""
        return {e.line_id.data: e.quantity.data for e in self.quantities if e.quantity.data is not None and not e.quantity.errors}


def request_form() -> SpecialRequestForm:
    """The add-a-request form with the configured kinds of request."""
    form = SpecialRequestForm(prefix="sr")
    form.kind.choices = [("", "Choose…")] + [(t.kind, f"{t.label} ({t.team})") for t in request_types().values()]
    return form


class NoteForm(FlaskForm):
    """A note in the order's internal thread (app/orders/notes.py)."""

    body = TextAreaField("Note", id="note-body", filters=[clean_text], validators=[
        DataRequired("Write the note first."), at_most(NOTE_MAX)])
