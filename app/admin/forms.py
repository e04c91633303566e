from flask_wtf import FlaskForm
from wtforms import HiddenField


class UserActiveForm(FlaskForm):
    """Enable ("1") or disable ("0") a user from the list."""

    active = HiddenField(filters=[lambda v: v == "1" if isinstance(v, str) else bool(v)])
