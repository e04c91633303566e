from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from app.forms_util import at_most, clean_text, stripped

# What the customer may ask to change, in their words; "cancel" becomes a structured request.
TOPICS = {"quantities": "Quantities or products", "date": "Delivery or collection date",
          "address": "Delivery address or instructions", "cancel": "Cancel the order", "other": "Something else"}


class ChangeRequestForm(FlaskForm):
    """The customer's "Ask for a change" form."""

    topic = SelectField("What would you like to change?", choices=list(TOPICS.items()), default="quantities",
                        validators=[DataRequired("Choose what to change.")])
    text = TextAreaField("Tell us the change", filters=[clean_text], render_kw={"rows": 4},
                         validators=[DataRequired("Say what you would like to change."), at_most(2000)])
    name = StringField("Your name (optional)", filters=[stripped], validators=[at_most(120)],
                       render_kw={"autocomplete": "name"})

    def request_text(self) -> str:
        return f"{TOPICS[self.topic.data]}: {self.text.data}"

    def payload(self) -> dict | None:
        return {"cancel": True} if self.topic.data == "cancel" else None
