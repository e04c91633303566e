from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app.dataio.services import KINDS


class ImportForm(FlaskForm):
    kind = SelectField("What the file holds", choices=[(k.name, k.title) for k in KINDS.values()])
    file = FileField("CSV file (UTF-8)", validators=[FileRequired("Choose a CSV file to upload.")])
