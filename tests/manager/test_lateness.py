"""Why late: each reason derived from an order's state, days late in business days, the
manager's Late / At risk queues with their tiles, and a constant number of queries."""

import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.formatting import day
from app.orders import lifecycle
from app.orders.communications import log_communication
from app.orders.confirmation import confirmations_suppressed
from app.orders.lateness import business_days_late, lateness_of
from app.orders.promising import add_business_days, is_business_day
from app.orders.requests import add_request
from app.timeutil import business_today, frozen_clock, utcnow
from tests.conftest import counting_statements

REF = re.compile(r'<a class="ref" href="/orders/([^"]+)">')


def business_days_before(today: date, count: int) -> date:
    """The day `count` business days late by today (business days from it up to today);
    a negative `count`: that many business days ahead."""
    if count < 0:
        return add_business_days(today, -count)
    day, seen = today, 0
    while seen < count:
        day -= timedelta(days=1)
        seen += is_business_day(day)
    return day


@pytest.fixture
def late_order(order_in, users):
    """An order in `status` since `days_in_status` days ago, `late` business days past its
    promise; confirmed to the customer by phone unless `confirmed` is False."""
    def make(status="confirmed", late=2, days_in_status=0, confirmed=True, **kw):
        with confirmations_suppressed(), frozen_clock(utcnow() - timedelta(days=days_in_status)):
            order = order_in(status, **kw)
            if confirmed:
                log_communication(order, users["sales"], direction="out", medium="phone",
                                  summary="Read the order back", confirms=True)
        order.promised_date = business_days_before(business_today(), late)
        db.session.commit()
        return order
    return make


def why(order) -> list[str]:
    found = lateness_of([order]).get(order.id)
    return [r.text for r in found.reasons] if found else None


def test_days_late_count_business_days_from_the_promise_that_ended_without_it(app):
    assert business_days_late(date(2026, 3, 6), date(2026, 3, 10)) == 2  # Fri → Tue: Fri, Mon
    assert business_days_late(date(2026, 3, 6), date(2026, 3, 7)) == 1  # the Saturday after
    assert business_days_late(date(2026, 4, 2), date(2026, 4, 7)) == 1  # Good Friday, Easter Monday
    assert business_days_late(date(2026, 3, 10), date(2026, 3, 10)) == 0  # due today: not late


def test_waiting_for_stock_names_the_sku_and_what_is_short(late_order, make_product):
    product = make_product(sku="SKU-0042", on_hand=1, lead_time_days=5)
    order = late_order("confirmed", product=product, quantity=4, days_in_status=10)  # its lead time has passed
    assert why(order) == ["Waiting for stock: SKU-0042 (3 short)", "Not picked yet: confirmed 10 days ago"]


def test_stock_that_arrived_but_is_not_allocated_is_said(late_order, make_product):
    from app.catalog import services as stock
    product = make_product(sku="SKU-0043", on_hand=0)
    order = late_order("confirmed", product=product, quantity=2)
    stock.move_stock(product.id, "receipt", 10, "Delivery")
    db.session.commit()
    assert why(order) == ["Waiting for stock: SKU-0043 (2 short; 10 in stock now, not yet allocated)"]


def test_an_at_risk_backorder_gives_the_receipt_its_lead_time_expects(late_order, make_product, app):
    product = make_product(sku="SKU-0044", on_hand=0, lead_time_days=7)
    order = late_order("confirmed", product=product, quantity=3)
    order.promised_date = business_today()
    db.session.commit()
    expected = add_business_days(business_today(), 7)
    found = lateness_of([order])[order.id]
    assert found.at_risk and not found.late
    assert found.reasons[0].text == f"Waiting for stock: SKU-0044 (3 short; expected {day(expected)} by its 7-day lead time)"


