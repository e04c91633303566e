"""Small helpers shared by the forms: filters, length limits in plain words, and the few
field types WTForms lacks (a whole number with our own message, a date in the business's
format, the page's version, the local address to go back to, and every value sent under one name)."""

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField
from wtforms.validators import Length, StopValidation
from wtforms.widgets import TextInput

from app.database import DB_INT_MAX
from app.formatting import date_placeholder, entry_date, parse_day
from app.web.inputs import parse_int
from app.web.navigation import safe_next

NEXT_MAX = 500  # a local path with its query string


def clean_text(value):
    """Browsers send textarea lines with CRLF; keep LF only and trim the ends."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value


def stripped(value):
    """A one-line text without spaces at its ends."""
    return value.strip() if isinstance(value, str) else value


def at_most(n: int) -> Length:
    """A length limit with its message in plain words (also the field's `maxlength`)."""
    return Length(max=n, message=f"Keep it to {n:,} characters or fewer.")


def local_path(value):
    """The address to go back to: a local path of at most NEXT_MAX characters, else None."""
    return safe_next(value) if isinstance(value, str) and len(value) <= NEXT_MAX else None


class ButtonForm(FlaskForm):
    """A button that changes one thing and goes back to the page it was on (`next`)."""

    next = HiddenField(filters=[local_path])


class WholeNumberField(IntegerField):
    """A whole number typed into a box. Text that is not one (or has more than 12 digits) is
    refused with the message of the field's own validators, not WTForms' "Not a valid integer"."""

    not_a_number = False

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
        self.data = parse_int(text, -(10**12), 10**12) if text != "" else None
        self.not_a_number = text != "" and self.data is None

    def pre_validate(self, form):
        if self.not_a_number:
            raise StopValidation(next((v.message for v in self.validators if getattr(v, "message", None)),
                                      "Enter a whole number."))


class BusinessDateField(Field):
    """A date typed in the business's format (dd/mm/yyyy or d/m/yy in en_GB, BUSINESS_LOCALE) or
    as ISO yyyy-mm-dd, in a plain text box: a browser's date input shows the browser's own format
    (mm/dd/yyyy in Chromium). Text that is no date keeps its place in the box, with a message
    next to it saying how to write one."""

    widget = TextInput()
    TYPED_MAX = 40

    def __init__(self, label=None, validators=None, render_kw=None, **kw):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "size": 12, **(render_kw or {})}
        super().__init__(label, validators, render_kw=render_kw, **kw)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", date_placeholder())
        return super().__call__(**kwargs)

    def _value(self):
        if self.data is None and self.raw_data:  # refused: what was typed, as typed
            return self.raw_data[0][:self.TYPED_MAX]
        return entry_date(self.data)

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        self.data = None
        if text:
            try:
                self.data = parse_day(text[:self.TYPED_MAX])
            except ValueError as exc:
                raise ValueError(f"“{text[:20]}” is not a date: {exc}.") from None


class VersionField(HiddenField):
    """The version of the record the page was made from (optimistic lock). htmx appends the
    page's current version after the form's own, so the last value sent counts; anything
    that is not a version is None, which never matches (the page is treated as stale)."""

    def process_formdata(self, valuelist):
        self.data = parse_int(valuelist[-1][:12], 0, DB_INT_MAX) if valuelist else None

    def process_data(self, value):
        self.data = value if isinstance(value, int) else None

    def _value(self):
        return "" if self.data is None else str(self.data)


class ValueListField(Field):
    """Every value sent under one name (ticked boxes, a list of hidden keys), each passed
    through `coerce` (which raises ValueError for a value it refuses), at most `max_entries`."""

    def __init__(self, label=None, validators=None, coerce=str, max_entries=100, message="Not a valid value.", **kw):
        super().__init__(label, validators, **kw)
        self.coerce, self.max_entries, self.message = coerce, max_entries, message

    def process_data(self, value):
        self.data = list(value) if value else []

    def process_formdata(self, valuelist):
        self.data = []
        if len(valuelist) > self.max_entries:
            raise ValueError(f"At most {self.max_entries:,} at a time.")
        try:
            self.data = [self.coerce(v) for v in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(self.message) from None


def record_id(value) -> int:
    """A database id from a form value (ValueError if it is not one)."""
    number = parse_int(value, 1, DB_INT_MAX)
    if number is None:
        raise ValueError(value)
    return number


def bounded_text(limit: int):
    """A coerce for ValueListField: text of at most `limit` characters."""
    def coerce(value):
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(value)
        return value
    return coerce
