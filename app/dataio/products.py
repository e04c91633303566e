"""products.csv: sku,name,description,unit,pack_size,bin,list_price,tax_rate,lead_time_days,
reorder_point,active — new products inserted and changed ones updated by SKU, in bulk."""

from functools import partial

from sqlalchemy import insert, select, update

from app.catalog.models import Product
from app.dataio import files
from app.dataio.kind import Kind, Row, changed_fields, record_prices
from app.extensions import db
from app.timeutil import utcnow

# file column → Product attribute
FIELDS = {"sku": "sku", "name": "name", "description": "description", "unit": "unit", "pack_size": "pack_size",
          "bin": "bin_location", "list_price": "unit_price", "tax_rate": "tax_rate",
          "lead_time_days": "lead_time_days", "reorder_point": "reorder_point", "active": "active"}
COLUMNS = {attribute: column for column, attribute in FIELDS.items()}
MAX_LEAD_TIME_DAYS = 365


def _unit(value: str) -> str:
    return files.text(value, 20) or "each"


def _lead_time(value: str) -> int:
    days = files.whole(value, default=7)
    if days > MAX_LEAD_TIME_DAYS:
        raise files.BadCell(f"{days} days is more than a year; at most {MAX_LEAD_TIME_DAYS}")
    return days


class Products(Kind):
    name = "products"
    title = "Products"
    columns = tuple(FIELDS)
    key_columns = ("sku",)
    cells = {
        "sku": partial(files.text, limit=40, required=True),
        "name": partial(files.text, limit=200, required=True),
        "description": partial(files.text, limit=4000, lines=True),
        "unit": _unit,
        "pack_size": partial(files.whole, default=1, minimum=1),
        "bin": partial(files.text, limit=20),
        "list_price": files.money,
        "tax_rate": files.rate,
        "lead_time_days": _lead_time,
        "reorder_point": partial(files.whole, default=0),
        "active": files.yes_no,
    }

    def load(self, rows):
        """Every stored product by SKU: its id and the fields the file sets."""
        attributes = [getattr(Product, a) for a in FIELDS.values()]
        return {r.sku: r._asdict() for r in db.session.execute(select(Product.id, *attributes))}

    def compare(self, row, stored):
        old = stored.get(row.values["sku"])
        return None if old is None else changed_fields(_record(row), old, COLUMNS)

    def write(self, rows, stored, *, actor_id, filename):
        now = utcnow()
        new = [{**_record(r), "created_at": now, "updated_at": now} for r in rows if r.changes is None]
        if new:
            db.session.execute(insert(Product), new)
        changed = [r for r in rows if r.changes]
        if changed:
            db.session.execute(update(Product), [
                {"id": stored[r.values["sku"]]["id"], **_record(r), "updated_at": now} for r in changed])
        ids = self._ids(new)
        record_prices([_price_change(r, stored, ids) for r in rows if r.changes is None or "list_price" in r.changes],
                      actor_id)

    @staticmethod
    def _ids(new: list[dict]) -> dict[str, int]:
        if not new:
            return {}
        return dict(db.session.execute(select(Product.sku, Product.id)).all())


def _price_change(row: Row, stored: dict, ids: dict) -> tuple:
    old = stored.get(row.values["sku"])
    if old is None:
        return ids[row.values["sku"]], "List price", None, row.values["list_price"]
    return old["id"], "List price", old["unit_price"], row.values["list_price"]


def _record(row: Row) -> dict:
    return {attribute: row.values[column] for column, attribute in FIELDS.items()}


def export_rows():
    """Every product, by SKU, as the file's cells."""
    attributes = [getattr(Product, a) for a in FIELDS.values()]
    for p in db.session.execute(select(*attributes).order_by(Product.sku)):
        yield (p.sku, p.name, p.description, p.unit, p.pack_size, p.bin_location, files.money_text(p.unit_price),
               files.rate_text(p.tax_rate), p.lead_time_days, p.reorder_point, "yes" if p.active else "no")
