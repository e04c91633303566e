from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.models import ROLE_LABELS
from app.auth.passwords import password_problem


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)])
    remember = BooleanField("Keep me signed in on this computer")


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("A username is required."), Length(max=64)])
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    email = StringField("Email", validators=[Optional(), Length(max=254), Email("Enter a valid email address.")])
    password = PasswordField("Password", validators=[DataRequired("Set a password."), Length(max=200)])
    roles = SelectMultipleField(
        "Roles",
        choices=list(ROLE_LABELS.items()),
        validators=[DataRequired("Give the user at least one role.")],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )

    def validate_password(self, field):
        problem = password_problem(field.data, self.username.data or "", full_name=self.full_name.data or "")
        if problem:
            raise ValidationError(problem)


class RolesForm(FlaskForm):
    """The admin changes a user's roles."""

    roles = SelectMultipleField(
        "Roles",
        choices=list(ROLE_LABELS.items()),
        validators=[DataRequired("Give the user at least one role.")],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class ResetPasswordForm(FlaskForm):
    """The admin sets a temporary password, or leaves it empty for a generated one."""

    password = PasswordField("Temporary password", validators=[Optional(), Length(max=200)],
                             description="Leave empty and Order Desk makes one up and shows it once.")


class ChangePasswordForm(FlaskForm):
    """A person changes their own password."""

    current = PasswordField("Current password", validators=[DataRequired("Enter your current password."), Length(max=200)])
    password = PasswordField("New password", validators=[DataRequired("Choose a new password."), Length(max=200)])
    repeat = PasswordField("Repeat the new password", validators=[
        DataRequired("Type the new password again."), EqualTo("password", "The two new passwords differ.")])
