"""Demo data: a catalogue, customers, users and 13 months of orders in every status.

The catalogue, the customers and the history older than a month are written in bulk by
app/demo_year.py, row for row as the services write them; the last month's orders go
through the same services the app uses, with the clock set back, so the open orders'
stock, reservations, revisions and events are as real as the app makes them. No PDF is
rendered while seeding.
"""

import random
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from flask import render_template
from sqlalchemy import func, select
from stdnum.gb import vat as gb_vat

from app.auth.models import User
from app.auth.services import create_user
from app.catalog.models import PriceList, PriceListItem, Product
from app.customers.models import Customer
from app.extensions import db
from app.orders import lifecycle, requests
from app.orders import services as orders
from app.orders.amendments import Amendment, amend_order
from app.orders.communications import log_communication
from app.orders.confirmation import confirmation_context, confirmations_suppressed
from app.orders.models import Order
from app.orders.notices import Notice, tell_customer
from app.orders.status_links import status_url
from app.timeutil import frozen_clock, utcnow

DEMO_USERS = [
    ("sales", "Sam Sales", ["sales"]),
    ("inventory", "Ivy Inventory", ["inventory"]),
    ("fulfillment", "Finn Fulfillment", ["fulfillment"]),
    ("manager", "Morgan Manager", ["manager"]),
    ("admin", "Ada Admin", ["admin"]),
]
ITEMS = ["Bolt", "Bracket", "Hinge", "Cable", "Valve", "Filter", "Bearing", "Gasket", "Clamp",
         "Fuse", "Switch", "Socket", "Pump", "Hose", "Washer", "Spring", "Panel", "Sensor",
         "Adapter", "Coupling"]
QUALIFIERS = ["Steel", "Brass", "Nylon", "Heavy-duty", "Compact", "Stainless", "Insulated",
              "Galvanised", "High-flow", "Precision", "Marine", "Low-profile", "Zinc", "Carbon"]
SIZES = ["M4", "M6", "M8", "M10", "10 mm", "25 mm", "50 mm", "1/2 in", "3/4 in", "2 m", "5 m", "12 V", "24 V"]
COMPANIES = ["Acme", "Birchwood", "Calder", "Dunmore", "Elmfield", "Fairhaven", "Glenrock",
             "Harrow", "Ingleby", "Juniper", "Kestrel", "Larkspur", "Moorland", "Northgate",
             "Oakridge", "Penrose", "Quayside", "Redfern", "Stonebridge", "Thornbury"]
TRADES = ["Engineering", "Plumbing", "Electrical", "Builders", "Marine", "Facilities", "Joinery", "Motors"]
STREETS = ["High Street", "Station Road", "Mill Lane", "Church Street", "Victoria Road", "Park Avenue",
           "Bridge Street", "Kings Road", "Queen Street", "Market Place"]
TOWNS = [("Leeds", "LS1"), ("York", "YO1"), ("Bristol", "BS1"), ("Derby", "DE1"), ("Bath", "BA1"),
         ("Hull", "HU1"), ("Exeter", "EX1"), ("Chester", "CH1")]
FIRST_NAMES = ["Alex", "Jo", "Priya", "Tom", "Mei", "Sam"]
LAST_NAMES = ["Hart", "Khan", "Lee", "Ward", "Shaw"]
INSTRUCTIONS = ["", "", "", "Deliver to goods-in at the rear.", "Call 30 minutes before arrival.",
                "Leave with reception.", "Forklift on site.", "Fragile: do not stack."]

# Where an order of the last month ends up: (status, weight); older ones: app/demo_year.py.
RECENT_OUTCOMES = [("draft", 10), ("confirmed", 22), ("picking", 10), ("packed", 8),
                   ("dispatched", 12), ("ready_for_pickup", 6), ("delivered", 18),
                   ("collected", 6), ("cancelled", 8)]
PATHS = {
    "delivery": ["submit", "start_pick", "pack", "dispatch", "deliver"],
    "pickup": ["submit", "start_pick", "pack", "ready_for_pickup", "collect"],
}
TARGET_STEP = {"draft": 0, "confirmed": 1, "picking": 2, "packed": 3, "dispatched": 4,
               "ready_for_pickup": 4, "delivered": 5, "collected": 5}


class DemoDataRefused(Exception):
    pass


def has_real_data() -> bool:
    return bool(db.session.execute(select(func.count(Order.id))).scalar()) or bool(
        db.session.execute(select(func.count(Customer.id))).scalar()
    )