def test_picking_packed_and_pickup_say_how_long(late_order):
    assert why(late_order("picking", days_in_status=6)) == ["In picking for 6 days"]
    assert why(late_order("packed", days_in_status=3)) == ["Packed 3 days ago, not dispatched"]
    assert why(late_order("ready_for_pickup", days_in_status=4)) == ["Ready for pickup for 4 days, awaiting collection"]


def test_hold_request_and_confirmation_most_blocking_first(late_order, users):
    order = late_order("confirmed", confirmed=False, days_in_status=2)
    add_request(order, "gift_wrap", "Wrap it in red", users["sales"])
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    assert why(order) == ["On hold: Credit check", "Special request undecided: Gift wrap",
                          "Not picked yet: confirmed 2 days ago", "Confirmation not sent"]


def test_orders_neither_late_nor_at_risk_have_no_reason(late_order, order_in):
    far = late_order("confirmed")
    far.promised_date = add_business_days(business_today(), 5)
    packed_soon = late_order("packed")  # picked already: not at risk
    packed_soon.promised_date = business_today()
    dispatched = late_order("dispatched", late=5)  # out of the building: not late
    db.session.commit()
    assert lateness_of([far, packed_soon, dispatched]) == {}


def tile(html: str, name: str) -> int:
    match = re.search(rf'data-tile="{name}">\s*<span class="count__n">(\d+)</span>', html)
    assert match, name
    return int(match.group(1))


def test_manager_opens_on_late_orders_with_days_and_reasons_and_tiles(client, login, late_order):
    oldest = late_order("picking", late=4, days_in_status=6)
    newer = late_order("confirmed", late=1)
    soon = late_order("confirmed", late=0)  # promised today: at risk
    late_order("confirmed", late=-10)  # far off
    login("manager")
    html = client.get("/manager/").get_data(as_text=True)
    assert tile(html, "late") == 2 and tile(html, "at_risk") == 1
    assert 'aria-current="true">Late<' in html
    assert REF.findall(html) == [oldest.number, newer.number]
    assert "4 business days late" in html and "In picking for 6 days" in html and "1 business day late" in html
    risk = client.get("/manager/?view=at_risk").get_data(as_text=True)
    assert REF.findall(risk) == [soon.number] and "At risk" in risk


def test_order_page_shows_why_late(client, login, late_order):
    late = late_order("packed", late=3, days_in_status=3)
    on_time = late_order("confirmed", late=-6)
    login("sales")
    page = client.get(f"/orders/{late.number}").get_data(as_text=True)
    assert "3 business days late" in page and "Packed 3 days ago, not dispatched" in page
    assert "data-why-late" not in client.get(f"/orders/{on_time.number}").get_data(as_text=True)


def test_counts_region_carries_the_tiles(client, login, late_order):
    late_order("confirmed")
    login("manager")
    html = client.get("/manager/", headers={"HX-Request": "true", "HX-Target": "counts"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="counts"') and tile(html, "late") == 1


def statements_for(client, url) -> int:
    with counting_statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def _varied_late_orders(late_order, users, make_product, count, start=0):
    for n in range(start, start + count):
        order = late_order(("confirmed", "picking", "packed")[n % 3], late=1 + n % 4, confirmed=bool(n % 2),
                           product=make_product(on_hand=1) if n % 3 == 0 else None)
        if n % 5 == 0:
            add_request(order, "gift_wrap", "Wrap", users["sales"])
        if n % 4 == 0:
            lifecycle.set_hold(order, users["sales"], "Customer asked to wait")
    db.session.commit()


def test_the_late_tab_costs_the_same_queries_for_5_or_30_late_orders(client, login, late_order, users, make_product):
    _varied_late_orders(late_order, users, make_product, 5)
    login("manager")
    with_five = statements_for(client, "/manager/")
    _varied_late_orders(late_order, users, make_product, 25, start=5)
    with_thirty = statements_for(client, "/manager/")
    print(f"late tab statements: {with_five} with 5 late orders, {with_thirty} with 30")
    assert with_five == with_thirty
