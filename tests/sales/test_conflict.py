"""Two people on the same draft: the save made from an older page is refused with the
conflict message, and nothing of the first person's is overwritten."""

from werkzeug.datastructures import MultiDict

from app.extensions import db
from tests.conftest import csrf_from, log_in
from tests.sales.conftest import Desk, fresh

CONFLICT = "Someone else changed"


def second_rep(app, make_user):
    rep = make_user("second", ["sales"])
    client = app.test_client()
    log_in(client, rep.username)
    return Desk(client, csrf_from(client.get("/sales/").get_data(as_text=True)))


def test_older_version_header_save_is_refused(app, desk, make_user, new_draft, make_product):
    order = new_draft([(make_product(), 2)])
    other = second_rep(app, make_user)
    seen = fresh(order).version  # both opened the draft at this version
    first = desk.post(f"/sales/orders/{order.ref}/header", {"channel": "phone", "method": "delivery",
                      "address": "1 Test Street", "instructions": "Leave at gate"}, version=seen)
    assert "Saved" in first.get_data(as_text=True)
    second = other.post(f"/sales/orders/{order.ref}/header", {"channel": "walk-in", "method": "delivery",
                        "address": "Somewhere else", "instructions": "Call first"}, version=seen)
    assert second.status_code == 200
    assert CONFLICT in second.get_data(as_text=True)
    assert second.headers["HX-Retarget"] == "#draft-conflict"
    order = fresh(order)
    assert (order.channel, order.address, order.instructions) == ("phone", "1 Test Street", "Leave at gate")


def test_older_version_line_changes_are_refused(app, desk, make_user, new_draft, make_product):
    product = make_product()
    order = new_draft([(product, 2)])
    line = order.lines[0]
    other = second_rep(app, make_user)
    seen = fresh(order).version
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 5}, version=seen)
    for url, data in ((f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 9}),
                      (f"/sales/orders/{order.ref}/lines/{line.id}/remove", {}),
                      (f"/sales/orders/{order.ref}/lines/{line.id}/price", {"price": "9.00", "reason": "x"}),
                      (f"/sales/orders/{order.ref}/lines", {"sku": make_product().sku, "quantity": 1})):
        assert CONFLICT in other.post(url, data, version=seen).get_data(as_text=True), url
    order = fresh(order)
    assert [(x.sku, x.quantity, x.unit_price) for x in order.lines] == [(product.sku, 5, product.unit_price)]


def test_submit_from_an_older_review_is_refused(app, desk, make_user, new_draft, make_product):
    order = new_draft([(make_product(), 2)])
    other = second_rep(app, make_user)
    seen = fresh(order).version
    desk.post(f"/sales/orders/{order.ref}/lines/{order.lines[0].id}", {"quantity": 4}, version=seen)
    response = other.post(f"/sales/orders/{order.ref}/submit", version=seen, htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    assert CONFLICT in other.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh(order).status == "draft" and db.session.get(type(order), order.id).number is None


def test_the_version_sent_last_wins_over_the_forms_own(desk, new_draft, make_product):
    """htmx appends #draft-version after the form's own (older) hidden version."""
    order = new_draft([(make_product(), 2)])
    current = fresh(order).version
    response = desk.client.post(f"/sales/orders/{order.ref}/lines/{order.lines[0].id}",
                                data=MultiDict([("csrf_token", desk.token), ("version", str(current - 1)),
                                      ("quantity", "3"), ("version", str(current))]),
                                headers={"HX-Request": "true"})
    assert CONFLICT not in response.get_data(as_text=True)
    assert fresh(order).lines[0].quantity == 3
