"""The settings page's form: every name of app/settings/store.py NAMES, validated, and turned
into the values Config holds (strings, whole numbers) by `values()`."""

import re
from datetime import date, datetime

import holidays
from babel import Locale
from babel.numbers import is_currency
from flask_wtf import FlaskForm
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.formatting import entry_date, parse_day
from app.forms_util import WholeNumberField, at_most, clean_text, stripped
from app.orders.promising import closed_days
from app.orders.states import CHANNEL_LABELS, CHANNELS, TEAMS
from app.timeutil import business_locale

CHANNEL_CHOICES = [(c, CHANNEL_LABELS[c]) for c in CHANNELS]  # phone, email, online, walk-in
AMENDMENT_CHOICES = [(c, CHANNEL_LABELS[c]) for c in ("phone", "email", "online")]
KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
EXTRA_ROWS = 2  # empty rows under the special-request kinds, for new ones
MAX_CLOSED_DAYS = 100


def _channels(label, what, choices=CHANNEL_CHOICES):
    return SelectMultipleField(label, choices=choices, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False),
                               validators=[DataRequired(f"Approve at least one channel for {what}.")])


def _clock(label):
    return StringField(label, filters=[stripped], validators=[DataRequired("Enter a time as HH:MM."), at_most(5)],
                       render_kw={"size": 5, "inputmode": "numeric", "placeholder": "HH:MM"})


def parse_clock(text: str) -> str:
    """"9:05" → "09:05"; "9:5", "25:00" are refused; ValueError if not a time of day."""
    try:
        if not re.fullmatch(r"\d{1,2}:\d{2}", text or ""):
            raise ValueError(text)
        moment = datetime.strptime(text, "%H:%M")
    except ValueError:
        raise ValueError("Enter a time as HH:MM, e.g. 14:00.") from None
    return f"{moment.hour:02d}:{moment.minute:02d}"


class RequestKindForm(Form):
    """One kind of special request: its code, what staff read, and the team that decides it."""

    kind = StringField("Code", filters=[stripped], validators=[at_most(40)])
    label = StringField("Label", filters=[stripped], validators=[at_most(60)])
    team = SelectField("Decided by", choices=[(t, t.capitalize()) for t in TEAMS], validate_choice=False)

    def validate_kind(self, field):
        if (field.data or self.label.data) and not KIND.fullmatch(field.data or ""):
            raise ValidationError("Lower-case letters, digits and _, starting with a letter.")

    def validate_label(self, field):
        if field.data and re.search(r"[=;]", field.data):
            raise ValidationError("A label cannot contain = or ;.")
        if self.kind.data and not field.data:
            raise ValidationError("Give the kind a label.")

    def validate_team(self, field):
        if field.data not in TEAMS:
            raise ValidationError(f"Choose {' or '.join(TEAMS)}.")


