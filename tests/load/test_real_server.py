"""The real server (gunicorn, 4 sync workers, production Config with CSRF) under concurrent
HTTP requests: many reps submitting orders for the last units of one product, a pick list
printed from many screens at once, and the login lockout shared by every worker.
Runs on the SQLite file and, with TEST_DATABASE_URL, on PostgreSQL."""

import hashlib
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.auth.models import LoginSession
from app.catalog.models import Product
from app.catalog.stock import stock_mismatches
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.orders import verification
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order, OrderLine
from app.orders.states import OPEN_STATUSES
from tests.conftest import PASSWORD
from tests.load.conftest import (
    assert_no_server_errors,
    at_once,
    csrf_token,
    form_fields,
    in_parallel,
    log_in_or_fail,
    reading,
)

# --- 1. fifty reps submit for the last units at the same moment ------------------------------

ON_HAND = 20
# Each case: how many reps submit at once, how much of the stock an earlier order already
# holds, and the quantities the drafts want (in turn).
RUSHES = {
    # Nothing held yet and about 100 units wanted: every draft looks fine at review and most
    # find the shortage only when they submit (sent back to review, or confirmed with a backorder).
    "last-units": {"reps": 50, "held": 0, "quantities": (1, 2, 3)},
    # All but one unit held already: every draft is short when reviewed, the rep has
    # acknowledged that check and chosen to backorder, so nobody should be stopped.
    # (Fewer reps: each confirmed order renders its confirmation PDF, which takes time.)
    "short-at-review": {"reps": 20, "held": ON_HAND - 1, "quantities": (2, 3)},
}


@pytest.fixture(params=list(RUSHES))
def rush(request, make_user, make_customer, make_product, make_order, new_draft):
    """One product with ON_HAND units and one draft for it per rep (each rep with their own
    customer), every check on the draft acknowledged beforehand as a rep would on the entry
    screen."""
    case = RUSHES[request.param]
    product = make_product(on_hand=ON_HAND)
    if case["held"]:
        with confirmations_suppressed():
            make_order(lines=[(product, case["held"])], submit=True)
    drafts = []
    for n in range(case["reps"]):
        rep = make_user(f"rep{n:02d}", ["sales"])
        wanted = case["quantities"][n % len(case["quantities"])]
        order = new_draft([(product, wanted)], customer=make_customer(), actor=rep)
        order = db.session.get(Order, order.id)
        flags = verification.refresh_flags(order)
        verification.acknowledge_all(order, rep)
        db.session.commit()
        if request.param == "short-at-review":
            assert any(f.kind == "shortage" for f in flags), [f.key for f in flags]
        drafts.append({"rep": rep.username, "id": order.id, "ref": order.ref,
                       "lines": [line.id for line in order.lines], "quantity": wanted})
    db.session.commit()
    return {"case": request.param, "product_id": product.id, "held_before": case["held"], "drafts": drafts}


