"""Fewer clicks on the warehouse floor: the next wave in one click, a quantity typed after a
scan, and the way back to the wave and on to its next order (issue 15)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.stock import stock_mismatches
from app.extensions import db
from app.orders import picking, waves
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order
from app.orders.waves import PickWave, WavePreference, tote_slot
from app.timeutil import business_today
from tests.conftest import csrf_from, log_in

HX = {"HX-Request": "true", "HX-Target": "pick-lines"}


@pytest.fixture
def ready(make_order, make_product):
    """A confirmed order ready to pick, promised `days` from today (no confirmation PDF rendered)."""
    def make(days=3, quantity=1, product=None):
        with confirmations_suppressed():
            order = make_order([(product or make_product(on_hand=50), quantity)], submit=True)
        order.promised_date = business_today() + timedelta(days=days)
        db.session.commit()
        return order
    return make


def wave_orders(wave_id):
    return [o.number for o in db.session.get(PickWave, wave_id).orders]


def test_tote_slots_run_a_to_z_then_two_letters():
    assert [tote_slot(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_next_wave_takes_the_earliest_promised_then_the_oldest(client, login, ready):
    later, soonest, same_day_newer, far = ready(days=4), ready(days=1), ready(days=4), ready(days=9)
    token = login("fulfillment")
    response = client.post("/fulfillment/waves/next", data={"csrf_token": token, "size": "3"})
    wave = db.session.execute(select(PickWave)).scalar_one()
    assert response.headers["Location"] == f"/fulfillment/waves/{wave.id}"
    # Earliest promise first; on the same day the order confirmed first goes first. Tote A is the most urgent.
    assert wave_orders(wave.id) == [soonest.number, later.number, same_day_newer.number]
    assert [db.session.get(Order, o.id).status for o in (soonest, later, same_day_newer, far)] == \
        ["picking", "picking", "picking", "confirmed"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Wave {wave.ref} started: 3 ready orders, earliest promised first, in totes A–C. Print its pick list now." \
        in page
    assert 'id="print-wave" autofocus' in page  # the second click (or Enter) prints
    rows = page[page.index("<tbody>"):page.index("</tbody>")]
    assert rows.index('tote-slot">A<') < rows.index(soonest.number) < rows.index('tote-slot">B<') < rows.index(later.number)


def test_the_wave_size_is_remembered_per_person(client, login, make_user, ready):
    for days in range(6):
        ready(days=days + 1)
    token = login("fulfillment")
    assert "Start next wave (5)" in client.get("/fulfillment/").get_data(as_text=True)  # the default
    client.post("/fulfillment/waves/next", data={"csrf_token": token, "size": "2"})
    html = client.get("/fulfillment/").get_data(as_text=True)
    assert "Start next wave (2)" in html and 'id="wave-size" name="size" min="1" max="50" value="2"' in html
    assert db.session.get(WavePreference, db.session.execute(
        select(WavePreference.user_id)).scalar_one()).wave_size == 2
    # A colleague still gets the default, and their own choice does not change ours.
    make_user("picker2", ["fulfillment"])
    other = client.application.test_client()
    response = log_in(other, "picker2")
    html = other.get(response.headers["Location"]).get_data(as_text=True)
    assert "Start next wave (5)" in html
    other.post("/fulfillment/waves/next", data={"csrf_token": csrf_from(html), "size": "3"})
    assert "Start next wave (2)" in client.get("/fulfillment/").get_data(as_text=True)
    assert [len(w.orders) for w in db.session.execute(select(PickWave).order_by(PickWave.id)).scalars()] == [2, 3]


def test_nothing_ready_says_so_and_starts_nothing(client, login, ready, users):
    order = ready()
    picking.start_picking(order, users["fulfillment"])  # a colleague took the last one
    db.session.commit()
    token = login("fulfillment")
    html = client.post("/fulfillment/waves/next", data={"csrf_token": token, "size": "5"},
                       follow_redirects=True).get_data(as_text=True)
    assert "No order is ready to pick, so no wave was started." in html
    assert db.session.scalar(select(func.count()).select_from(PickWave)) == 0


@pytest.mark.parametrize("size", ["0", "51", "five", ""])
def test_a_wave_size_out_of_range_is_refused(client, login, ready, size):
    ready()
    token = login("fulfillment")
    html = client.post("/fulfillment/waves/next", data={"csrf_token": token, "size": size},
                       follow_redirects=True).get_data(as_text=True)
    assert "A wave takes 1 to 50 orders." in html
    assert db.session.scalar(select(func.count()).select_from(PickWave)) == 0
    assert db.session.scalar(select(func.count()).select_from(WavePreference)) == 0


def _scan(client, order, token, typed, last=("", "")):
    response = client.post(f"/fulfillment/orders/{order.number}/scan", headers=HX, data={
        "csrf_token": token, "sku": typed, "quantity": "1", "last_sku": last[0], "last_count": last[1]})
    return response.get_data(as_text=True)


def _last_scan(body):
    """The last scan the page will send with the next number typed (the out-of-band inputs)."""
    part = body[body.index('id="scan-last"'):]
    sku = part.split('name="last_sku" value="', 1)[1].split('"', 1)[0]
    count = part.split('name="last_count" value="', 1)[1].split('"', 1)[0]
    return sku, count


def test_a_number_after_a_scan_picks_that_many(client, login, make_product, ready, users):
    order = ready(quantity=12, product=make_product(on_hand=20, sku="SKU-BOLT"))
    picking.start_picking(order, users["fulfillment"])
    db.session.commit()
    token = login("fulfillment")
    body = _scan(client, order, token, "sku-bolt")
    assert "SKU-BOLT: 1 of 12 picked. More in hand? Type how many, then Enter." in body
    assert 'hx-swap-oob="true"' in body and _last_scan(body) == ("SKU-BOLT", "1")
    body = _scan(client, order, token, "10", _last_scan(body))
    assert "SKU-BOLT: 10 of 12 picked (that scan counted 10)." in body
    assert order.lines[0].qty_picked == 10 and _last_scan(body) == ("SKU-BOLT", "10")
    # Scanning N times still works: two more scans finish the line.
    _scan(client, order, token, "SKU-BOLT")
    body = _scan(client, order, token, "SKU-BOLT")
    assert "SKU-BOLT: 12 of 12 picked." in body and "More in hand" not in body
    assert stock_mismatches() == []


def test_a_number_after_a_scan_cannot_over_pick(client, login, make_product, ready, users):
    order = ready(quantity=10, product=make_product(on_hand=20, sku="SKU-NUT"))
    picking.start_picking(order, users["fulfillment"])
    db.session.commit()
    token = login("fulfillment")
    scanned = _last_scan(_scan(client, order, token, "SKU-NUT"))
    body = _scan(client, order, token, "12", scanned)
    assert "SKU-NUT: only 10 to pick for that scan; 12 typed. Put the extra back." in body
    assert 'flash--error' in body and order.lines[0].qty_picked == 1  # the scan itself stands
    assert _last_scan(body) == ("SKU-NUT", "1")  # so the right number can still be typed
    body = _scan(client, order, token, "10", _last_scan(body))
    assert "SKU-NUT: 10 of 10 picked (that scan counted 10)." in body and order.lines[0].qty_picked == 10
    # The old protection still holds for scans, and a number without a scan before it is a SKU.
    assert "SKU-NUT: only 0 more to pick; 1 scanned. Put the extra back." in _scan(client, order, token, "SKU-NUT")
    assert "10 is not on" in _scan(client, order, token, "10")
    assert order.lines[0].qty_picked == 10


def test_a_numeric_sku_is_scanned_not_counted(app, make_product, ready, users):
    order = ready(quantity=5, product=make_product(on_hand=9, sku="4006381"))
    picking.start_picking(order, users["fulfillment"])
    assert picking.is_count(order, "4006381", last_sku="4006381") is False
    assert picking.is_count(order, "4", last_sku="4006381") is True
    assert picking.is_count(order, "4", last_sku=None) is False
    assert picking.is_count(order, "٤", last_sku="4006381") is False  # digits, but not ours


def test_pick_and_ship_pages_lead_back_to_the_wave_and_on_to_its_next_order(client, login, ready, users):
    first, second, third = ready(days=1), ready(days=2), ready(days=3)
    wave = picking.start_wave([first, second, third], users["fulfillment"])
    db.session.commit()
    login("fulfillment")
    html = client.get(f"/fulfillment/orders/{first.number}/pick").get_data(as_text=True)
    assert f'href="/fulfillment/waves/{wave.id}" id="back-to-wave">← Back to wave {wave.ref}' in html
    assert "Tote A" in html
    assert f"Next order in this wave: {second.number} (tote B)" in html
    assert f'href="/fulfillment/orders/{second.number}/pick"' in html
    # The last order wraps round to the first still on the floor.
    html = client.get(f"/fulfillment/orders/{third.number}/pick").get_data(as_text=True)
    assert f"Next order in this wave: {first.number} (tote A)" in html
    # Picked and packed: the ship page offers the next order still to do; dispatched ones are skipped.
    for order in (first, second):
        picking.scan(order, order.lines[0].sku, 1, users["fulfillment"])
        picking.finish_pick(order, users["fulfillment"])
    from app.orders.services import transition
    transition(second, "dispatch", users["fulfillment"], carrier="DPD", tracking_number="1")
    db.session.commit()
    html = client.get(f"/fulfillment/orders/{first.number}/ship").get_data(as_text=True)
    assert "Tote A" in html and f"← Back to wave {wave.ref}" in html
    assert f"Next order in this wave: {third.number} (tote C)" in html
    picking.scan(third, third.lines[0].sku, 1, users["fulfillment"])
    picking.finish_pick(third, users["fulfillment"])
    transition(third, "dispatch", users["fulfillment"], carrier="DPD", tracking_number="2")
    db.session.commit()
    html = client.get(f"/fulfillment/orders/{first.number}/ship").get_data(as_text=True)
    assert "No other order of this wave is left to pick or ship." in html and 'id="next-in-wave"' not in html


def test_an_order_picked_alone_has_no_wave_links(client, login, ready, users):
    order = ready()
    picking.start_picking(order, users["fulfillment"])
    db.session.commit()
    login("fulfillment")
    html = client.get(f"/fulfillment/orders/{order.number}/pick").get_data(as_text=True)
    assert 'id="back-to-wave"' not in html and 'id="next-in-wave"' not in html


def test_ready_list_marks_late_orders_with_compact_columns(client, login, ready):
    late, on_time = ready(days=-2), ready(days=2)
    login("fulfillment")
    html = client.get("/fulfillment/").get_data(as_text=True)
    queue = html[html.index('id="queue"'):html.index("</table>")]
    late_row = queue[queue.index(late.number):queue.index(on_time.number)]  # the late one is promised first
    assert '<td class="neg nowrap" title="past the promised date">' in late_row and " · late</td>" in late_row
    on_time_row = queue[queue.index(on_time.number):]
    on_time_row = on_time_row[:on_time_row.index("</tr>")]
    assert "· late" not in on_time_row and '<td class="nowrap">' in on_time_row
    assert '<th class="nowrap">Promised</th>' in queue and '<th class="nowrap">Age</th>' in queue


def test_next_wave_orders_skip_held_and_fully_backordered(app, make_product, ready, users):
    held, empty, good = ready(days=1), ready(days=1, product=make_product(on_hand=0)), ready(days=2)
    held.on_hold, held.hold_reason = True, "Customer asked to wait"
    db.session.commit()
    assert [o.id for o in waves.next_wave_orders(5)] == [good.id]
    assert empty.lines[0].qty_reserved == 0