class SettingsForm(FlaskForm):
    intake_channels = _channels("Approved intake channels", "new orders")
    amendment_channels = _channels("Channels for amendments", "amendments", AMENDMENT_CHOICES)
    special_request_types = FieldList(FormField(RequestKindForm), min_entries=1, max_entries=40)

    order_cutoff = _clock("Order cut-off")
    business_opens = _clock("Opens")
    business_closes = _clock("Closes")
    delivery_lead_days = WholeNumberField("Delivery lead time (business days)", validators=[
        InputRequired("Enter a whole number of days (0 or more)."), NumberRange(0, 60, "From 0 to 60 days.")],
        render_kw={"size": 4, "inputmode": "numeric"})
    pickup_ready_hours = WholeNumberField("Pickup ready after (hours)", validators=[
        InputRequired("Enter a whole number of hours (0 or more)."), NumberRange(0, 72, "From 0 to 72 hours.")],
        render_kw={"size": 4, "inputmode": "numeric"})

    business_country = SelectField("Holiday country", validate_choice=False)
    business_subdivision = StringField("Region (subdivision)", filters=[stripped], validators=[at_most(10)])
    extra_closed_days = TextAreaField("Extra closed days", filters=[clean_text], validators=[at_most(2000)],
                                      render_kw={"rows": 4})

    business_name = StringField("Company name", filters=[stripped],
                                validators=[DataRequired("The company needs a name."), at_most(120)])
    business_address = TextAreaField("Address", filters=[clean_text], validators=[at_most(300)], render_kw={"rows": 3})
    business_phone = StringField("Phone", filters=[stripped], validators=[at_most(40)])
    business_email = StringField("Email", filters=[stripped],
                                 validators=[Optional(), at_most(254), Email("Enter a valid email address.")])
    company_number = StringField("Company registration number", filters=[stripped], validators=[at_most(20)])
    vat_number = StringField("VAT number", filters=[stripped], validators=[at_most(20)])
    currency = StringField("Currency (ISO 4217 code)", filters=[stripped], validators=[
        DataRequired("Enter a currency code, e.g. GBP."), at_most(3)], render_kw={"size": 4})

    def __init__(self, *args, **kwargs):
        # FieldList rows come from `data`; the blank rows at the end take new kinds
        super().__init__(*args, **kwargs)
        self.business_country.choices = country_choices()
        if not self.is_submitted():
            for _ in range(EXTRA_ROWS):
                self.special_request_types.append_entry()

    # --- one field's rules ------------------------------------------------------------------

    def validate_special_request_types(self, field):
        kinds = [row.form.kind.data for row in field if row.form.kind.data]
        if not kinds:
            raise ValidationError("Keep at least one kind of special request.")
        repeated = sorted({k for k in kinds if kinds.count(k) > 1})
        if repeated:
            raise ValidationError(f"Each code once: {', '.join(repeated)} appears twice.")

    def validate_order_cutoff(self, field):
        _clock_rule(field)

    def validate_business_opens(self, field):
        _clock_rule(field)

    def validate_business_closes(self, field):
        _clock_rule(field)
        try:
            opens, cutoff, closes = (parse_clock(f.data) for f in (self.business_opens, self.order_cutoff, field))
        except ValueError:
            return  # the field's own message says it
        if not opens < cutoff <= closes:
            raise ValidationError("Opening must come before the cut-off, and the cut-off no later than closing.")

    def validate_business_country(self, field):
        if field.data not in holidays.list_supported_countries():
            raise ValidationError("Choose a country from the list.")

    def validate_business_subdivision(self, field):
        regions = holidays.list_supported_countries().get(self.business_country.data, [])
        if field.data and _region(field.data, regions) is None:
            shown = ", ".join(regions) if regions else "none — leave it empty"
            raise ValidationError(f"Not a region of that country's calendar (regions: {shown}).")

    def validate_extra_closed_days(self, field):
        _closed_days(field.data)  # ValidationError with the bad entry

    def validate_vat_number(self, field):
        if field.data:
            _vat(field.data)

    def validate_currency(self, field):
        if field.data and not is_currency(field.data.upper()):
            raise ValidationError("Not an ISO 4217 currency code (GBP, EUR, USD…).")

    # --- to and from the stored values -------------------------------------------------------

    @classmethod
    def from_values(cls, values: dict) -> "SettingsForm":
        kinds = [dict(zip(("kind", "label", "team"), (p.strip() for p in item.split("=")), strict=False))
                 for item in values["SPECIAL_REQUEST_TYPES"].split(";") if item.strip()]
        return cls(data={
            "intake_channels": _split(values["INTAKE_CHANNELS"]),
            "amendment_channels": _split(values["AMENDMENT_CHANNELS"]),
            "special_request_types": kinds,
            "order_cutoff": values["ORDER_CUTOFF"], "business_opens": values["BUSINESS_OPENS"],
            "business_closes": values["BUSINESS_CLOSES"],
            "delivery_lead_days": values["DELIVERY_LEAD_DAYS"], "pickup_ready_hours": values["PICKUP_READY_HOURS"],
            "business_country": values["BUSINESS_COUNTRY"], "business_subdivision": values["BUSINESS_SUBDIVISION"] or "",
            "extra_closed_days": "\n".join(entry_date(d) for d in closed_days(values["EXTRA_CLOSED_DAYS"])),
            "business_name": values["BUSINESS_NAME"], "business_address": values["BUSINESS_ADDRESS"],
            "business_phone": values["BUSINESS_PHONE"], "business_email": values["BUSINESS_EMAIL"],
            "company_number": values["COMPANY_NUMBER"], "vat_number": values["VAT_NUMBER"],
            "currency": values["CURRENCY"],
        })

    def values(self) -> dict:
        """The validated form as the values Config holds (same types, same text formats)."""
        kinds = [row.form for row in self.special_request_types if row.form.kind.data]
        regions = holidays.list_supported_countries().get(self.business_country.data, [])
        return {
            "INTAKE_CHANNELS": _join(self.intake_channels.data),
            "AMENDMENT_CHANNELS": _join(self.amendment_channels.data),
            "SPECIAL_REQUEST_TYPES": ";".join(f"{k.kind.data}={k.label.data}={k.team.data}" for k in kinds),
            "ORDER_CUTOFF": parse_clock(self.order_cutoff.data),
            "BUSINESS_OPENS": parse_clock(self.business_opens.data),
            "BUSINESS_CLOSES": parse_clock(self.business_closes.data),
            "DELIVERY_LEAD_DAYS": self.delivery_lead_days.data,
            "PICKUP_READY_HOURS": self.pickup_ready_hours.data,
            "BUSINESS_COUNTRY": self.business_country.data,
            "BUSINESS_SUBDIVISION": _region(self.business_subdivision.data, regions) if self.business_subdivision.data else None,
            "EXTRA_CLOSED_DAYS": ",".join(d.isoformat() for d in _closed_days(self.extra_closed_days.data)),
            "BUSINESS_NAME": self.business_name.data,
            "BUSINESS_ADDRESS": self.business_address.data or "",
            "BUSINESS_PHONE": self.business_phone.data or "",
            "BUSINESS_EMAIL": self.business_email.data or "",
            "COMPANY_NUMBER": (self.company_number.data or "").upper(),
            "VAT_NUMBER": _vat(self.vat_number.data) if self.vat_number.data else "",
            "CURRENCY": self.currency.data.upper(),
        }


