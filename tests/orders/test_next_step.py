"""What is next for an order and who owns it (app/orders/next_step.py): every status, with
and without a hold, an undecided special request, a request to release the pick, unacknowledged
checks and a backorder; then the same rule on real orders brought to each status."""

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.orders import lifecycle, requests
from app.orders.confirmation import confirmations_suppressed
from app.orders.next_step import NextStep, next_step
from app.orders.states import STATUSES


@pytest.fixture(autouse=True)
def _no_pdfs():
    """No test here looks at a confirmation PDF: submit without rendering one."""
    with confirmations_suppressed():
        yield

# Without a hold or an undecided request: what each status waits for.
BY_STATUS = {
    ("draft", "delivery"): ("finish entry and submit", "sales"),
    ("confirmed", "delivery"): ("pick", "fulfillment"),
    ("picking", "delivery"): ("finish picking and pack", "fulfillment"),
    ("packed", "delivery"): ("dispatch", "fulfillment"),
    ("packed", "pickup"): ("mark ready for pickup", "fulfillment"),
    ("dispatched", "delivery"): ("With the carrier: waiting for delivery", None),
    ("ready_for_pickup", "pickup"): ("Waiting for the customer to collect", None),
    ("delivered", "delivery"): ("Complete: nothing more to do", None),
    ("collected", "pickup"): ("Complete: nothing more to do", None),
    ("cancelled", "delivery"): ("Cancelled: nothing more to do", None),
}
CLOSED = {"delivered", "collected", "cancelled"}


def line(reserved=2, backordered=0):
    return SimpleNamespace(qty_reserved=reserved, qty_backordered=backordered)


def request(team="inventory", status="pending", not_promised=False):
    r = SimpleNamespace(owner_team=team, status=status, not_promised=not_promised, done_at=None)
    r.undecided = status == "pending" and not not_promised
    return r


def order(status, method="delivery", on_hold=False, special_requests=(), flags=(), lines=None):
    return SimpleNamespace(status=status, method=method, on_hold=on_hold, special_requests=list(special_requests),
                           flags=list(flags), lines=lines if lines is not None else [line()])


def test_every_status_has_a_next_step():
    assert {status for status, _ in BY_STATUS} == set(STATUSES)


@pytest.mark.parametrize(("status", "method"), list(BY_STATUS))
@pytest.mark.parametrize("held", [False, True])
@pytest.mark.parametrize("pending", [None, "inventory", "fulfillment"])
def test_status_hold_and_request_combinations(status, method, held, pending):
    step = next_step(order(status, method, on_hold=held, special_requests=[request(pending)] if pending else []))
    if status in CLOSED:  # a closed order is never held and nobody decides its requests any more
        assert step.done and step.team is None and step.action == BY_STATUS[status, method][0]
    elif held:  # a held order does not move until sales releases it, whatever else waits
        assert (step.action, step.team) == ("release the hold", "sales")
    elif pending:  # an undecided request waits for the team that owns it
        assert (step.action, step.team) == ("decide special request", pending)
    else:
        assert (step.action, step.team) == BY_STATUS[status, method]
        assert step.waiting == (step.team is None) and not step.done


@pytest.mark.parametrize("decided", [("approved", False), ("rejected", False), ("done", False), ("pending", True)])
def test_a_decided_request_or_one_accepted_as_not_promised_waits_for_nobody(decided):
    status, not_promised = decided
    step = next_step(order("confirmed", special_requests=[request("inventory", status, not_promised)]))
    assert (step.action, step.team) == ("pick", "fulfillment")


def test_a_draft_with_unacknowledged_checks_waits_for_sales_to_acknowledge_them():
    flags = [SimpleNamespace(acknowledged_at=None)]
    assert next_step(order("draft", flags=flags)).text == "Next: acknowledge the checks and submit — sales"
    assert next_step(order("draft", flags=[SimpleNamespace(acknowledged_at="then")])).action == "finish entry and submit"


@pytest.mark.parametrize("held", [False, True])
def test_a_release_asked_for_an_amendment_is_fulfillment_s_next_step_unless_held(held):
    step = next_step(order("picking", on_hold=held), release_asked=True)
    assert step.team == ("sales" if held else "fulfillment")
    if not held:
        assert step.text == "Next: release the pick for an amendment — fulfillment"
    assert next_step(order("confirmed"), release_asked=True).action == "pick"  # only while picking


def test_a_confirmed_order_with_nothing_in_stock_waits_for_inventory():
    assert next_step(order("confirmed", lines=[line(0, 5), line(0, 2)])).text == \
        "Next: receive stock for the backorder — inventory"
    assert next_step(order("confirmed", lines=[line(3, 2), line(0, 2)])).action == "pick"  # the rest can go


def test_an_approved_fulfillment_request_is_part_of_the_pick():
    step = next_step(order("picking", special_requests=[request("fulfillment", "approved")]))
    assert step.text == "Next: pick, carry out the special request and pack — fulfillment"


def test_the_words_in_the_header():
    assert NextStep("pick", "fulfillment").text == "Next: pick — fulfillment"
    assert NextStep("Waiting for the customer to collect", waiting=True).text == "Waiting for the customer to collect"


# --- the same rule on real orders ---------------------------------------------------------

@pytest.mark.parametrize(("status", "method"), [key for key in BY_STATUS if key[0] != "draft"])
def test_real_orders_in_each_status(order_in, status, method):
    real = order_in(status, method)
    assert (next_step(real).action, next_step(real).team) == BY_STATUS[status, method]


def test_a_real_order_held_then_with_a_request(make_order, users):
    real = make_order(submit=True)
    lifecycle.set_hold(real, users["sales"], "Waiting for the PO")
    db.session.commit()
    assert next_step(real).text == "Next: release the hold — sales"
    lifecycle.release_hold(real, users["sales"])
    requests.add_request(real, "substitute", "BRK-20G if BRK-20 runs out", users["sales"])
    db.session.commit()
    team = requests.request_types()["substitute"].team
    assert next_step(real).text == f"Next: decide special request — {team}"
