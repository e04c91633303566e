"""Reading customers: the one customer search, and a customer by code."""

from sqlalchemy import case, or_, select

from app.customers.models import Customer
from app.extensions import db


def customer_by_code(code: str | None) -> Customer | None:
    return db.session.execute(select(Customer).where(Customer.code == (code or "").strip().upper())).scalar_one_or_none()


def customers_matching(q: str = ""):
    """Customers by name (a statement to page or limit); with `q`, those whose name, code,
    email, phone or contact has it, an exact code, phone or email first."""
    stmt = select(Customer)
    if not q:
        return stmt.order_by(Customer.name)
    term = f"%{q}%"
    exact = case((or_(Customer.code == q.upper(), Customer.phone == q, Customer.email == q.lower()), 0), else_=1)
    return (stmt.where(or_(Customer.name.ilike(term), Customer.code.ilike(term), Customer.email.ilike(term),
                           Customer.phone.ilike(term), Customer.contact_name.ilike(term)))
            .order_by(exact, Customer.name))
