from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_util import clean_text
from app.orders.states import METHOD_LABELS


class SpecialRequestForm(FlaskForm):
    kind = SelectField("Kind", validators=[DataRequired("Choose the kind of request.")])
    text = TextAreaField("What the customer asked for", filters=[clean_text], validators=[DataRequired("Describe the request."), Length(max=2000)])
    due_date = DateField("Needed by", validators=[Optional()])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[("approve", "Approve"), ("reject", "Reject")],
                          validators=[DataRequired("Approve or reject.")])
    note = StringField("Note for sales", validators=[Length(max=2000)])


class AmendForm(FlaskForm):
    channel = SelectField("Asked through", validators=[DataRequired("Choose the channel.")])
    requested_by = StringField("Who asked", validators=[DataRequired("Say who at the customer asked."), Length(max=120)])
    verified_how = StringField("How it was verified", validators=[
        DataRequired("Say how you verified the change with the customer."), Length(max=200)])
    method = SelectField("Fulfilment", choices=list(METHOD_LABELS.items()))
    address = TextAreaField("Delivery address", filters=[clean_text], validators=[Length(max=500)], render_kw={"rows": 4})
    requested_date = DateField("Requested date", validators=[Optional()])
    instructions = TextAreaField("Instructions", filters=[clean_text], validators=[Length(max=2000)])
    cancel = BooleanField("Cancel the whole order")
    cancel_reason = StringField("Reason for cancelling", validators=[Length(max=200)])


def request_form() -> SpecialRequestForm:
    """The add-a-request form with the configured kinds of request."""
    from app.orders.requests import request_types

    form = SpecialRequestForm(prefix="sr")
    form.kind.choices = [("", "Choose…")] + [(t.kind, f"{t.label} ({t.team})") for t in request_types().values()]
    return form
