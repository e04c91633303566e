from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length


class AttachmentForm(FlaskForm):
    """A file for the order (its type and size are checked by app/attachments, from the bytes)."""

    file = FileField("File (PDF or image)", validators=[FileRequired("Choose a PDF or an image to attach.")])
    note = StringField("Note (optional)", validators=[Length(max=300, message="Keep the note under 300 characters.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="attachment", **kwargs)