def test_no_oversell_when_reps_submit_at_once(rush, live_server):
    server = live_server()
    browsers = {}

    def prepare(draft):
        """Log in as the rep and open the draft's review page, as the rep would."""
        browser = server.browser()
        log_in_or_fail(browser, draft["rep"], PASSWORD)
        review = browser.get(f"/sales/orders/{draft['ref']}/review")
        assert review.status == 200, review.brief()
        fields, disabled = form_fields(review.text, f"/orders/{draft['ref']}/submit")
        assert not disabled, f"submit is disabled on the review of {draft['ref']} (open checks?): {review.brief(600)}"
        assert "csrf_token" in fields and "version" in fields, fields
        # The rep's decision for a short line is explicit: backorder what is not in stock.
        fields.update({f"shortage-{line_id}": "backorder" for line_id in draft["lines"]})
        browsers[draft["ref"]] = browser
        return fields

    forms = in_parallel([lambda d=d: prepare(d) for d in rush["drafts"]])
    jobs = [lambda d=d, f=f: browsers[d["ref"]].post(f"/sales/orders/{d['ref']}/submit", f)
            for d, f in zip(rush["drafts"], forms, strict=True)]

    results = at_once(jobs)

    assert_no_server_errors(results, server)
    odd = [r.brief() for r in results if r.status not in (302, 303)]
    assert not odd, "a submit that neither went through nor was sent back to review:\n" + "\n".join(odd)

    with reading() as session:
        product = session.get(Product, rush["product_id"])
        held = session.execute(
            select(func.coalesce(func.sum(OrderLine.qty_reserved), 0)).join(Order)
            .where(OrderLine.product_id == product.id, Order.status.in_(OPEN_STATUSES))
        ).scalar_one()
        assert product.on_hand == ON_HAND, "submitting must not move stock"
        assert product.reserved == held, f"Product.reserved {product.reserved} but order lines hold {held}"
        assert 0 <= product.reserved <= product.on_hand, f"oversold: reserved {product.reserved} of {product.on_hand}"
        assert stock_mismatches() == []

        orders = {d["ref"]: session.get(Order, d["id"]) for d in rush["drafts"]}
        confirmed = [o for o in orders.values() if o.status == "confirmed"]
        backordered = sum(1 for o in confirmed if o.lines[0].qty_backordered)
        print(f"{rush['case']}: {len(confirmed)} of {len(orders)} confirmed ({backordered} with a backorder), "
              f"{len(orders) - len(confirmed)} sent back to review; reserved {product.reserved} of {product.on_hand}")
        assert confirmed, "nobody's order went through: " + "; ".join(r.brief(120) for r in results[:5])
        assert len({o.number for o in confirmed}) == len(confirmed) and all(o.number for o in confirmed)
        for order in orders.values():
            assert order.status in ("draft", "confirmed"), (order.ref, order.status)
            for line in order.lines:
                if order.status == "confirmed":
                    assert line.qty_reserved + line.qty_backordered == line.quantity, (order.number, line.id)
                else:
                    assert line.qty_reserved == 0 and line.qty_backordered == 0, (order.ref, line.id)
        # What each rep was told matches what happened to the order.
        for draft, response in zip(rush["drafts"], results, strict=True):
            order = orders[draft["ref"]]
            target = response.location.split("?")[0]
            if order.status == "confirmed":
                assert target.endswith(f"/orders/{order.number}"), (draft["ref"], order.number, response.brief())
            else:
                assert target.endswith(f"/orders/{draft['ref']}/review"), (draft["ref"], response.brief())
        # No unit lost on the way: what went through holds all it could.
        new_units = sum(o.lines[0].quantity for o in confirmed)
        free = ON_HAND - rush["held_before"]
        assert product.reserved - rush["held_before"] == min(free, new_units)
        if rush["case"] == "short-at-review":  # every rep had agreed to backorder: nobody is stopped
            assert len(confirmed) == len(orders), Counter(o.status for o in orders.values())
            assert product.reserved == ON_HAND


# --- 2. one pick list printed from ten screens at once --------------------------------------

PRINTS = 10


@pytest.fixture
def confirmed_order(make_order, make_product):
    """A confirmed order of two products (no confirmation PDF rendered: not what is tested)."""
    with confirmations_suppressed():
        order = make_order(lines=[(make_product(), 2), (make_product(), 5)], submit=True)
    return {"id": order.id, "number": order.number}


def _fulfillment_browsers(server, number, count):
    """`count` separate logins of the fulfillment user, each with its CSRF token from the order page."""
    def one():
        browser = server.browser()
        log_in_or_fail(browser, "fulfillment", PASSWORD)
        page = browser.get(f"/orders/{number}")
        assert page.status == 200, page.brief()
        return browser, csrf_token(page.text)
    return in_parallel([one] * count)


def _print_counts(session, order_id):
    documents = session.execute(
        select(Document).where(Document.order_id == order_id, Document.kind == "pick_list")).scalars().all()
    printed = session.execute(
        select(func.count(Event.id)).where(Event.order_id == order_id, Event.kind == "order.pick_list_printed")
    ).scalar_one()
    return documents, printed, session.execute(select(func.count(Event.id))).scalar_one()


def _assert_pdfs(results):
    for response in results:
        assert response.status == 200, response.brief()
        assert response.content_type.startswith("application/pdf"), response.brief()
        assert response.body.startswith(b"%PDF"), response.brief()


def test_pick_list_printed_from_ten_screens_at_once(confirmed_order, live_server):
    server = live_server()
    number = confirmed_order["number"]
    url = f"/orders/{number}/pick-list.pdf"
    clients = _fulfillment_browsers(server, number, PRINTS)

    results = at_once([lambda b=b, t=t: b.post(url, {"csrf_token": t}, follow=True) for b, t in clients])

    assert_no_server_errors(results, server)
    for response in results:
        first = response.chain()[0]
        assert first.status == 303 and first.location.split("?")[0].endswith(url), first.brief()
    _assert_pdfs(results)
    with reading() as session:
        documents, printed, events = _print_counts(session, confirmed_order["id"])
        assert len(documents) == 1, f"{len(documents)} stored pick lists for one pick round"
        assert printed == PRINTS, f"{printed} print events for {PRINTS} prints"
        stored = documents[0].sha256
    assert {hashlib.sha256(r.body).hexdigest() for r in results} == {stored}, "every print serves the stored pick list"

    # Reprints by GET afterwards: served from the archive, nothing written.
    again = at_once([lambda b=b: b.get(url) for b, _ in clients])
    assert_no_server_errors(again, server)
    _assert_pdfs(again)
    assert {hashlib.sha256(r.body).hexdigest() for r in again} == {stored}
    with reading() as session:
        documents_after, printed_after, events_after = _print_counts(session, confirmed_order["id"])
        assert (len(documents_after), printed_after, events_after) == (1, PRINTS, events), "a GET wrote to the database"


