"""prices.csv: customer_code,sku,min_quantity,unit_price,valid_from,valid_to. With a customer
code, that customer's price (by customer, SKU, quantity and first day); without, a quantity
break for everyone (by SKU and quantity, from 2 upwards)."""

from dataclasses import dataclass
from functools import partial

from sqlalchemy import insert, select, update

from app.catalog.models import CustomerPrice, PriceBreak, Product
from app.customers.models import Customer
from app.dataio import files
from app.dataio.kind import Kind, Row, changed_fields, record_prices
from app.extensions import db

PRICE_FIELDS = ("unit_price", "valid_from", "valid_to")


@dataclass
class Stored:
    products: dict  # sku → id
    customers: dict  # code → id
    breaks: dict  # (product id, min quantity) → {id, unit_price, valid_from, valid_to}
    prices: dict  # (customer id, product id, min quantity, valid_from) → {id, unit_price, valid_to}

    def entry(self, row: Row) -> dict | None:
        product = self.products.get(row.values["sku"])
        if row.values["customer_code"]:
            customer = self.customers.get(row.values["customer_code"])
            return self.prices.get((customer, product, row.values["min_quantity"], row.values["valid_from"]))
        return self.breaks.get((product, row.values["min_quantity"]))


class Prices(Kind):
    name = "prices"
    title = "Prices"
    columns = ("customer_code", "sku", "min_quantity", "unit_price", "valid_from", "valid_to")
    key_columns = ("customer_code", "sku", "min_quantity", "valid_from")
    cells = {
        "customer_code": partial(files.text, limit=20),
        "sku": partial(files.text, limit=40, required=True),
        "min_quantity": partial(files.whole, default=1, minimum=1),
        "unit_price": files.money,
        "valid_from": files.day,
        "valid_to": files.day,
    }

    def key(self, row):
        v = row.values
        # a quantity break is one per SKU and quantity, whatever its dates
        return (v["customer_code"], v["sku"], v["min_quantity"], v["valid_from"] if v["customer_code"] else None)

    def load(self, rows):
        return Stored(
            products=dict(db.session.execute(select(Product.sku, Product.id)).all()),
            customers=dict(db.session.execute(select(Customer.code, Customer.id)).all()),
            breaks={(b.product_id, b.min_quantity): b._asdict() for b in db.session.execute(
                select(PriceBreak.id, PriceBreak.product_id, PriceBreak.min_quantity, *_columns(PriceBreak)))},
            prices={(p.customer_id, p.product_id, p.min_quantity, p.valid_from): p._asdict()
                    for p in db.session.execute(select(CustomerPrice.id, CustomerPrice.customer_id,
                                                       CustomerPrice.product_id, CustomerPrice.min_quantity,
                                                       *_columns(CustomerPrice)))},
        )

    def check(self, row, stored):
        v, problems = row.values, []
        if v["sku"] not in stored.products:
            problems.append(("sku", f"no product with the SKU “{v['sku']}” (import products first)"))
        if v["customer_code"] and v["customer_code"] not in stored.customers:
            problems.append(("customer_code", f"no customer with the code “{v['customer_code']}”"))
        if not v["customer_code"] and v["min_quantity"] < 2:
            problems.append(("min_quantity", "a price for everyone (no customer code) is a quantity break: "
                                             "from 2 upwards (the price of one is the product's list price)"))
        if v["valid_from"] and v["valid_to"] and v["valid_to"] < v["valid_from"]:
            problems.append(("valid_to", "is before valid_from"))
        return problems

    def compare(self, row, stored):
        old = stored.entry(row)
        return None if old is None else changed_fields(_prices(row), old)

    def write(self, rows, stored, *, actor_id, filename):
        for model, rows_of in ((PriceBreak, [r for r in rows if not r.values["customer_code"]]),
                               (CustomerPrice, [r for r in rows if r.values["customer_code"]])):
            new = [self._record(r, stored) for r in rows_of if r.changes is None]
            if new:
                db.session.execute(insert(model), new)
            changed = [{"id": stored.entry(r)["id"], **_prices(r)} for r in rows_of if r.changes]
            if changed:
                db.session.execute(update(model), changed)
        record_prices([(stored.products[r.values["sku"]], _what(r), r.changes and stored.entry(r)["unit_price"],
                        r.values["unit_price"]) for r in rows if r.changes is None or "unit_price" in r.changes],
                      actor_id)

    @staticmethod
    def _record(row: Row, stored: Stored) -> dict:
        v = row.values
        record = {"product_id": stored.products[v["sku"]], "min_quantity": v["min_quantity"], **_prices(row)}
        if v["customer_code"]:
            record["customer_id"] = stored.customers[v["customer_code"]]
        return record


def _columns(model):
    return [getattr(model, name) for name in PRICE_FIELDS]


def _prices(row: Row) -> dict:
    return {name: row.values[name] for name in PRICE_FIELDS}


def _what(row: Row) -> str:
    v = row.values
    if not v["customer_code"]:
        return f"Break from {v['min_quantity']}"
    return f"Customer {v['customer_code']}" + (f" from {v['min_quantity']}" if v["min_quantity"] > 1 else "")


def export_rows():
    """Quantity breaks (no customer code) first, then customer prices, by SKU."""
    breaks = (select(Product.sku, PriceBreak.min_quantity, *_columns(PriceBreak))
              .join(Product, Product.id == PriceBreak.product_id).order_by(Product.sku, PriceBreak.min_quantity))
    for b in db.session.execute(breaks):
        yield ("", b.sku, b.min_quantity, files.money_text(b.unit_price), _day(b.valid_from), _day(b.valid_to))
    prices = (select(Customer.code, Product.sku, CustomerPrice.min_quantity, *_columns(CustomerPrice))
              .join(Customer, Customer.id == CustomerPrice.customer_id)
              .join(Product, Product.id == CustomerPrice.product_id)
              .order_by(Customer.code, Product.sku, CustomerPrice.min_quantity, CustomerPrice.valid_from))
    for p in db.session.execute(prices):
        yield (p.code, p.sku, p.min_quantity, files.money_text(p.unit_price), _day(p.valid_from), _day(p.valid_to))


def _day(value) -> str:
    return value.isoformat() if value else ""
