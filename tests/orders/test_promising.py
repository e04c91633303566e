"""The promised date: business days by the holiday calendar, cut-off, lead times, split, pickup."""

from datetime import date, datetime

import pytest

from app.extensions import db
from app.formatting import day
from app.orders import services as orders
from app.orders.promising import add_business_days, is_business_day, promise_for
from app.timeutil import frozen_clock, local
from tests.orders.helpers import london


def promise_at(order, when: str):
    with frozen_clock(london(when)):
        return promise_for(order)


def test_england_holidays_and_weekends_are_not_business_days(app):
    assert not is_business_day(date(2026, 12, 25))  # Christmas Day
    assert not is_business_day(date(2026, 12, 28))  # Boxing Day (observed)
    assert not is_business_day(date(2026, 12, 5))  # Saturday
    assert is_business_day(date(2026, 12, 29))
    assert add_business_days(date(2026, 12, 24), 2) == date(2026, 12, 30)


def test_region_comes_from_config(app, monkeypatch):
    assert is_business_day(date(2026, 1, 2))  # not a holiday in England
    monkeypatch.setitem(app.config, "BUSINESS_SUBDIVISION", "SCT")
    assert not is_business_day(date(2026, 1, 2))  # 2 January is a bank holiday in Scotland


def test_before_cutoff_ships_today_after_cutoff_tomorrow(make_order):
    order = make_order()  # in stock, delivery: 2 business days in transit
    assert promise_at(order, "2026-12-02 13:59").date == date(2026, 12, 4)  # Wed → Fri
    late = promise_at(order, "2026-12-02 14:00")
    assert late.processed_on == date(2026, 12, 3) and late.date == date(2026, 12, 7)  # Thu → Mon


def test_cutoff_is_configurable(make_order, app, monkeypatch):
    order = make_order()
    monkeypatch.setitem(app.config, "ORDER_CUTOFF", "16:30")
    assert promise_at(order, "2026-12-02 16:00").date == date(2026, 12, 4)


def test_christmas_pushes_the_date_past_the_holidays(make_order):
    order = make_order()
    assert promise_at(order, "2026-12-24 10:00").date == date(2026, 12, 30)
    assert promise_at(order, "2026-12-26 10:00").date == date(2026, 12, 31)  # Saturday: Tue 29 + 2


def test_backordered_line_uses_the_products_lead_time(make_order, make_product):
    short = make_product(on_hand=1, lead_time_days=5)
    order = make_order(lines=[(make_product(), 1), (short, 3)])
    promise = promise_at(order, "2026-12-01 09:00")  # Tuesday, processed today
    assert [line.short for line in promise.lines] == [0, 2]
    # ready Tue 8 Dec (5 business days), delivered 2 business days later
    assert promise.lines[1].date == date(2026, 12, 10)
    assert promise.date == date(2026, 12, 10) and not promise.split


def test_split_promises_the_first_part(make_order, make_product):
    short = make_product(on_hand=0, lead_time_days=3)
    order = make_order(lines=[(make_product(), 1), (short, 1)])
    order.accepts_split = True
    promise = promise_at(order, "2026-12-01 09:00")
    assert promise.split
    assert promise.date == date(2026, 12, 3) and promise.complete_by == date(2026, 12, 8)


def test_pickup_ready_by_time_same_day_or_next_morning(make_order):
    order = make_order(method="pickup")
    morning = promise_at(order, "2026-07-01 10:05")  # BST
    assert morning.ready_by.replace(tzinfo=None) == datetime(2026, 7, 1, 12, 15)
    assert morning.ready_by_utc == datetime(2026, 7, 1, 11, 15)
    friday_late = promise_at(order, "2026-07-03 16:00")
    assert friday_late.ready_by.replace(tzinfo=None) == datetime(2026, 7, 6, 10, 0)
    assert friday_late.date == date(2026, 7, 6)


def test_submit_stores_the_promised_date_from_real_backorders(make_order, make_product, users):
    short = make_product(on_hand=2, lead_time_days=10)
    order = make_order(lines=[(short, 5)])
    with frozen_clock(london("2026-12-01 09:00")):
        orders.submit_order(order, users["sales"])
    db.session.commit()
    assert order.lines[0].qty_backordered == 3
    assert order.promised_date == date(2026, 12, 17)  # 10 business days, then 2 in transit
    assert order.revisions[0].snapshot["promised_date"] == "2026-12-17"


def test_pickup_submit_stores_ready_by(make_order, users):
    order = make_order(method="pickup")
    with frozen_clock(london("2026-12-01 09:00")):
        orders.submit_order(order, users["sales"])
    db.session.commit()
    assert local(order.ready_by).strftime("%Y-%m-%d %H:%M") == "2026-12-01 11:00"
    assert order.promised_date == date(2026, 12, 1)


def test_no_lines_no_promise(app, make_customer, users):
    order = orders.create_draft(make_customer(), channel="phone", actor=users["sales"])
    assert promise_for(order) is None


@pytest.mark.parametrize("role", ["sales", "inventory"])
def test_order_page_shows_promise(client, login, make_order, users, role):
    draft = make_order()
    login(role)
    html = client.get(f"/orders/{draft.ref}").get_data(as_text=True)
    assert "data-promise-preview" in html and "if submitted now" in html
    confirmed = make_order(submit=True)
    html = client.get(f"/orders/{confirmed.ref}").get_data(as_text=True)
    assert f"data-promised-date>{day(confirmed.promised_date)}" in html


def test_entry_screen_shows_the_promise_and_split_moves_it(client, login, make_order, make_product):
    short = make_product(on_hand=0, lead_time_days=5)
    order = make_order(lines=[(make_product(), 1), (short, 1)])
    token = login("sales")
    html = client.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    assert "Promised date" in html and "waits for stock" in html and "accepts a split" in html
    whole = promise_for(order).date
    response = client.post(f"/orders/{order.ref}/split", data={"csrf_token": token, "accepts_split": "y"})
    assert response.status_code == 302
    assert order.accepts_split and promise_for(order).date < whole
    html = client.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    assert "first part" in html and "one delivery" in html