def _clock_rule(field):
    try:
        parse_clock(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _split(text: str) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _join(channels) -> str:
    return ",".join(c for c in CHANNELS if c in (channels or []))


def _region(typed: str, regions) -> str | None:
    return next((r for r in regions if r.lower() == typed.lower()), None)


def _closed_days(text: str) -> list[date]:
    """Dates typed one per line (or separated by commas) in the business's format or ISO."""
    days = set()
    for part in re.split(r"[\n,;]+", text or ""):
        if not part.strip():
            continue
        try:
            days.add(parse_day(part))
        except ValueError as exc:
            raise ValidationError(f"“{part.strip()[:20]}”: {exc}.") from None
    if len(days) > MAX_CLOSED_DAYS:
        raise ValidationError(f"At most {MAX_CLOSED_DAYS} closed days; remove past ones.")
    return sorted(days)


def _vat(typed: str) -> str:
    """A VAT number in its compact form with the country prefix (GB or an EU country)."""
    number = re.sub(r"[\s.-]", "", typed).upper()
    if number.startswith("GB") or number[:1].isdigit():
        if gb_vat.is_valid(number):
            return "GB" + gb_vat.compact(number)
    elif eu_vat.is_valid(number):
        return eu_vat.compact(number)
    raise ValidationError("Not a valid VAT number (check the digits; e.g. GB980780684).")


def country_choices() -> list[tuple[str, str]]:
    names = Locale.parse(business_locale()).territories
    return sorted(((code, names.get(code, code)) for code in holidays.list_supported_countries()),
                  key=lambda choice: choice[1])
