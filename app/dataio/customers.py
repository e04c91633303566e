"""customers.csv: code,name,email,phone,contact,address,payment_terms,credit_limit,vat_number —
by customer code; `address` (several lines inside quotes) becomes the default address."""

import re
from functools import partial

from sqlalchemy import insert, select, update
from stdnum.gb import vat as gb_vat

from app.customers.models import Address, Customer
from app.dataio import files
from app.dataio.kind import Kind, Row, changed_fields
from app.extensions import db
from app.timeutil import utcnow

# file column → Customer attribute (the address is the default Address's text)
FIELDS = {"code": "code", "name": "name", "email": "email", "phone": "phone", "contact": "contact_name",
          "payment_terms": "payment_terms", "credit_limit": "credit_limit", "vat_number": "vat_number"}
COLUMNS = {attribute: column for column, attribute in FIELDS.items()}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _email(value: str) -> str | None:
    value = files.text(value, 254)
    if value and not EMAIL.fullmatch(value):
        raise files.BadCell(f"“{value}” is not an email address")
    return value or None


def _vat_number(value: str) -> str:
    """A UK VAT number (GB and nine or twelve digits) is checked and written without spaces;
    another country's number is kept as typed."""
    value = files.text(value, 20).upper()
    compact = value.replace(" ", "").replace("-", "")
    if compact.startswith("GB") or compact.isdigit():
        if not gb_vat.is_valid(compact):
            raise files.BadCell(f"“{value}” is not a valid UK VAT number (GB and 9 digits)")
        return "GB" + gb_vat.compact(compact)  # compact() drops the country prefix
    return value


class Customers(Kind):
    name = "customers"
    title = "Customers"
    columns = ("code", "name", "email", "phone", "contact", "address", "payment_terms", "credit_limit",
               "vat_number")
    key_columns = ("code",)
    cells = {
        "code": partial(files.text, limit=20, required=True),
        "name": partial(files.text, limit=200, required=True),
        "email": _email,
        "phone": lambda v: files.text(v, 40) or None,
        "contact": partial(files.text, limit=120),
        "address": partial(files.text, limit=1000, lines=True),
        "payment_terms": partial(files.text, limit=60),
        "credit_limit": partial(files.money, required=False),
        "vat_number": _vat_number,
    }

    def load(self, rows):
        """Every customer by code: its id, fields, and default address (id, text)."""
        attributes = [getattr(Customer, a) for a in FIELDS.values()]
        stored = {r.code: {**r._asdict(), "address": None}
                  for r in db.session.execute(select(Customer.id, *attributes))}
        by_id = {c["id"]: c for c in stored.values()}
        for a in db.session.execute(select(Address.id, Address.customer_id, Address.text, Address.is_default)
                                    .order_by(Address.id)):
            customer = by_id[a.customer_id]
            if customer["address"] is None or (a.is_default and not customer["address"]["is_default"]):
                customer["address"] = {"id": a.id, "text": a.text, "is_default": a.is_default}
        return stored

    def compare(self, row, stored):
        old = stored.get(row.values["code"])
        if old is None:
            return None
        changes = changed_fields(_record(row), old, COLUMNS)
        if row.values["address"] and row.values["address"] != (old["address"] or {}).get("text"):
            changes.add("address")
        return changes

    def write(self, rows, stored, *, actor_id, filename):
        now = utcnow()
        new = [r for r in rows if r.changes is None]
        if new:
            db.session.execute(insert(Customer), [{**_record(r), "created_at": now, "updated_at": now} for r in new])
            ids = dict(db.session.execute(select(Customer.code, Customer.id)).all())
            _add_addresses([(ids[r.values["code"]], r.values["address"]) for r in new if r.values["address"]])
        changed = [r for r in rows if r.changes]
        if changed:
            db.session.execute(update(Customer), [
                {"id": stored[r.values["code"]]["id"], **_record(r), "updated_at": now} for r in changed])
        moved = [(stored[r.values["code"]], r.values["address"]) for r in changed if "address" in r.changes]
        if [old for old, _ in moved if old["address"]]:
            db.session.execute(update(Address), [{"id": old["address"]["id"], "text": text, "is_default": True}
                                                 for old, text in moved if old["address"]])
        _add_addresses([(old["id"], text) for old, text in moved if not old["address"]])


def _add_addresses(pairs: list[tuple[int, str]]) -> None:
    if pairs:
        db.session.execute(insert(Address), [{"customer_id": customer_id, "label": "Main", "text": text,
                                              "is_default": True} for customer_id, text in pairs])


def _record(row: Row) -> dict:
    return {attribute: row.values[column] for column, attribute in FIELDS.items()}


def export_rows():
    """Every customer, by code, with the default address."""
    stored = Customers().load([])
    for code in sorted(stored):
        c = stored[code]
        yield (c["code"], c["name"], c["email"] or "", c["phone"] or "", c["contact_name"],
               (c["address"] or {}).get("text", ""), c["payment_terms"], files.money_text(c["credit_limit"]),
               c["vat_number"])
