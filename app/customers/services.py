"""Creating and editing customers."""

from sqlalchemy import func, select

from app.customers.models import Address, Customer
from app.events.services import record_event
from app.extensions import db

CONTACT_FIELDS = ("name", "contact_name", "email", "phone", "notes")


def next_customer_code() -> str:
    """The next free code C0001, C0002, … (codes are never reused)."""
    # by length first: as text "C9999" sorts after "C10000"
    codes = db.session.execute(
        select(Customer.code).where(Customer.code.like("C____%"))
        .order_by(func.length(Customer.code).desc(), Customer.code.desc()).limit(200)
    ).scalars()
    return f"C{max((int(c[1:]) for c in codes if c[1:].isdigit()), default=0) + 1:04d}"


def create_customer(*, actor, name, address, contact_name="", email="", phone="", notes="") -> Customer:
    """A new customer with one default delivery address."""
    customer = Customer(code=next_customer_code(), name=name, contact_name=contact_name,
                        email=email.lower() or None, phone=phone or None, notes=notes)
    customer.addresses.append(Address(label="Main", text=address, is_default=True))
    db.session.add(customer)
    db.session.flush()
    record_event("customer.create", f"Customer {customer.code} {customer.name} created", actor=actor,
                 customer=customer)
    return customer


def update_customer(customer: Customer, *, actor, address, **fields) -> list[str]:
    """Change contact details; a changed default address keeps the old one on record."""
    changed = [k for k in CONTACT_FIELDS if (getattr(customer, k) or "") != (fields.get(k) or "")]
    for key in changed:
        value = (fields.get(key) or "").strip()
        value = value.lower() if key == "email" else value
        setattr(customer, key, value or (None if key in ("email", "phone") else ""))
    default = customer.default_address
    if default is None or default.text.strip() != address.strip():
        for existing in customer.addresses:
            existing.is_default = False
        customer.addresses.append(Address(label="Main", text=address.strip(), is_default=True))
        changed.append("address")
    if changed:
        record_event("customer.update", f"Customer {customer.code}: {', '.join(changed)} changed", actor=actor,
                     customer=customer)
    return changed