def test_pick_list_downloaded_from_ten_screens_at_once(confirmed_order, live_server):
    """Plain GETs of a pick list nobody has printed yet: a PDF for each, and nothing written."""
    server = live_server()
    number = confirmed_order["number"]
    clients = _fulfillment_browsers(server, number, PRINTS)
    with reading() as session:
        _, _, events_before = _print_counts(session, confirmed_order["id"])

    results = at_once([lambda b=b: b.get(f"/orders/{number}/pick-list.pdf") for b, _ in clients])

    assert_no_server_errors(results, server)
    _assert_pdfs(results)
    with reading() as session:
        documents, printed, events = _print_counts(session, confirmed_order["id"])
        assert (len(documents), printed, events) == (0, 0, events_before), \
            f"GETs wrote: {len(documents)} documents, {printed} print events, {events - events_before} events in all"


# --- 3. login lockout shared by every worker; logout only by POST -----------------------------

WRONG_TRIES = 5
TRY_AGAIN_RE = re.compile(r"Try again in \d+ minutes?")


def test_lockout_after_five_failures_holds_on_every_worker(users, live_server):
    manager = users["manager"].id
    server = live_server()

    # Five wrong passwords at once from five clients: they land on different workers.
    wrong = at_once([lambda: server.browser().log_in("manager", "not-the-password")] * WRONG_TRIES)
    assert_no_server_errors(wrong, server)
    for response in wrong:
        assert response.status not in (302, 303), f"a wrong password logged in: {response.brief()}"
        assert response.status in (422, 429), response.brief()

    # Then the right password, again from fresh clients on every worker: still locked.
    right_clients = [server.browser() for _ in range(2 * 4)]
    right = at_once([lambda b=b: b.log_in("manager", PASSWORD) for b in right_clients])
    assert_no_server_errors(right, server)
    for response in right:
        assert response.status not in (302, 303), f"a locked account logged in: {response.brief()}"
        assert response.status == 429, response.brief()
        assert TRY_AGAIN_RE.search(response.text), f"no 'Try again in N minute(s)': {response.brief(600)}"
    for browser in right_clients:
        dashboard = browser.get("/manager/")
        assert dashboard.status in (302, 303) and "/login" in dashboard.location, dashboard.brief()
    with reading() as session:
        open_sessions = session.execute(
            select(func.count(LoginSession.id)).where(LoginSession.user_id == manager, LoginSession.ended_at.is_(None))
        ).scalar_one()
        assert open_sessions == 0, "a login session was opened for the locked account"

    # Someone else is not locked out by the manager's lock.
    log_in_or_fail(server.browser(), "sales", PASSWORD)


def test_a_burst_of_wrong_passwords_gets_no_more_than_five_tries(users, live_server):
    """Twice the allowed failures at the same moment on every worker: the count is shared
    and kept in step, so no more than five passwords are ever checked, the rest are refused
    as locked, and the account stays locked for the right password too."""
    server = live_server()

    burst = at_once([lambda n=n: server.browser().log_in("manager", f"guess-{n}") for n in range(2 * WRONG_TRIES)])
    assert_no_server_errors(burst, server)
    statuses = Counter(r.status for r in burst)
    assert not statuses.keys() - {422, 429}, [r.brief() for r in burst if r.status not in (422, 429)]
    assert statuses[422] <= WRONG_TRIES, f"{statuses[422]} passwords checked in one burst (allowed {WRONG_TRIES}): {statuses}"
    for response in burst:
        if response.status == 429:
            assert TRY_AGAIN_RE.search(response.text), response.brief(600)

    right = server.browser().log_in("manager", PASSWORD)
    assert right.status == 429 and TRY_AGAIN_RE.search(right.text), right.brief(600)


def test_logout_only_by_post_with_csrf(users, live_server):
    server = live_server()
    browser = server.browser()
    log_in_or_fail(browser, "sales", PASSWORD)
    dashboard = browser.get("/sales/")
    assert dashboard.status == 200, dashboard.brief()

    by_get = browser.get("/logout")
    assert by_get.status == 405, f"GET /logout must not log out: {by_get.brief()}"
    still = browser.get("/sales/")
    assert still.status == 200, f"logged out by a GET: {still.brief()}"

    without_token = browser.post("/logout", {})
    assert without_token.status == 400, f"POST /logout without CSRF token: {without_token.brief()}"
    assert browser.get("/sales/").status == 200

    out = browser.post("/logout", {"csrf_token": csrf_token(still.text)})
    assert out.status in (302, 303) and "/login" in out.location, out.brief()
    after = browser.get("/sales/")
    assert after.status in (302, 303) and "/login" in after.location, f"still logged in: {after.brief()}"
