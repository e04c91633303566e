from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from app.forms_util import BusinessDateField, at_most, stripped
from app.orders.saved_filters import NAME_MAX, QUERY_MAX
from app.orders.search import DATE_FIELDS, SORTS, OrderSearch
from app.orders.states import CHANNEL_LABELS, STATUS_LABELS, STATUSES
from app.orders.teams import TEAM_LABELS


class ChoicesField(SelectMultipleField):
    """Several of a fixed list (ticked boxes); anything else is refused without echoing it."""

    def pre_validate(self, form):
        if any(value not in dict(self.choices) for value in self.data or ()):
            raise ValidationError("Choose from the list.")


class SearchForm(FlaskForm):
    """The search's filters, read from the query string (a GET: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Order, customer or PO", filters=[stripped], validators=[Optional(), at_most(100)])
    sku = StringField("SKU", filters=[stripped], validators=[Optional(), at_most(40)])
    dates = SelectField("Date", choices=list(DATE_FIELDS.items()), default="created")
    start = BusinessDateField("From", validators=[Optional()])
    end = BusinessDateField("To", validators=[Optional()])
    status = ChoicesField("Status", choices=[(s, STATUS_LABELS[s]) for s in STATUSES])
    channel = SelectField("Channel", choices=[("", "Any channel"), *CHANNEL_LABELS.items()], default="")
    team = SelectField("Waiting for", choices=[("", "Any team"), *TEAM_LABELS.items()], default="")
    late = BooleanField("Late only")
    sort = SelectField("Sort", choices=[(key, label) for key, (label, _order) in SORTS.items()], default="newest")

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("“To” is before “From”: swap them, or leave one empty.")

    def search(self) -> OrderSearch:
        """The filters as the domain's search (call after `validate`)."""
        return OrderSearch(q=self.q.data or "", sku=self.sku.data or "", dates=self.dates.data or "created",
                           start=self.start.data, end=self.end.data, status=tuple(self.status.data or ()),
                           channel=self.channel.data or "", team=self.team.data or "", late=bool(self.late.data),
                           sort=self.sort.data or "newest")


class SaveFilterForm(FlaskForm):
    """"Save this search": a name, and the search as its query string."""

    name = StringField("Name this search", id="saved-name", filters=[stripped],
                       validators=[DataRequired("Give the search a name, e.g. “Late phone orders”."), at_most(NAME_MAX)])
    query = HiddenField(validators=[Optional(), at_most(QUERY_MAX)])