def seed(*, force=False, products=300, customers=80, order_count=600, rng_seed=7, progress=None) -> dict:
    """Load the demo data set; refuse if the database holds data unless `force`.

    The catalogue, the customers and the orders older than a month are written in bulk
    (app/demo_year.py); the last month's orders go through the services with the clock set
    back, so the open orders are as real as the app makes them. No PDF is rendered: the
    documents are made when first opened."""
    refuse_real_data(force)
    rng = random.Random(rng_seed)
    now = utcnow()
    start = now - timedelta(days=395)
    recent = order_count // 5  # a busy last month, so every dashboard has work on it
    with _objects_kept_after_commit():
        users = _users()
        builder = _bulk(users, rng_seed, progress, products, customers, start)
        builder.orders(order_count - recent, builder.items, builder.buyers, start, now - timedelta(days=30))
        builder.finish()
        catalogue, people = _loaded(Product, builder.items), _loaded(Customer, builder.buyers)
        with confirmations_suppressed():
            _orders(rng, catalogue, people, users, recent, progress)
        _finish(catalogue, people, users)
    return {"products": len(catalogue), "customers": len(people), "orders": order_count, "users": len(users)}


def seed_year(*, orders, customers=5000, products=20000, force=False, rng_seed=7, progress=None) -> dict:
    """A year of history at the size asked (e.g. 100,000 orders), every order written in bulk."""
    refuse_real_data(force)
    now = utcnow()
    start = now - timedelta(days=395)
    with _objects_kept_after_commit():
        users = _users()
        builder = _bulk(users, rng_seed, progress, products, customers, start)
        builder.orders(orders, builder.items, builder.buyers, start, now - timedelta(minutes=30))
        builder.finish()
        catalogue, people = _loaded(Product, builder.items), _loaded(Customer, builder.buyers)
        _finish(catalogue, people, users)
    return {"products": len(catalogue), "customers": len(people), "orders": orders, "users": len(users)}


def refuse_real_data(force: bool) -> None:
    if has_real_data() and not force:
        raise DemoDataRefused("The database already holds customers or orders; use --force to add demo data anyway.")


def _bulk(users, rng_seed, progress, products, customers, start):
    """The catalogue, customers and prices, written in bulk; the builder goes on with orders."""
    from app.demo_year import YearBuilder

    db.session.commit()
    builder = YearBuilder(users, rng_seed, progress)
    builder.items = builder.products(products, (QUALIFIERS, ITEMS, SIZES), start)
    builder.buyers = builder.customers(customers, (COMPANIES, TRADES, STREETS, TOWNS, FIRST_NAMES, LAST_NAMES), start)
    builder.prices(builder.items, builder.buyers)
    builder.flush()
    return builder


def _loaded(model, made) -> list:
    """The rows the builder wrote, as objects for the services."""
    ids = [m.id for m in made]
    found = {o.id: o for o in db.session.execute(select(model).where(model.id.in_(ids))).scalars()} if ids else {}
    return [found[i] for i in ids]


def _finish(catalogue, people, users) -> None:
    _contact_log(users)
    _pick_release_asked(users["sales"])
    _accounts(catalogue, people)
    settle_notifications(keep_unread=6)
    db.session.commit()


@contextmanager
def _objects_kept_after_commit():
    """Keep loaded objects fresh across the seed's periodic commits.

    Nothing the seed writes is changed behind the session's back except stock figures,
    which the stock services expire themselves; without this every product and customer
    would be reloaded one query at a time after each commit (about 2,000 queries, a
    tenth to a fifth of the seed's time).
    """
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _pick_release_asked(seller) -> None:
    """One order being picked that the customer wants changed: an open alert at fulfillment."""
    from app.orders.amendments import ask_pick_release

    picking = db.session.execute(select(Order).where(Order.status == "picking", Order.on_hold.is_(False))
                                 .order_by(Order.id.desc()).limit(1)).scalar_one_or_none()
    if picking is not None:
        ask_pick_release(picking, seller, "the customer wants 2 more of the first line")


def settle_notifications(keep_unread: int) -> None:
    """A year of history is not news: leave only each person's newest notifications unread,
    and only the newest open alert of each team waiting for acknowledgement."""
    from sqlalchemy import update

    from app.notifications.models import Notification

    now = utcnow()
    for user_id in db.session.execute(select(Notification.user_id).distinct()).scalars().all():
        newest = select(Notification.id).where(Notification.user_id == user_id).order_by(Notification.id.desc())
        keep = db.session.execute(newest.limit(keep_unread)).scalars().all()
        db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.id.not_in(keep))
                           .values(read_at=func.coalesce(Notification.read_at, now)))
    last_alert = db.session.execute(select(func.max(Notification.event_id)).where(Notification.alert.is_(True))).scalar()
    db.session.execute(update(Notification).where(Notification.alert.is_(True), Notification.event_id != last_alert)
                       .values(acknowledged_at=now, read_at=func.coalesce(Notification.read_at, now)))


