from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.models import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)])
    remember = BooleanField("Keep me signed in on this computer")


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("A username is required."), Length(max=64)])
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    email = StringField("Email", validators=[Optional(), Length(max=254), Email("Enter a valid email address.")])
    password = PasswordField("Password", validators=[DataRequired("Set a password."), Length(min=4, max=200, message="From 4 to 200 characters.")])
    roles = SelectMultipleField(
        "Roles",
        choices=list(ROLE_LABELS.items()),
        validators=[DataRequired("Give the user at least one role.")],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
