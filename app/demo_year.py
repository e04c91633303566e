"""A year of demo history written in bulk: 100,000 orders in minutes, not hours.

At that size the per-order services are far too slow (each order is dozens of statements),
so this module writes the rows they would have written directly, in batches of Core
INSERTs (one transaction per batch): the same columns, statuses, numbers (SO-YYYY-NNNNN),
event kinds and summaries (built from the lifecycle's own labels), ledger reasons and
notifications routed by app/notifications/routing.py. Stock is followed in memory so that
`on_hand` equals the ledger and `reserved` the open orders' lines (`stock check` reconciles).

Events (and ledger rows) wait in a heap until the generator has reached their time, so
event ids grow with time as they do in the app: the live feed, the audit log and its hash
chain read them in the order they happened.
"""

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy import bindparam, func, select, text, update

from app.auth.models import User
from app.catalog.models import CustomerPrice, PriceBreak, Product, StockMovement
from app.customers.models import Address, Customer
from app.demo import INSTRUCTIONS, REQUESTS, is_scarce
from app.events.models import Event
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.routing import is_alert, teams_for
from app.orders.lifecycle import TRANSITIONS
from app.orders.models import (
    Communication,
    Order,
    OrderLine,
    OrderNumberCounter,
    Revision,
    Shipment,
    ShipmentLine,
    SpecialRequest,
)
from app.orders.promising import add_business_days, business_clock, processing_day
from app.orders.requests import request_types
from app.orders.states import CHANNEL_LABELS, CLOSED_STATUSES, STATUS_LABELS
from app.settings.store import setting
from app.timeutil import local, utcnow

ORDERS_PER_BATCH = 2000  # one transaction each: about 35,000 rows
CENT = Decimal("0.01")
CHANNELS = ["phone", "phone", "email", "online", "walk-in"]
QUANTITIES = [1, 1, 2, 3, 5, 10, 12, 24]
STEP_HOURS = [0.2, 1, 3, 20, 26, 50]
CONFIRMED_BY_CALL = "Read the lines and the promised date back to the customer; agreed."
# Where an order ends up by its age in days: closed long ago, moving this week, new today.
OUTCOMES_BY_AGE = [
    (14, [("delivered", 70), ("collected", 18), ("cancelled", 10), ("dispatched", 0.6)]),
    (3, [("delivered", 55), ("collected", 15), ("dispatched", 12), ("ready_for_pickup", 4),
         ("cancelled", 8), ("confirmed", 4), ("picking", 1), ("packed", 1)]),
    (0, [("draft", 10), ("confirmed", 35), ("picking", 15), ("packed", 10), ("dispatched", 12),
         ("ready_for_pickup", 6), ("delivered", 4), ("cancelled", 8)]),
]
PATHS = {"delivery": ["submit", "start_pick", "pack", "dispatch", "deliver"],
         "pickup": ["submit", "start_pick", "pack", "ready_for_pickup", "collect"]}
TARGET_STEP = {"draft": 0, "confirmed": 1, "picking": 2, "packed": 3, "dispatched": 4,
               "ready_for_pickup": 4, "delivered": 5, "collected": 5}
EVERY_OUTCOME = [*TARGET_STEP, "cancelled"]
TABLES = [Product, Customer, Address, PriceBreak, CustomerPrice, Order, OrderLine, Revision,
          SpecialRequest, Shipment, ShipmentLine, StockMovement, Communication, Event, Notification]


@dataclass
class Item:
    id: int
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    scarce: bool


@dataclass
class Buyer:
    id: int
    code: str
    name: str
    contact: str
    address_id: int
    address: str
    favourites: list = field(default_factory=list)


@dataclass
class Draft:
    """One order being generated: its row, its lines and the time it has reached."""

    row: dict
    buyer: Buyer
    lines: list
    at: datetime
    request: dict | None = None


def write_rows(connection, table, rows: list[dict]) -> None:
    """INSERT many rows through the driver: the column types' own conversions, but without
    SQLAlchemy's per-row parameter work (a third of the seed's time); COPY on PostgreSQL."""
    dialect = connection.dialect
    names = list(rows[0])
    convert = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    columns_of_values = [[row[name] for row in rows] for name in names]
    for i, conversion in enumerate(convert):
        if conversion is not None:
            columns_of_values[i] = list(map(conversion, columns_of_values[i]))
    values = list(zip(*columns_of_values, strict=True))
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
    else:
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(names))})", values)