def _users() -> dict[str, User]:
    users = {}
    for username, full_name, roles in DEMO_USERS:
        existing = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        users[username] = existing or create_user(username, "demo", roles, full_name=full_name,
                                                  email=f"{username}@example.com")
    return users


def _demo_vat_number(i: int) -> str:
    """A GB VAT number with valid check digits (python-stdnum checks them like the forms do)."""
    for check in range(100):
        number = f"GB{(314159 + i * 1013) % 1_000_000:06d}"[:8] + f"{i % 10}{check:02d}"
        if gb_vat.is_valid(number):
            return number
    return ""


def _accounts(catalogue, people) -> None:
    """Terms, VAT numbers, credit limits (one customer on credit hold) and a trade price list,
    set after the history so that past orders were taken as they were then."""
    if db.session.execute(select(PriceList.id).where(PriceList.code == "TRADE")).first():
        return
    trade = PriceList(code="TRADE", name="Trade")
    for product in catalogue[3::12]:
        trade.items.append(PriceListItem(product_id=product.id, min_quantity=1,
                                         unit_price=(product.unit_price * Decimal("0.90")).quantize(Decimal("0.01"))))
    db.session.add(trade)
    db.session.flush()
    for i, customer in enumerate(people, start=1):
        customer.payment_terms = "30 days end of month" if i % 3 else "14 days"
        if not customer.name.endswith(("& Sons",)):
            customer.vat_number = _demo_vat_number(i)
        if i % 4 == 0:
            customer.price_list_id = trade.id
        if i % 6 == 0:
            customer.credit_limit = Decimal("5000.00") if i % 12 else Decimal("1500.00")
        if i == 13:
            customer.credit_hold, customer.credit_hold_reason = True, "Invoice 4471 is 45 days overdue"
    db.session.flush()


def _orders(rng, catalogue, people, users, count, progress=None) -> int:
    """The last month's orders, through the services with the clock set back."""
    now = utcnow()
    times = sorted(now - timedelta(minutes=rng.randint(30, 30 * 24 * 60)) for _ in range(count))
    favourites = {c.id: rng.sample(catalogue, min(12, len(catalogue))) for c in people}
    statuses_seen = set()
    for n, created in enumerate(times):
        customer = rng.choice(people)
        outcome = _pick(rng, RECENT_OUTCOMES)
        if n >= count - 9:  # make sure every status is on the demo screens
            outcome = next((s for s, _ in RECENT_OUTCOMES if s not in statuses_seen), outcome)
        statuses_seen.add(outcome)
        _one_order(rng, customer, favourites[customer.id], users, created, outcome, now)
        if n % 50 == 49:
            db.session.commit()
        if progress:
            progress(1)
    db.session.commit()
    return count


REQUESTS = [("delivery_window", "Deliver between 8 and 10 am only"), ("gift_wrap", "Gift wrap the sensors, no invoice in the box"),
            ("custom_label", "Label each carton with our PO and site code"), ("substitute", "Brass instead of steel if out of stock"),
            ("reserve_batch", "All units from the same batch please")]


def _maybe_request(rng, order, users, at):
    kind, text = rng.choice(REQUESTS)
    with frozen_clock(at + timedelta(minutes=3)):
        return requests.add_request(order, kind, text, users["sales"])


def _decide(rng, order, request, users):
    approve = rng.random() < 0.75
    requests.decide_request(order, request.id, approve, "" if approve else "Not possible with our carrier", users[request.owner_team])


def _amend(rng, order, users, times):
    for _ in range(times):
        line = rng.choice(order.lines)
        change = Amendment("phone", order.customer.contact_name or "Buyer", "Read back on the phone",
                           quantities={line.id: line.quantity + rng.choice([1, 2, 5])})
        amend_order(order, change, users["sales"])


def _pick(rng, weighted):
    return rng.choices([s for s, _ in weighted], weights=[w for _, w in weighted])[0]


def is_scarce(sku: str) -> bool:
    """Every twelfth product has little stock, so recent orders show shortages and backorders."""
    return int(sku.rsplit("-", 1)[1]) % 12 == 0


