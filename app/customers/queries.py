"""Reading customers: the one customer search, and a customer by code."""

import re

from sqlalchemy import case, func, or_, select

from app.customers.models import Customer
from app.extensions import db
from app.textsearch import escape_like, indexed, rows_with_text, starts_with, words_of

PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
CUSTOMER_TEXT = [Customer.code, Customer.name, Customer.contact_name, Customer.email, Customer.phone]
POSTCODE_LIKE = re.compile(r"(\s+\S*\d\S*)+$")  # trailing words with a digit: "LS1 4AB", "YO21 3PU"


def customer_by_code(code: str | None) -> Customer | None:
    return db.session.execute(select(Customer).where(Customer.code == (code or "").strip().upper())).scalar_one_or_none()


def _digits(column):
    """`column` without the spaces, dashes and brackets people write phone numbers with."""
    for mark in (" ", "-", "(", ")"):
        column = func.replace(column, mark, "")
    return column


def customer_text(q: str):
    """SQL: customers whose code, name, contact, email or phone has every word of `q` (the text
    index answers); a query shorter than three characters: codes or names starting with it."""
    words = words_of(q)
    if indexed(words):
        return rows_with_text(Customer, CUSTOMER_TEXT, words)
    return or_(starts_with([Customer.code], q.strip()), Customer.name.ilike(f"{escape_like(q.strip())}%", escape="\\"))


def customers_matching(q: str = ""):
    """Customers by name (a statement to page or limit); with `q`, those whose name, code,
    email, phone or contact has it: an exact code, phone (however spaced) or email first,
    then names that start with it, then the rest."""
    stmt = select(Customer)
    if not q:
        return stmt.order_by(Customer.name)
    exact = [Customer.code == q.upper(), func.lower(Customer.email) == q.lower()]
    found = [customer_text(q)]
    if PHONE_LIKE.match(q):
        same_number = _digits(Customer.phone) == re.sub(r"[\s()\-]", "", q)
        exact.append(same_number)
        found.append(same_number)
    rank = case((or_(*exact), 0), (Customer.name.ilike(f"{escape_like(q)}%", escape="\\"), 1), else_=2)
    return stmt.where(or_(*found)).order_by(rank, Customer.name, Customer.id)


def town_of(address: str | None) -> str:
    """The town of a written address, to tell customers of the same name apart: the last of
    its lines (or comma-separated parts) once the postcode is taken off."""
    parts = [POSTCODE_LIKE.sub("", p.strip()) for p in re.split(r"[\n,]", address or "")]
    parts = [p for p in parts if p and not any(c.isdigit() for c in p.split()[0])] or parts
    return parts[-1] if parts else ""
