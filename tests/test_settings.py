"""/admin/settings: the admin edits the rules the business tunes, the manager reads them, and
the app reads every one through setting() so a saved change applies from the next request."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.config import Config
from app.customers.models import Customer
from app.events.models import Event
from app.extensions import db
from app.orders import services as orders
from app.orders.models import Order
from app.orders.services import OrderError
from app.settings.models import Setting
from app.settings.store import forget_saved, setting
from tests.conftest import log_out
from tests.orders.test_promising import promise_at

URL = "/admin/settings"


def form_data(token, **changes) -> dict:
    """Everything the page sends when nothing is touched (the environment's values), changed by `changes`."""
    data = {
        "csrf_token": token,
        "intake_channels": Config.INTAKE_CHANNELS.split(","),
        "amendment_channels": Config.AMENDMENT_CHANNELS.split(","),  # phone, email, online
        "order_cutoff": Config.ORDER_CUTOFF, "business_opens": Config.BUSINESS_OPENS,
        "business_closes": Config.BUSINESS_CLOSES,
        "delivery_lead_days": str(Config.DELIVERY_LEAD_DAYS), "pickup_ready_hours": str(Config.PICKUP_READY_HOURS),
        "business_country": Config.BUSINESS_COUNTRY, "business_subdivision": Config.BUSINESS_SUBDIVISION or "",
        "extra_closed_days": "",
        "business_name": Config.BUSINESS_NAME, "business_address": Config.BUSINESS_ADDRESS,
        "business_phone": Config.BUSINESS_PHONE, "business_email": Config.BUSINESS_EMAIL,
        "company_number": Config.COMPANY_NUMBER, "vat_number": Config.VAT_NUMBER, "currency": Config.CURRENCY,
    }
    for n, item in enumerate(Config.SPECIAL_REQUEST_TYPES.split(";")):
        kind, label, team = item.split("=")
        data |= {f"special_request_types-{n}-kind": kind, f"special_request_types-{n}-label": label,
                 f"special_request_types-{n}-team": team}
    return data | changes


def save(client, token, **changes):
    return client.post(URL, data=form_data(token, **changes))


def saved_events():
    return db.session.execute(select(Event).where(Event.kind == "settings.changed")).scalars().all()


def page(response) -> str:
    return response.get_data(as_text=True)


# --- who may do what -----------------------------------------------------------------------

def test_admin_saves_and_the_page_says_who_changed_what(client, login, users):
    token = login("admin")
    html = page(client.get(URL))
    assert "From the environment (ORDER_CUTOFF)" in html and "Save settings" in html
    response = save(client, token, order_cutoff="15:30", delivery_lead_days="3", pickup_ready_hours="0")
    assert response.status_code == 302 and response.headers["Location"] == URL
    html = page(client.get(URL))
    assert "Settings saved: order cut-off, delivery lead time (business days), pickup ready after (hours)." in html
    assert 'value="15:30"' in html
    assert "Changed by Admin on" in html and "From the environment (BUSINESS_OPENS)" in html
    rows = dict(db.session.execute(select(Setting.name, Setting.value)).all())
    assert rows == {"ORDER_CUTOFF": "15:30", "DELIVERY_LEAD_DAYS": 3, "PICKUP_READY_HOURS": 0}  # Config's types


def test_manager_reads_only_and_cannot_save(client, login, users):
    token = login("manager")
    html = page(client.get(URL))
    assert "You can read these settings" in html and "disabled" in html and "Save settings" not in html
    assert save(client, token, order_cutoff="15:30").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


@pytest.mark.parametrize("role", ["sales", "inventory", "fulfillment"])
def test_other_roles_get_403(client, login, role):
    token = login(role)
    assert client.get(URL).status_code == 403
    assert save(client, token, order_cutoff="15:30").status_code == 403


# --- one event per save, nothing for nothing -----------------------------------------------

def test_one_event_per_save_with_only_what_changed(client, login, users):
    token = login("admin")
    save(client, token, business_name="Leeds Fixings Ltd", vat_number="GB 980 7806 84", currency="eur")
    [event] = saved_events()
    assert event.before == {"BUSINESS_NAME": Config.BUSINESS_NAME, "VAT_NUMBER": "", "CURRENCY": "GBP"}
    assert event.after == {"BUSINESS_NAME": "Leeds Fixings Ltd", "VAT_NUMBER": "GB980780684", "CURRENCY": "EUR"}
    assert event.actor_id == users["admin"].id
    response = save(client, token, business_name="Leeds Fixings Ltd", vat_number="GB980780684", currency="EUR")
    assert "Nothing changed; nothing was saved." in page(client.get(response.headers["Location"]))
    assert len(saved_events()) == 1


# --- validation: a message next to each field ----------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"order_cutoff": "2pm"}, "order_cutoff", "Enter a time as HH:MM"),
    ({"order_cutoff": "25:00"}, "order_cutoff", "Enter a time as HH:MM"),
    ({"business_opens": "15:00"}, "business_closes", "Opening must come before the cut-off"),
    ({"order_cutoff": "18:00"}, "business_closes", "the cut-off no later than closing"),
    ({"delivery_lead_days": "-1"}, "delivery_lead_days", "From 0 to 60 days."),
    ({"pickup_ready_hours": "two"}, "pickup_ready_hours", "Enter a whole number of hours"),
    ({"business_country": "XX"}, "business_country", "Choose a country from the list."),
    ({"business_subdivision": "BAV"}, "business_subdivision", "Not a region of that country"),
    ({"extra_closed_days": "24/12/2026\n31/13/2026"}, "extra_closed_days", "“31/13/2026”: there is no month 13"),
    ({"vat_number": "GB123456789"}, "vat_number", "Not a valid VAT number"),
    ({"currency": "XYZ"}, "currency", "Not an ISO 4217 currency code"),
    ({"business_email": "not-an-email"}, "business_email", "Enter a valid email address."),
    ({"business_name": ""}, "business_name", "The company needs a name."),
    ({"intake_channels": []}, "intake_channels", "Approve at least one channel for new orders."),
    ({"special_request_types-0-kind": "Gift Wrap!"}, None, "Lower-case letters, digits and _"),
    ({"special_request_types-1-kind": "delivery_window"}, "special_request_types", "delivery_window appears twice"),
    ({"special_request_types-0-team": "sales"}, None, "Choose inventory or fulfillment."),
])
def test_validation_messages_per_field(client, login, users, changes, field, message):
    token = login("admin")
    response = save(client, token, **changes)
    assert response.status_code == 422
    html = page(response)
    assert message in html
    if field:
        assert f'id="{field}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0 and not saved_events()