def outcome_for(rng, age_days: float) -> str:
    for min_age, weighted in OUTCOMES_BY_AGE:
        if age_days >= min_age:
            return rng.choices([s for s, _ in weighted], weights=[w for _, w in weighted])[0]
    raise AssertionError("the last tier takes every age")


class YearBuilder:
    """Writes products, customers and a history of orders in bulk; see the module docstring."""

    def __init__(self, users: dict[str, User], rng_seed=7, progress=None):
        self.rng = random.Random(rng_seed)
        self.users = users
        self.progress = progress or (lambda n: None)
        self.now = utcnow()
        self.rows: dict = {model: [] for model in TABLES}
        self.ids = {model: count(self._max_id(model) + 1) for model in TABLES}
        self.timed: list = []  # heap of (time, seq, kind, payload): events and ledger rows not yet due
        self.seq = count()
        self.on_hand: dict[int, int] = {}
        self.reserved: dict[int, int] = {}
        self.numbers: dict[int, int] = {}
        self.team_users = {team: [u for u in users.values() if u.active and team in u.roles]
                           for team in ("sales", "inventory", "fulfillment", "manager")}
        self.kinds = request_types()
        self._promises: dict = {}
        self.cutoff = business_clock("ORDER_CUTOFF")
        self.counts = {"orders": 0}
        if db.session.get_bind().dialect.name == "sqlite":  # room for the indexes the batches grow
            db.session.connection().exec_driver_sql("PRAGMA cache_size=-131072")

    # --- ids and batches -----------------------------------------------------------------

    @staticmethod
    def _max_id(model) -> int:
        return db.session.execute(select(func.max(model.id))).scalar() or 0

    def add(self, model, **row) -> int:
        return self.keep(model, row)

    def keep(self, model, row: dict) -> int:
        """Buffer `row` itself (it may still change until the batch is flushed); its id."""
        row.setdefault("id", next(self.ids[model]))
        self.rows[model].append(row)
        return row["id"]

    def flush(self) -> None:
        """Insert everything buffered, parents first, and commit: one transaction per batch."""
        connection = db.session.connection()
        for model in TABLES:
            rows = self.rows[model]
            if rows:
                write_rows(connection, model.__table__, rows)
                self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)
                self.rows[model] = []
        db.session.commit()

    def fix_sequences(self) -> None:
        """Ids were given here: on PostgreSQL move each table's sequence past them."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for model in TABLES:
            name = model.__tablename__
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))

    # --- catalogue and customers -----------------------------------------------------------

    def products(self, how_many: int, names, opening_at: datetime) -> list[Item]:
        """SKU-0001…: names from the demo's word lists, opening stock on the ledger."""
        items, width = [], max(4, len(str(how_many)))
        taken = set(db.session.execute(select(Product.sku)).scalars())
        for i in range(1, how_many + 1):
            sku = f"SKU-{i:0{width}d}"
            if sku in taken:
                continue
            item = self._product(i, sku, names, opening_at)
            items.append(item)
        return items

    def _product(self, i: int, sku: str, names, opening_at: datetime) -> Item:
        rng = self.rng
        qualifiers, things, sizes = names
        name = f"{rng.choice(qualifiers)} {rng.choice(things).lower()} {rng.choice(sizes)}"
        price = Decimal(rng.choice([1, 2, 3, 5, 8, 12, 20, 35, 60, 120, 250])) + Decimal(rng.randint(0, 99)) / 100
        tax = Decimal("0") if i % 25 == 0 else Decimal("5") if i % 15 == 0 else Decimal("20")
        scarce = i % 12 == 0
        pid = self.add(Product, sku=sku, name=name[0].upper() + name[1:], description="", unit_price=price,
                       bin_location=f"{'ABCDEF'[i % 6]}-{(i // 6) % 20 + 1:02d}-{i % 4 + 1}",
                       lead_time_days=rng.choice([3, 5, 7, 10, 14, 21]), reorder_point=rng.choice([5, 10, 20, 40]),
                       on_hand=0, reserved=0, active=True, created_at=opening_at, unit="each", pack_size=1,
                       tax_rate=tax, gtin=None, updated_at=None)
        self.on_hand[pid], self.reserved[pid] = 0, 0
        self._receive(pid, rng.randint(2, 8) if scarce else rng.randint(60, 400), "Opening stock", opening_at)
        return Item(pid, sku, name[0].upper() + name[1:], price, tax, scarce)

    def customers(self, how_many: int, names, at: datetime) -> list[Buyer]:
        companies, trades, streets, towns, first, last = names
        rng, buyers = self.rng, []
        taken = set(db.session.execute(select(Customer.code)).scalars())
        width = max(4, len(str(how_many)))
        for i in range(1, how_many + 1):
            code = f"C{i:0{width}d}"
            if code in taken:
                continue
            company = f"{companies[i % len(companies)]} {trades[(i * 7) % len(trades)]}"
            if i > len(companies):
                company += f" {['Ltd', 'plc', '& Sons', 'Group'][i % 4]}"
            town, postcode = rng.choice(towns)
            contact = f"{rng.choice(first)} {rng.choice(last)}"
            cid = self.add(Customer, code=code, name=company, contact_name=contact,
                           email=f"orders@{company.split()[0].lower()}{i}.example.com",
                           phone=f"0113 496 {i:04d}", price_terms="standard", notes="", created_at=at)
            address = f"{rng.randint(1, 120)} {rng.choice(streets)}\n{town}\n{postcode} {rng.randint(1, 9)}AB"
            aid = self.add(Address, customer_id=cid, label="Main", text=address, is_default=True)
            buyers.append(Buyer(cid, code, company, contact, aid, address))
        return buyers

    def prices(self, items: list[Item], buyers: list[Buyer]) -> None:
        """Quantity breaks on every tenth product; agreed prices for every fifth customer."""
        for item in items[::10]:
            for minimum, discount in ((10, Decimal("0.95")), (50, Decimal("0.90"))):
                self.add(PriceBreak, product_id=item.id, min_quantity=minimum,
                         unit_price=(item.price * discount).quantize(CENT))
        for buyer in buyers[::5]:
            for item in self.rng.sample(items, 3):
                self.add(CustomerPrice, customer_id=buyer.id, product_id=item.id,
                         unit_price=(item.price * Decimal("0.92")).quantize(CENT))

    # --- orders ------------------------------------------------------------------------------

    def orders(self, how_many: int, items: list[Item], buyers: list[Buyer], start: datetime, end: datetime) -> int:
        """`how_many` orders created between `start` and `end`, in time order, each carried to
        the status its age makes likely; flushed every ORDERS_PER_BATCH orders."""
        rng = self.rng
        for buyer in buyers:
            buyer.favourites = rng.sample(items, min(len(items), 14))
        span = (end - start).total_seconds()
        times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(how_many))
        seen = set()
        for n, created in enumerate(times, start=1):
            self._release_due(created)
            outcome = outcome_for(rng, (self.now - created).total_seconds() / 86400)
            missing = [s for s in EVERY_OUTCOME if s not in seen]
            if missing and n > how_many - len(EVERY_OUTCOME):  # every status on the demo screens, whatever the size
                outcome = missing[0]
            seen.add(outcome)
            self._order(rng.choice(buyers), created, outcome, short_ok=not missing)
            if n % ORDERS_PER_BATCH == 0:
                self.flush()
            self.progress(1)
        self._release_due(None)
        self.flush()
        self.counts["orders"] += how_many
        return how_many

    def finish(self) -> None:
        """Products' stock figures, the order number counters and the sequences."""
        db.session.connection().execute(
            update(Product.__table__).where(Product.__table__.c.id == bindparam("pid"))
            .values(on_hand=bindparam("oh"), reserved=bindparam("rs")),
            [{"pid": pid, "oh": self.on_hand[pid], "rs": self.reserved[pid]} for pid in self.on_hand])
        for year, last in self.numbers.items():
            counter = db.session.get(OrderNumberCounter, year)
            if counter is None:
                db.session.add(OrderNumberCounter(year=year, last=last))
            else:
                counter.last = max(counter.last, last)
        self.fix_sequences()
        db.session.commit()

    def _order(self, buyer: Buyer, created: datetime, outcome: str, short_ok: bool = True) -> None:
        rng = self.rng
        recent = (self.now - created).days < 14 and short_ok  # scarce products: shortages, backorders
        method = "pickup" if outcome in ("ready_for_pickup", "collected") else rng.choice(["delivery"] * 5 + ["pickup"])
        if outcome in ("dispatched", "delivered"):
            method = "delivery"
        draft = self._draft(buyer, created, method, recent)
        if rng.random() < 0.08:
            self._special_request(draft)
        steps = (["submit"] if rng.random() < 0.8 else []) if outcome == "cancelled" else PATHS[method][: TARGET_STEP[outcome]]
        for step in steps:
            draft.at = min(draft.at + timedelta(hours=rng.choice(STEP_HOURS)), self.now - timedelta(minutes=5))
            if not self._step(draft, step):
                break  # short of stock: the order waits, confirmed, for its backorder
        if outcome == "cancelled":
            self._cancel(draft)
        elif draft.row["status"] in ("confirmed", "draft") and rng.random() < 0.08:
            self._hold(draft)

    def _draft(self, buyer: Buyer, created: datetime, method: str, recent: bool) -> Draft:
        rng = self.rng
        choices = buyer.favourites if recent else [p for p in buyer.favourites if not p.scarce]
        chosen = rng.sample(choices, min(len(choices), rng.choice([2, 4, 6, 7, 8, 8, 9, 10, 11, 14])))
        channel = rng.choice(CHANNELS)
        row = dict(number=None, customer_id=buyer.id, channel=channel, method=method, address=buyer.address,
                   address_id=buyer.address_id, instructions=rng.choice(INSTRUCTIONS),
                   customer_reference=rng.choice(["", f"PO-{rng.randint(1000, 9999)}"]), requested_date=None,
                   promised_date=None, ready_by=None, accepts_split=False, status="draft", on_hold=False,
                   hold_reason="", revision=0, version=1, created_at=created,
                   created_by_id=self.users["sales"].id, confirmed_at=None, status_changed_at=created,
                   updated_at=created, closed_at=None, personal_data_removed_at=None, api_token_id=None)
        self.keep(Order, row)
        lines = [dict(id=next(self.ids[OrderLine]), order_id=row["id"], position=n, product_id=item.id,
                      sku=item.sku, description=item.name, quantity=rng.choice(QUANTITIES), unit_price=item.price,
                      list_price=item.price, tax_rate=item.tax_rate, price_override_reason="",
                      price_override_by_id=None, qty_reserved=0, qty_picked=0, qty_shipped=0, qty_backordered=0)
                 for n, item in enumerate(chosen, start=1)]
        self.rows[OrderLine].extend(lines)
        draft = Draft(row, buyer, lines, created)
        self._event(draft, "order.draft", f"Draft started ({channel})", actor="sales")
        return draft

    # --- lifecycle steps -----------------------------------------------------------------------

    def _step(self, draft: Draft, step: str) -> bool:
        if step == "submit":
            self._submit(draft)
            return True
        if any(line["qty_backordered"] for line in draft.lines):
            return False
        if step == "start_pick" and self.rng.random() < 0.05:
            self._amend(draft)
        if step == "pack":
            for line in draft.lines:
                line["qty_picked"] = line["qty_reserved"] + line["qty_shipped"]
        if step in ("dispatch", "collect"):
            self._complete_request(draft)
            self._ship(draft, step)
        self._transition(draft, step, actor="fulfillment")
        return True

    def _transition(self, draft: Draft, name: str, actor: str, note: str = "") -> None:
        """The status change and its event, worded as lifecycle.apply words it."""
        transition, row = TRANSITIONS[name], draft.row
        before = row["status"]
        row["status"], row["status_changed_at"], row["updated_at"] = transition.target, draft.at, draft.at
        row["version"] += 1
        if transition.target in CLOSED_STATUSES:
            row["closed_at"] = draft.at
        summary = f"{transition.label}: {STATUS_LABELS[before]} → {STATUS_LABELS[transition.target]}"
        self._event(draft, f"order.{name}", summary + (f" ({note})" if note else ""), actor=actor,
                    before={"status": before}, after={"status": transition.target})

    def _submit(self, draft: Draft) -> None:
        rng, row = self.rng, draft.row
        self._decide_request(draft)
        for line in sorted(draft.lines, key=lambda line: line["product_id"]):
            self._reserve(line, draft.at)
        year = local(draft.at).year
        self.numbers[year] = self.numbers.get(year, 0) + 1
        row["number"] = f"SO-{year}-{self.numbers[year]:05d}"
        row["requested_date"] = (draft.at + timedelta(days=rng.randint(2, 10))).date()
        row["promised_date"], row["ready_by"] = self._promise(draft)
        row["revision"], row["confirmed_at"] = 1, draft.at
        self.add(Revision, order_id=row["id"], number=1, channel=row["channel"], requested_by="", verified_how="",
                 snapshot=self._snapshot(draft), diff=[], created_at=draft.at, created_by_id=self.users["sales"].id)
        self._transition(draft, "submit", actor="sales", note=row["number"])
        self._confirmed_by_call(draft, draft.at + timedelta(minutes=rng.randint(2, 20)))

    def _promise(self, draft: Draft):
        """The promised date (and pickup ready-by) as app/orders/promising.py works it out,
        for an order whose stock is all in: remembered per processing day."""
        moment = local(draft.at)
        key = (moment.date(), moment.time() < self.cutoff, draft.row["method"])
        if key not in self._promises:
            start = processing_day(moment)
            if draft.row["method"] == "pickup":
                self._promises[key] = start
            else:
                self._promises[key] = add_business_days(start, setting("DELIVERY_LEAD_DAYS"))
        promised = self._promises[key]
        short = max((line["qty_backordered"] for line in draft.lines), default=0)
        if short:
            promised = add_business_days(promised, 10)
        ready_by = draft.at + timedelta(hours=2) if draft.row["method"] == "pickup" else None
        return promised, ready_by

    def _snapshot(self, draft: Draft) -> dict:
        """What services.order_snapshot keeps for a revision."""
        row, buyer = draft.row, draft.buyer
        total = sum(((line["unit_price"] * line["quantity"]).quantize(CENT) for line in draft.lines), Decimal("0.00"))
        return {"number": row["number"], "customer": {"code": buyer.code, "name": buyer.name},
                "channel": row["channel"], "method": row["method"], "address": row["address"],
                "instructions": row["instructions"], "customer_reference": row["customer_reference"],
                "requested_date": row["requested_date"].isoformat() if row["requested_date"] else None,
                "promised_date": row["promised_date"].isoformat() if row["promised_date"] else None,
                "lines": [{"sku": line["sku"], "description": line["description"], "quantity": line["quantity"],
                           "unit_price": str(line["unit_price"].quantize(CENT)), "backordered": line["qty_backordered"]}
                          for line in draft.lines],
                "total": str(total)}

    def _confirmed_by_call(self, draft: Draft, at: datetime) -> None:
        """The rep read the order back on the phone: log_communication(..., confirms=True)."""
        revision = draft.row["revision"]
        self.add(Communication, order_id=draft.row["id"], direction="out", medium="phone", summary=CONFIRMED_BY_CALL,
                 document_id=None, outbox_id=None, user_id=self.users["sales"].id, created_at=at,
                 contact=draft.buyer.contact, confirms_revision=revision, notice=None, told_at=None)
        self._event(draft, "confirmation.logged",
                    f"Phone call to the customer confirmed revision {revision}: {CONFIRMED_BY_CALL}",
                    actor="sales", at=at)

    def _amend(self, draft: Draft) -> None:
        """The customer asked for more of one line on the phone: revision 2 with its diff."""
        plenty = [line for line in draft.lines if not is_scarce(line["sku"])]
        if not plenty:
            return
        line = self.rng.choice(plenty)
        extra = self.rng.choice([1, 2, 5])
        self._restock(line["product_id"], extra, draft.at)
        self.reserved[line["product_id"]] += extra
        line["quantity"] += extra
        line["qty_reserved"] += extra
        row = draft.row
        row["revision"] += 1
        change = {"what": "line", "sku": line["sku"], "before": line["quantity"] - extra, "after": line["quantity"],
                  "text": f"{line['sku']} {line['description']}: quantity {line['quantity'] - extra} → {line['quantity']}"}
        self.add(Revision, order_id=row["id"], number=row["revision"], channel="phone",
                 requested_by=draft.buyer.contact, verified_how="Read back on the phone",
                 snapshot=self._snapshot(draft), diff=[change], created_at=draft.at,
                 created_by_id=self.users["sales"].id)
        self._event(draft, "order.amended", f"Revision {row['revision']} ({CHANNEL_LABELS['phone']}, asked by "
                    f"{draft.buyer.contact}): {change['text']}", actor="sales",
                    before={"revision": row["revision"] - 1}, after={"revision": row["revision"]})
        self._confirmed_by_call(draft, draft.at + timedelta(minutes=3))

    def _ship(self, draft: Draft, step: str) -> None:
        """Everything picked leaves as one shipment: ledger 'ship' rows, reservations released."""
        rng, row = self.rng, draft.row
        details = ({"carrier": rng.choice(["DPD", "Royal Mail", "Own van"]),
                    "tracking_number": f"TRK{rng.randint(10**8, 10**9 - 1)}", "collected_by": ""}
                   if step == "dispatch" else
                   {"carrier": "", "tracking_number": "",
                    "collected_by": rng.choice(["Alex Hart", "Jo Khan", "Priya Lee", "Tom Ward"])})
        shipment = self.add(Shipment, order_id=row["id"], method=row["method"], created_at=draft.at,
                            created_by_id=self.users["fulfillment"].id, **details)
        for line in draft.lines:
            quantity = line["qty_picked"] - line["qty_shipped"]
            if quantity <= 0:
                continue
            self.on_hand[line["product_id"]] -= quantity
            self.reserved[line["product_id"]] -= quantity
            self._later(draft.at, "ledger", dict(product_id=line["product_id"], kind="ship", quantity=-quantity,
                                                 reason=f"Shipped on {row['number']}", order_id=row["id"],
                                                 user_id=self.users["fulfillment"].id, created_at=draft.at))
            line["qty_shipped"] += quantity
            line["qty_reserved"] -= quantity
            self.add(ShipmentLine, shipment_id=shipment, order_line_id=line["id"], quantity=quantity)

    def _cancel(self, draft: Draft) -> None:
        draft.at = min(draft.at + timedelta(hours=5), self.now - timedelta(minutes=1))
        for line in draft.lines:
            self.reserved[line["product_id"]] -= line["qty_reserved"]
            line["qty_reserved"] = line["qty_backordered"] = 0
        self._transition(draft, "cancel", actor="sales", note="Customer changed their mind")

    def _hold(self, draft: Draft) -> None:
        draft.at = min(draft.at + timedelta(hours=1), self.now - timedelta(minutes=1))
        reason = "Awaiting customer credit check"
        draft.row["on_hold"], draft.row["hold_reason"] = True, reason
        self._event(draft, "order.hold", f"Put on hold: {reason}", actor="sales",
                    before={"on_hold": False}, after={"on_hold": True, "reason": reason})

    # --- special requests ------------------------------------------------------------------------

    def _special_request(self, draft: Draft) -> None:
        kind, wording = self.rng.choice(REQUESTS)
        kind_type = self.kinds.get(kind) or next(iter(self.kinds.values()))
        at = draft.at + timedelta(minutes=3)
        request = dict(order_id=draft.row["id"], kind=kind_type.kind, text=wording, owner_team=kind_type.team,
                       status="pending", due_date=None, decision_note="", decided_by_id=None, decided_at=None,
                       not_promised=False, done_at=None, created_at=at, created_by_id=self.users["sales"].id)
        self.keep(SpecialRequest, request)
        draft.request = request
        self._event(draft, "order.special_request_added",
                    f"Special request ({kind_type.label}, {kind_type.team}): {wording}", actor="sales", at=at,
                    after={"request": request["id"], "kind": kind_type.kind, "team": kind_type.team})

    def _decide_request(self, draft: Draft) -> None:
        request = draft.request
        if request is None:
            return
        approve = self.rng.random() < 0.75
        decider = self._team_user(request["owner_team"])
        request.update(status="approved" if approve else "rejected", decided_by_id=decider.id, decided_at=draft.at,
                       decision_note="" if approve else "Not possible with our carrier")
        label = self.kinds[request["kind"]].label
        note = f": {request['decision_note']}" if request["decision_note"] else ""
        self._event(draft, "order.special_request_decided", f"{label} {request['status']} by {decider.display_name}{note}",
                    actor=decider, before={"status": "pending"}, after={"request": request["id"], "status": request["status"]})

    def _complete_request(self, draft: Draft) -> None:
        request = draft.request
        if request is None or request["status"] != "approved":
            return
        request.update(status="done", done_at=draft.at)
        self._event(draft, "order.special_request_done", f"{self.kinds[request['kind']].label} done",
                    actor=self._team_user(request["owner_team"]), before={"status": "approved"},
                    after={"request": request["id"], "status": "done"})

    def _team_user(self, team: str) -> User:
        return (self.team_users.get(team) or self.team_users["manager"])[0]

    # --- stock --------------------------------------------------------------------------------------

    def _receive(self, pid: int, quantity: int, reason: str, at: datetime) -> None:
        self.on_hand[pid] += quantity
        self._later(at, "ledger", dict(product_id=pid, kind="receipt", quantity=quantity, reason=reason,
                                       order_id=None, user_id=self.users["inventory"].id, created_at=at))

    def _restock(self, pid: int, wanted: int, at: datetime) -> None:
        """The supplier's regular delivery tops up a product running low (never the scarce ones)."""
        if self.on_hand[pid] - self.reserved[pid] < wanted + 20:
            self._receive(pid, 250 + wanted, "Supplier delivery", at - timedelta(minutes=5))

    def _reserve(self, line: dict, at: datetime) -> None:
        """services.reserve_line: reserve what stock allows, backorder the rest (scarce products only)."""
        pid = line["product_id"]
        if not is_scarce(line["sku"]):
            self._restock(pid, line["quantity"], at)
        take = max(0, min(line["quantity"], self.on_hand[pid] - self.reserved[pid]))
        self.reserved[pid] += take
        line["qty_reserved"], line["qty_backordered"] = take, line["quantity"] - take

    # --- events and what is due ----------------------------------------------------------------------

    def _event(self, draft: Draft, kind: str, summary: str, *, actor, at=None, before=None, after=None) -> None:
        user = self.users[actor] if isinstance(actor, str) else actor
        self._later(at or draft.at, "event", dict(
            created_at=at or draft.at, actor_id=user.id, order_id=draft.row["id"], customer_id=draft.buyer.id,
            kind=kind, summary=summary[:300], before=before, after=after))

    def _later(self, at: datetime, kind: str, row: dict) -> None:
        heapq.heappush(self.timed, (at, next(self.seq), kind, row))

    def _release_due(self, until: datetime | None) -> None:
        """Write out the events and ledger rows whose time has come, ids in time order."""
        while self.timed and (until is None or self.timed[0][0] <= until):
            _, _, kind, row = heapq.heappop(self.timed)
            if kind == "ledger":
                self.add(StockMovement, **row)
            else:
                self._notify(self.add(Event, **row), row)

    def _read_by(self, at: datetime) -> datetime | None:
        """History is not news: read an hour later, except what arrived today."""
        return at + timedelta(hours=1) if self.now - at > timedelta(days=1) else None

    def _notify(self, event_id: int, event: dict) -> None:
        """app/notifications/services.notify_teams for an event written here."""
        teams = teams_for(event["kind"], event["before"], event["after"])
        told: dict[int, str] = {}
        for team in teams:
            for user in self.team_users.get(team, ()):
                if user.id != event["actor_id"]:
                    told.setdefault(user.id, team)
        for user_id, team in told.items():
            self.add(Notification, user_id=user_id, event_id=event_id, order_id=event["order_id"], team=team,
                     kind=event["kind"], summary=event["summary"], alert=is_alert(event["kind"], team),
                     created_at=event["created_at"], read_at=self._read_by(event["created_at"]),
                     acknowledged_at=None, acknowledged_by_id=None)
