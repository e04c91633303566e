"""The small forms of the escalation pages and of the order page's "Escalate"."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from app.escalations.models import REASON_MAX
from app.forms_util import at_most, clean_text, stripped


def _text(label: str, field_id: str, missing: str, limit: int = REASON_MAX) -> TextAreaField:
    return TextAreaField(label, id=field_id, filters=[clean_text], validators=[DataRequired(missing), at_most(limit)])


class EscalateForm(FlaskForm):
    reason = _text("Why does this order need the manager?", "escalate-reason", "Say why you escalate the order.")


class AssignForm(FlaskForm):
    user = SelectField("Give it to", id="assign-user", coerce=int, validate_choice=True,
                       validators=[DataRequired("Choose who takes it.")])


class CommentForm(FlaskForm):
    text = _text("Comment", "comment-text", "Write the comment first.")


class HoldForm(FlaskForm):
    reason = StringField("Hold reason", id="escalation-hold-reason", filters=[stripped],
                         validators=[DataRequired("Say why the order is held."), at_most(200)])


class ResolveForm(FlaskForm):
    note = _text("How was it resolved?", "resolve-note", "Say how it was resolved.")
