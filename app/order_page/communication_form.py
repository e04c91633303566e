from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.orders.communications import DIRECTIONS, MEDIUMS


class CommunicationForm(FlaskForm):
    """A call or message with the customer, logged by a rep on the order page."""

    direction = SelectField("Direction", choices=[SelectChoice(k, v) for k, v in DIRECTIONS.items()], default="out")
    medium = SelectField("Channel", choices=[SelectChoice(k, v) for k, v in MEDIUMS.items()], default="phone")
    contact = StringField("Spoke with / sent to", validators=[Length(max=120)])
    summary = TextAreaField("Summary", validators=[
        DataRequired("Say what was said or sent."), Length(max=2000, message="Keep it under 2000 characters.")])
    confirms = BooleanField("This confirmed the order to the customer")