# --- the app reads them ----------------------------------------------------------------------

def test_a_changed_cutoff_changes_a_promised_date(client, login, make_order):
    order = make_order()
    assert promise_at(order, "2026-12-02 15:00").date == date(2026, 12, 7)  # after 14:00: Thu → Mon
    save(client, login("admin"), order_cutoff="16:00")
    forget_saved()
    assert setting("ORDER_CUTOFF") == "16:00"
    assert promise_at(order, "2026-12-02 15:00").date == date(2026, 12, 4)  # before 16:00: Wed → Fri


def test_an_extra_closed_day_moves_a_promised_date(client, login, make_order):
    order = make_order()
    assert promise_at(order, "2026-12-02 10:00").date == date(2026, 12, 4)
    response = save(client, login("admin"), extra_closed_days="03/12/2026\n2026-12-04")  # business format or ISO
    assert response.status_code == 302
    assert db.session.get(Setting, "EXTRA_CLOSED_DAYS").value == "2026-12-03,2026-12-04"
    forget_saved()
    assert promise_at(order, "2026-12-02 10:00").date == date(2026, 12, 8)  # Wed, Mon, Tue
    assert "03/12/2026\n04/12/2026" in page(client.get(URL))  # shown in the business format


def test_a_changed_special_request_kind_appears_in_the_request_form(client, login, make_order):
    order = make_order(submit=True)
    token = login("admin")
    save(client, token, **{"special_request_types-6-kind": "tail_lift", "special_request_types-6-label": "Tail-lift delivery",
                           "special_request_types-6-team": "fulfillment", "special_request_types-1-label": "Gift wrapping"})
    log = page(client.get(URL))
    assert 'value="tail_lift"' in log
    log_out(client)
    login("sales")
    html = page(client.get(f"/orders/{order.number}"))
    assert "Tail-lift delivery (fulfillment)" in html and "Gift wrapping (fulfillment)" in html


def test_business_name_appears_in_the_page_header(client, login):
    token = login("admin")
    save(client, token, business_name="Leeds Fixings Ltd")
    html = page(client.get("/admin/"))
    assert '<span class="brand__business" title="Leeds Fixings Ltd">Leeds Fixings Ltd</span>' in html
    assert "· Leeds Fixings Ltd</title>" in html


def test_orders_on_a_channel_not_approved_are_refused(client, login, make_customer, users):
    save(client, login("admin"), intake_channels=["phone", "email", "online"])
    forget_saved()
    customer = make_customer()
    with pytest.raises(OrderError, match="Orders by walk-in are not accepted; the approved channels are: Phone, Email, Online"):
        orders.create_draft(customer, channel="walk-in", actor=users["sales"])
    assert orders.create_draft(db.session.get(Customer, customer.id), channel="phone", actor=users["sales"]).id


def test_the_desk_says_why_an_order_on_a_channel_not_approved_is_refused(client, login, make_customer, users):
    save(client, login("admin"), intake_channels=["phone", "email", "online"])
    customer = make_customer()
    log_out(client)
    token = login("sales")
    response = client.post("/sales/orders/new", data={"csrf_token": token, "customer_id": str(customer.id),
                                                      "channel": "walk-in"}, follow_redirects=True)
    assert "Orders by walk-in are not accepted; the approved channels are: Phone, Email, Online" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