def _one_order(rng, customer, favourites, users, created, outcome, now):
    method = "pickup" if outcome in ("ready_for_pickup", "collected") else rng.choice(["delivery"] * 5 + ["pickup"])
    if outcome in ("dispatched", "delivered"):
        method = "delivery"
    with frozen_clock(created):
        order = orders.create_draft(
            customer, channel=rng.choice(["phone", "phone", "email", "online", "walk-in"]),
            actor=users["sales"], method=method, instructions=rng.choice(INSTRUCTIONS),
            customer_reference=rng.choice(["", f"PO-{rng.randint(1000, 9999)}"]),
        )
        for product in rng.sample(favourites, rng.randint(1, 6)):
            orders.add_line(order, product, rng.choice([1, 1, 2, 3, 5, 10, 12, 24]))
        db.session.flush()
    if outcome == "cancelled":
        steps = ["submit"] if rng.random() < 0.8 else []
    else:
        steps = PATHS[method][: TARGET_STEP[outcome]]
    at = created
    request = _maybe_request(rng, order, users, created) if rng.random() < 0.15 else None
    for step in steps:
        if order.status not in lifecycle.TRANSITIONS[step].sources:
            break  # shipped in part: the rest waits on a backorder, as it would for real
        at = min(at + timedelta(hours=rng.choice([0.2, 1, 3, 20, 26, 50])), now - timedelta(minutes=5))
        actor = users["sales"] if step == "submit" else users["fulfillment"]
        with frozen_clock(at):
            if step == "submit":
                order.requested_date = (at + timedelta(days=rng.randint(2, 10))).date()
                if request is not None:
                    _decide(rng, order, request, users)
            if step == "start_pick" and rng.random() < 0.12:
                _amend(rng, order, users, times=rng.choice([1, 1, 2]))
            if step in ("dispatch", "collect") and request is not None and request.status == "approved":
                requests.complete_request(order, request.id, users[request.owner_team])
            orders.transition(order, step, actor, notify_customer=False, **_shipment_details(rng, step))
            if step == "submit":
                _confirmation_email(order, actor)
    if order.status == "confirmed" and rng.random() < 0.25:
        with frozen_clock(min(at + timedelta(hours=2), now - timedelta(minutes=2))):
            if rng.random() < 0.5:
                _amend(rng, order, users, times=1)
            else:
                _maybe_request(rng, order, users, at)
    if outcome == "cancelled":
        with frozen_clock(min(at + timedelta(hours=5), now - timedelta(minutes=1))):
            orders.cancel_order(order, users["sales"], "Customer changed their mind")
    elif outcome in ("confirmed", "draft") and rng.random() < 0.08:
        with frozen_clock(min(at + timedelta(hours=1), now - timedelta(minutes=1))):
            lifecycle.set_hold(order, users["sales"], "Awaiting customer credit check")


def _confirmation_email(order, actor) -> None:
    """The confirmation email as `issue_confirmation` queues it, without rendering its PDF
    at seed time (a demo of minutes otherwise; documents are made when first opened)."""
    context = confirmation_context(order)
    if order.customer.email:
        context["status_url"] = status_url(order, actor)
    tell_customer(order, Notice("confirmation", f"Order confirmation {order.number}",
                                render_template("mail/confirmation.txt", doc=context),
                                html=render_template("mail/confirmation.html", doc=context),
                                confirms_revision=order.revision), actor)


def _contact_log(users) -> None:
    """Calls on a few recent orders, and two confirmation emails in trouble for the manager."""
    from app.mail.models import OutboxMessage

    recent = db.session.execute(
        select(Order).where(Order.status == "confirmed").order_by(Order.id.desc()).limit(12)
    ).scalars().all()
    for order in recent[:3]:
        log_communication(order, users["sales"], direction="out", medium="phone", confirms=True,
                          contact=order.customer.contact_name,
                          summary="Read the lines and the promised date back to the customer; agreed.")
    for order in recent[3:5]:
        log_communication(order, users["sales"], direction="in", medium="phone",
                          contact=order.customer.contact_name, summary="Asked whether the order can come a day early.")
    messages = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.order_id.in_([o.id for o in recent[5:]]))
        .order_by(OutboxMessage.id)
    ).scalars().all()
    if len(messages) >= 2:
        messages[0].status, messages[0].attempts = "failed", 1
        messages[0].last_error = "PermanentFailure: 550 5.1.1 No such mailbox here (demo)"
        messages[1].attempts, messages[1].next_attempt_at = 2, utcnow() + timedelta(minutes=50)
        messages[1].last_error = "ConnectionRefusedError: [Errno 111] Connection refused (demo)"
    db.session.commit()


def _shipment_details(rng, step) -> dict:
    if step == "dispatch":
        return {"carrier": rng.choice(["DPD", "Royal Mail", "Own van"]),
                "tracking_number": f"TRK{rng.randint(10**8, 10**9 - 1)}"}
    if step == "collect":
        return {"collected_by": rng.choice(["Alex Hart", "Jo Khan", "Priya Lee", "Tom Ward"])}
    return {}
