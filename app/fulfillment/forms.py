from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.forms_util import (
    ButtonForm,
    ValueListField,
    WholeNumberField,
    at_most,
    record_id,
    stripped,
)
from app.orders.waves import MAX_WAVE_SIZE

SCAN_QTY = "Enter a quantity from 1 to 100,000."
PICKED_QTY = "Enter how many were picked: a whole number from 0 to 100,000."
WAVE_SIZE = f"A wave takes 1 to {MAX_WAVE_SIZE} orders."


class StartWaveForm(FlaskForm):
    """The orders ticked on the ready-to-pick list (one opens its picking screen, several make a wave)."""

    order = ValueListField("Orders", coerce=record_id, max_entries=500,
                           message="Tick the orders on the list, then start picking.")


class NextWaveForm(FlaskForm):
    """"Start next wave": how many of the oldest ready orders to take (remembered per person)."""

    size = WholeNumberField("Orders per wave", id="wave-size",
                            validators=[InputRequired(WAVE_SIZE), NumberRange(1, MAX_WAVE_SIZE, WAVE_SIZE)])


class ScanForm(FlaskForm):
    """A scan (SKU and Enter), or right after one a number and Enter: how many that scan was.
    `last_sku`/`last_count` are the previous scan, as the page last heard of it."""

    sku = StringField("Scan or type SKU", id="scan-sku", filters=[stripped],
                      validators=[DataRequired("Scan or type a SKU."), at_most(60)])
    quantity = WholeNumberField("Qty", id="scan-qty", default=1,
                                validators=[InputRequired(SCAN_QTY), NumberRange(1, 100_000, SCAN_QTY)])
    last_sku = HiddenField(filters=[stripped], validators=[Optional(), at_most(60)])
    last_count = WholeNumberField(validators=[Optional(), NumberRange(0, 100_000)])


class PickedForm(FlaskForm):
    """How many of one line are picked so far (typed in the line's box)."""

    picked = WholeNumberField("Picked", validators=[InputRequired(PICKED_QTY), NumberRange(0, 100_000, PICKED_QTY)])


class ShipStepForm(FlaskForm):
    """A step on the shipping page; `details` are what the shipment records."""

    details = ()

    def detail_values(self) -> dict:
        return {name: self[name].data or "" for name in self.details}


class DispatchStepForm(ShipStepForm):
    details = ("carrier", "tracking_number")
    carrier = StringField("Carrier", filters=[stripped],
                          validators=[DataRequired("Enter the carrier (e.g. DPD, own van)."), at_most(60)])
    tracking_number = StringField("Tracking number", filters=[stripped], validators=[at_most(80)])


class PickupStepForm(ShipStepForm):
    """Ready for pickup: nothing to type."""


class CollectStepForm(ShipStepForm):
    details = ("collected_by",)
    collected_by = StringField("Collected by (name as on their ID)", filters=[stripped],
                               validators=[DataRequired("Enter who collected it."), at_most(120)])


SHIP_STEPS = {"dispatch": DispatchStepForm, "ready_for_pickup": PickupStepForm, "collect": CollectStepForm}


def ship_step_of(order) -> str | None:
    """The shipping step the order is ready for, if any."""
    if order.status == "packed":
        return "dispatch" if order.method == "delivery" else "ready_for_pickup"
    return "collect" if order.status == "ready_for_pickup" else None


class DeliveredForm(ButtonForm):
    """Orders out for delivery that arrived: the ticked ones, or the one whose row button was pressed."""

    order = ValueListField("Orders", coerce=record_id, max_entries=500,
                           message="Tick the orders that have been delivered.")
    only = ValueListField("Order", coerce=record_id, max_entries=1, message="Choose one order.")

    def chosen(self) -> list[int]:
        return self.only.data or self.order.data
