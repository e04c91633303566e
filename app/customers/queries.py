"""Reading customers: the one customer search, and a customer by code."""

import re

from sqlalchemy import case, func, or_, select

from app.customers.models import Customer
from app.extensions import db

PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
POSTCODE_LIKE = re.compile(r"(\s+\S*\d\S*)+$")  # trailing words with a digit: "LS1 4AB", "YO21 3PU"


def customer_by_code(code: str | None) -> Customer | None:
    return db.session.execute(select(Customer).where(Customer.code == (code or "").strip().upper())).scalar_one_or_none()


def _digits(column):
    """`column` without the spaces, dashes and brackets people write phone numbers with."""
    for mark in (" ", "-", "(", ")"):
        column = func.replace(column, mark, "")
    return column


def customers_matching(q: str = ""):
    """Customers by name (a statement to page or limit); with `q`, those whose name, code,
    email, phone or contact has it: an exact code, phone (however spaced) or email first,
    then names that start with it, then the rest."""
    stmt = select(Customer)
    if not q:
        return stmt.order_by(Customer.name)
    term = f"%{q}%"
    exact = [Customer.code == q.upper(), func.lower(Customer.email) == q.lower()]
    found = [Customer.name.ilike(term), Customer.code.ilike(term), Customer.email.ilike(term),
             Customer.phone.ilike(term), Customer.contact_name.ilike(term)]
    if PHONE_LIKE.match(q):
        same_number = _digits(Customer.phone) == re.sub(r"[\s()\-]", "", q)
        exact.append(same_number)
        found.append(same_number)
    rank = case((or_(*exact), 0), (Customer.name.ilike(f"{q}%"), 1), else_=2)
    return stmt.where(or_(*found)).order_by(rank, Customer.name, Customer.id)


def town_of(address: str | None) -> str:
    """The town of a written address, to tell customers of the same name apart: the last of
    its lines (or comma-separated parts) once the postcode is taken off."""
    parts = [POSTCODE_LIKE.sub("", p.strip()) for p in re.split(r"[\n,]", address or "")]
    parts = [p for p in parts if p and not any(c.isdigit() for c in p.split()[0])] or parts
    return parts[-1] if parts else ""
