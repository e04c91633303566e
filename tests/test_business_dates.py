"""Dates and money in the business's format (BUSINESS_LOCALE, through Babel): shown on screen,
typed into forms (the business's short date, d/m/yy, or ISO), refused with a message that keeps
what was typed; GET filters take both forms while their links keep ISO."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import current_app

from app.formatting import date_placeholder, day, entry_date, money, parse_day, when
from app.timeutil import business_today
from tests.sales.conftest import Desk, fresh

HEADER = {"channel": "phone", "method": "delivery", "address": "1 Test Street\nLeeds\nLS1 1AA",
          "instructions": "Ring twice", "customer_reference": "PO-9"}


@pytest.fixture
def locale(app):
    def use(name):
        current_app.config["BUSINESS_LOCALE"] = name
    yield use
    current_app.config["BUSINESS_LOCALE"] = "en_GB"


def test_en_gb_reads_as_before(app):
    # in the installation's currency (CURRENCY, GBP by default), placed as the locale places it
    assert money(Decimal("1234567.5")) == "£1,234,567.50" and money(0) == "£0.00" and money(None) == ""
    assert money(Decimal("-2.345")) == "-£2.34"  # half to even, as before
    assert day(date(2026, 1, 5)) == "Mon 05 Jan 2026"
    assert when(datetime(2026, 7, 1, 12, 30)) == "01 Jul 2026 13:30"  # BST
    assert when(datetime(2026, 1, 1, 9, 5), "%A %d %B %Y, from %H:%M") == "Thursday 01 January 2026, from 09:05"
    assert entry_date(date(2026, 1, 5)) == "05/01/2026" and date_placeholder() == "dd/mm/yyyy"


def test_another_locale_formats_and_parses_its_own_way(locale):
    locale("de_DE")
    assert money(Decimal("1234.5")) == "1.234,50\xa0£"  # German order, the installation's currency
    assert entry_date(date(2026, 1, 5)) == "05.01.2026" and date_placeholder() == "dd.mm.yyyy"
    assert parse_day("13.1.26") == date(2026, 1, 13)
    locale("en_US")
    assert date_placeholder() == "mm/dd/yyyy" and parse_day("1/13/2026") == date(2026, 1, 13)


@pytest.mark.parametrize(("typed", "expected"), [
    ("15/01/2030", date(2030, 1, 15)), ("5/1/30", date(2030, 1, 5)), (" 05.01.2026 ", date(2026, 1, 5)),
    ("2030-01-15", date(2030, 1, 15)), ("2030-1-5", date(2030, 1, 5)),
])
def test_typed_dates_the_desk_accepts(app, typed, expected):
    assert parse_day(typed) == expected


@pytest.mark.parametrize(("typed", "reason"), [
    ("12/25/2026", "there is no month 25"), ("31/02/2026", "there is no such day"),
    ("2026-02-31", "there is no such day"), ("tomorrow", "write it as dd/mm/yyyy"),
    ("2030/01/15", "write it as dd/mm/yyyy"), ("1/1/226", "write it as dd/mm/yyyy"), ("", "write it as dd/mm/yyyy"),
])
def test_typed_dates_refused_with_the_reason(app, typed, reason):
    with pytest.raises(ValueError, match=reason):
        parse_day(typed)


@pytest.fixture
def desk(client, login):
    return Desk(client, login("sales"))


def test_entry_screen_takes_a_date_as_dd_mm_yyyy_and_shows_it_back(desk, make_order):
    draft = make_order()
    wanted = business_today() + timedelta(days=10)
    page = desk.get(f"/sales/orders/{draft.ref}/edit").get_data(as_text=True)
    assert 'id="requested_date" inputmode="numeric"' in page and 'placeholder="dd/mm/yyyy"' in page
    assert 'type="date"' not in page
    response = desk.post(f"/sales/orders/{draft.ref}/header",
                         {**HEADER, "requested_date": wanted.strftime("%-d/%-m/%y")}, order=draft)
    assert "Saved" in response.get_data(as_text=True)
    assert fresh(draft).requested_date == wanted
    page = desk.get(f"/sales/orders/{draft.ref}/edit").get_data(as_text=True)
    assert f'value="{wanted:%d/%m/%Y}"' in page


def test_a_bad_date_says_how_to_write_it_and_saves_nothing(desk, make_order):
    draft = make_order()
    response = desk.post(f"/sales/orders/{draft.ref}/header", {**HEADER, "requested_date": "32/1/2030"}, order=draft)
    assert "“32/1/2030” is not a date: there is no such day." in response.get_data(as_text=True)
    assert fresh(draft).requested_date is None


def test_a_form_shown_again_keeps_the_typed_text(client, login, make_order):
    token = login("sales")
    order = make_order(submit=True)
    form = client.get(f"/orders/{order.number}/amend").get_data(as_text=True)
    seen = re.search(r'name="seen_event"[^>]*value="(\d+)"', form).group(1)
    response = client.post(f"/orders/{order.number}/amend", data={
        "csrf_token": token, "version": str(fresh(order).version), "seen_event": seen, "channel": "phone",
        "requested_by": "Pat", "verified_how": "Called back", "method": "delivery", "address": "2 Road\nLeeds",
        "requested_date": "12/25/2030",
        **{f"quantities-{i}-{k}": v for i, line in enumerate(order.lines) for k, v in (("line_id", line.id), ("quantity", line.quantity))}})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="12/25/2030"' in page and "“12/25/2030” is not a date: there is no month 25." in page


def test_iso_dates_still_post(desk, make_order):
    draft = make_order()
    wanted = business_today() + timedelta(days=4)
    desk.post(f"/sales/orders/{draft.ref}/header", {**HEADER, "requested_date": wanted.isoformat()}, order=draft)
    assert fresh(draft).requested_date == wanted


def test_review_period_takes_either_form_and_links_keep_iso(client, login):
    login("manager")
    page = client.get("/manager/review?from=01/03/2026&to=2026-03-31").get_data(as_text=True)
    assert 'value="01/03/2026"' in page and 'value="31/03/2026"' in page and 'placeholder="dd/mm/yyyy"' in page
    assert "/manager/review.csv?from=2026-03-01&amp;to=2026-03-31" in page
    refused = client.get("/manager/review?from=31/31/2026")
    assert refused.status_code == 422 and "is not a date: there is no month 31" in refused.get_data(as_text=True)


def test_audit_filter_dates_in_the_business_format(client, login):
    login("manager")
    page = client.get("/audit/?from=2026-03-01&to=31/03/2026").get_data(as_text=True)
    assert 'name="from" value="01/03/2026"' in page and 'name="to" value="31/03/2026"' in page
    assert 'type="date"' not in page
