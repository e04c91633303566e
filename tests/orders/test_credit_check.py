"""The credit check (SOP 4, verify): a draft for a customer on credit hold, or one that takes
the customer's open orders past their credit limit, cannot be submitted until a manager clears
it with a reason; a rep cannot acknowledge it, and a larger total brings it back."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.events.models import Event
from app.extensions import db
from app.notifications.models import Notification
from app.orders import verification
from tests.conftest import csrf_from, log_in
from tests.sales import conftest as sales_desk
from tests.sales.conftest import Desk, fresh

desk, new_draft = sales_desk.desk, sales_desk.new_draft  # the sales desk's fixtures, here too


@pytest.fixture
def manager(app, users):
    """A second browser, the manager's, beside the rep's `desk`."""
    client = app.test_client()
    response = log_in(client, "manager")
    return Desk(client, csrf_from(client.get(response.headers["Location"]).get_data(as_text=True)))


@pytest.fixture
def limited(make_customer):
    """C-LIM with a £100.00 limit."""
    return make_customer(code="C0042", credit_limit=Decimal("100.00"))


def credit_flags(order):
    return [f for f in verification.refresh_flags(fresh(order)) if f.kind == "credit"]


def review_and_submit(desk, order):
    """Acknowledge what a rep can (Alt+A sends every shown key), then submit."""
    keys = [flag.key for flag in verification.shown_flags(fresh(order))]
    desk.post(f"/sales/orders/{order.ref}/flags/acknowledge-all", {"key": keys}, order=order)
    return desk.post(f"/sales/orders/{order.ref}/submit", {}, order=order, htmx=False)


def test_over_the_limit_raises_a_check_with_the_amounts(desk, new_draft, make_product, limited):
    product = make_product(price="50.00", tax_rate=Decimal("20"))
    order = new_draft([(product, 1)], customer=limited)  # 60.00 gross: within the limit
    assert credit_flags(order) == []
    page = desk.post(f"/sales/orders/{order.ref}/lines/{order.lines[0].id}", {"quantity": "2"}, order=order)
    assert page.status_code == 200
    # 2 × 50.00 + 20 % VAT = 120.00 gross
    [flag] = credit_flags(order)
    assert flag.message == "Takes C0042 to £120.00 against a limit of £100.00."
    assert "Waiting for a manager to clear it" in desk.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)


def test_other_open_orders_count_but_dispatched_and_cancelled_do_not(new_draft, make_product, limited, order_in):
    product = make_product(price="30.00", tax_rate=Decimal("0"))
    order_in("confirmed", customer=limited, product=product, quantity=2)   # 60.00 open
    order_in("dispatched", customer=limited, product=product, quantity=3)  # gone to the accounts
    order_in("cancelled", customer=limited, product=product, quantity=3)
    order = new_draft([(product, 1)], customer=limited)  # 60 + 30 = 90: fine
    assert credit_flags(order) == []
    order = new_draft([(product, 2)], customer=limited)  # 60 + 60 = 120
    [flag] = credit_flags(order)
    assert "to £120.00 against a limit of £100.00" in flag.message


def test_credit_hold_raises_a_check_whatever_the_total(new_draft, make_product, make_customer):
    customer = make_customer(code="C0007", credit_hold=True, credit_hold_reason="Invoice 881 unpaid")
    order = new_draft([(make_product(price="1.00"), 1)], customer=customer)
    [flag] = credit_flags(order)
    assert flag.key == "credit:hold" and flag.message == "C0007 is on credit hold: Invoice 881 unpaid."


def test_the_manager_is_told(desk, new_draft, make_product, limited, users):
    order = new_draft([(make_product(price="200.00"), 1)], customer=limited)
    desk.post(f"/sales/orders/{order.ref}/header", {"instructions": "Ring first", "method": "delivery",
                                                        "channel": "phone", "address": "1 Test Street"}, order=order)
    db.session.expire_all()
    event = db.session.execute(select(Event).where(Event.kind == "order.credit_check")).scalar_one()
    assert event.order_id == order.id and "A manager must clear it" in event.summary
    told = db.session.execute(select(Notification.user_id).where(Notification.event_id == event.id)).scalars().all()
    assert told == [users["manager"].id]


def test_a_rep_cannot_clear_or_acknowledge_it_nor_submit(desk, new_draft, make_product, limited):
    order = new_draft([(make_product(price="200.00"), 1)], customer=limited)
    [flag] = credit_flags(order)
    db.session.commit()
    acknowledged = desk.post(f"/sales/orders/{order.ref}/flags/acknowledge", {"key": flag.key}, order=order)
    cleared = desk.post(f"/sales/orders/{order.ref}/flags/clear-credit", {"key": flag.key, "reason": "fine"},
                        order=order)
    assert acknowledged.status_code == 403 and cleared.status_code == 403
    response = review_and_submit(desk, order)
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    order = fresh(order)
    assert order.status == "draft" and order.number is None
    assert [f.acknowledged_at for f in order.flags if f.kind == "credit"] == [None]
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "A manager must clear the credit check" in page


def test_manager_clears_with_a_reason_then_the_rep_submits(desk, manager, new_draft, make_product, limited, users):
    order = new_draft([(make_product(price="200.00"), 1)], customer=limited)
    [flag] = credit_flags(order)
    db.session.commit()
    url = f"/sales/orders/{order.ref}/flags/clear-credit"
    refused = manager.post(url, {"key": flag.key, "reason": " "}, order=order)
    assert "Say why" in refused.get_data(as_text=True) and credit_flags(order)[0].acknowledged_at is None
    panel = manager.post(url, {"key": flag.key, "reason": "Paid by card today"}, order=order)
    assert "Cleared by Manager" in panel.get_data(as_text=True) and "Paid by card today" in panel.get_data(as_text=True)
    event = db.session.execute(select(Event).where(Event.kind == "order.credit_cleared")).scalar_one()
    assert event.actor_id == users["manager"].id and event.after["reason"] == "Paid by card today"
    response = review_and_submit(desk, order)
    order = fresh(order)
    assert response.headers["Location"] == f"/orders/{order.number}" and order.status == "confirmed"
    history = desk.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Credit check cleared" in history and "Paid by card today" in history


def test_a_larger_total_needs_clearing_again(desk, manager, new_draft, make_product, limited):
    product = make_product(price="200.00", tax_rate=Decimal("0"))
    order = new_draft([(product, 1)], customer=limited)
    [flag] = credit_flags(order)
    db.session.commit()
    manager.post(f"/sales/orders/{order.ref}/flags/clear-credit", {"key": flag.key, "reason": "Agreed"}, order=order)
    assert credit_flags(order)[0].acknowledged_at is not None
    desk.post(f"/sales/orders/{order.ref}/lines/{order.lines[0].id}", {"quantity": "3"}, order=order)
    [again] = credit_flags(order)
    assert again.acknowledged_at is None and "£600.00" in again.message
    assert review_and_submit(desk, order).headers["Location"].endswith("/review")
    assert fresh(order).status == "draft"


def test_no_limit_means_no_check(new_draft, make_product, make_customer):
    order = new_draft([(make_product(price="90000.00"), 10)], customer=make_customer())
    assert credit_flags(order) == []
