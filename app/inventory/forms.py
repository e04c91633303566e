from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class ReceiveForm(FlaskForm):
    quantity = IntegerField("Quantity received", validators=[
        InputRequired("Enter how many units arrived."), NumberRange(min=1, max=100000, message="Between 1 and 100,000.")])
    reference = StringField("Delivery note / PO", validators=[Optional(), Length(max=120)])


class AdjustForm(FlaskForm):
    change = IntegerField("Change (+ found, − lost)", validators=[
        InputRequired("Enter the change, e.g. -2 or +5."), NumberRange(min=-100000, max=100000)])
    reason = StringField("Reason", validators=[
        DataRequired("A reason is required (e.g. damaged in aisle, stock count)."), Length(max=180)])
