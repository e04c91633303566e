"""The form that makes an API token: a name saying who uses it, and the scopes it gets."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from app.api.models import SCOPES
from app.forms_util import at_most, stripped


class ApiTokenForm(FlaskForm):
    name = StringField("Name", filters=[stripped],
                       validators=[DataRequired("Give the token a name that says who uses it, e.g. Web shop."),
                                   at_most(80)],
                       description="Who uses it, e.g. “Web shop”: it is shown in the audit log.",
                       render_kw={"autocomplete": "off", "maxlength": 80})
    scopes = SelectMultipleField("What it may do", choices=list(SCOPES.items()), default=list(SCOPES),
                                 validators=[DataRequired("Choose at least one thing the token may do.")],
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
