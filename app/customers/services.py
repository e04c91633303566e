"""Creating and editing customers: the record, its delivery addresses and contacts, and the
credit terms only a manager changes. Every change is an event with what it was before."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.customers.models import CONFIRMATION_CHANNELS, TAX_TREATMENTS, Address, Contact, Customer
from app.customers.vat import compact_vat_number
from app.errors import NotAllowed, Refusal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow

CONTACT_FIELDS = ("name", "contact_name", "email", "phone", "notes")
TERMS_FIELDS = ("payment_terms", "vat_number", "tax_treatment", "preferred_channel", "price_list_id", "active")
PROFILE_FIELDS = CONTACT_FIELDS + TERMS_FIELDS
CREDIT_FIELDS = ("credit_limit", "credit_hold", "credit_hold_reason")
NULLABLE = ("email", "phone", "price_list_id")
CODE_ATTEMPTS = 20  # new customers given the same free code at the same moment: tries for the next


def next_customer_code() -> str:
    """The next free code C0001, C0002, … (codes are never reused)."""
    # by length first: as text "C9999" sorts after "C10000"
    codes = db.session.execute(
        select(Customer.code).where(Customer.code.like("C____%"))
        .order_by(func.length(Customer.code).desc(), Customer.code.desc()).limit(200)
    ).scalars()
    return f"C{max((int(c[1:]) for c in codes if c[1:].isdigit()), default=0) + 1:04d}"


def _free_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        return next_customer_code()
    if db.session.execute(select(Customer.id).where(Customer.code == code)).first():
        raise Refusal(f"The code {code} is already taken; leave it empty for the next free code.")
    return code


def _clean(name: str, value):
    """A field's value as it is stored (emails in lower case, VAT numbers compact, '' → None)."""
    if isinstance(value, str):
        value = value.strip()
        value = value.lower() if name == "email" else compact_vat_number(value) if name == "vat_number" else value
    if name == "tax_treatment" and value not in TAX_TREATMENTS:
        raise Refusal("Choose one of the tax treatments.")
    if name == "preferred_channel" and value not in CONFIRMATION_CHANNELS:
        raise Refusal("Choose how the customer wants their confirmations.")
    return (value or None) if name in NULLABLE else value


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _apply(customer: Customer, fields: dict) -> dict[str, tuple]:
    """Set the given fields; return {name: (before, after)} for those that changed."""
    changed = {}
    for name, value in fields.items():
        value = _clean(name, value)
        before = getattr(customer, name)
        if (before if before is not None else "") != (value if value is not None else ""):
            changed[name] = (_plain(before), _plain(value))
            setattr(customer, name, value)
    return changed


def create_customer(*, actor, name, address="", code="", **fields) -> Customer:
    """A new customer (code given, or the next free one) with its default delivery address.

    Writers run in parallel on PostgreSQL, so two new customers created at the same moment
    may both be given the next free code: the unique constraint makes the second wait for
    the first and refuse it, and the second then takes the code after (in a savepoint, so
    nothing else of its transaction is lost). A code the user typed is never changed."""
    automatic = not (code or "").strip()
    for attempt in range(CODE_ATTEMPTS):
        customer = Customer(code=_free_code(code), name=name.strip())
        _apply(customer, {k: v for k, v in fields.items() if k in PROFILE_FIELDS})
        if (address or "").strip():
            customer.addresses.append(Address(label="Main", text=address.strip(), is_default=True))
        try:
            with db.session.begin_nested():
                db.session.add(customer)
                db.session.flush()
            break
        except IntegrityError:
            if not automatic or attempt == CODE_ATTEMPTS - 1:
                raise
    record_event("customer.create", f"Customer {customer.code} {customer.name} created", actor=actor,
                 customer=customer, after={k: _plain(getattr(customer, k)) for k in ("code", *PROFILE_FIELDS)})
    return customer


def update_customer(customer: Customer, *, actor, address=None, **fields) -> list[str]:
    """Change the record's details and terms; a changed default address (when given) keeps
    the old one on record. Credit terms are changed only through `change_credit`."""
    changed = _apply(customer, {k: v for k, v in fields.items() if k in PROFILE_FIELDS})
    names = list(changed)
    if address is not None and _replace_default_address(customer, address):
        names.append("address")
    if names:
        customer.updated_at = utcnow()
        record_event("customer.update", f"Customer {customer.code}: {', '.join(n.replace('_', ' ') for n in names)} changed",
                     actor=actor, customer=customer,
                     before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()})
    return names


def _replace_default_address(customer: Customer, text: str) -> bool:
    default = customer.default_address
    if default is not None and default.text.strip() == text.strip():
        return False
    for existing in customer.addresses:
        existing.is_default = False
    customer.addresses.append(Address(label="Main", text=text.strip(), is_default=True))
    return True


def change_credit(customer: Customer, *, actor, credit_limit, credit_hold, credit_hold_reason="") -> list[str]:
    """Set the credit limit (None: no limit) and the credit hold with its reason: a manager's
    decision, recorded with what it was before."""
    if actor is None or not actor.has_role("manager"):
        raise NotAllowed("Only a manager can change a customer's credit limit or credit hold.")
    if credit_limit is not None and credit_limit < 0:
        raise Refusal("A credit limit cannot be negative; leave it empty for no limit.")
    credit_limit = Decimal(credit_limit).quantize(Decimal("0.01")) if credit_limit is not None else None
    if credit_hold and not (credit_hold_reason or "").strip():
        raise Refusal("Say why the customer is on credit hold (e.g. invoice 881 overdue).")
    changed = _apply(customer, {"credit_limit": credit_limit, "credit_hold": bool(credit_hold),
                                "credit_hold_reason": (credit_hold_reason or "").strip() if credit_hold else ""})
    if changed:
        customer.updated_at = utcnow()
        record_event("customer.credit_changed", f"Customer {customer.code}: {_credit_words(customer)}",
                     actor=actor, customer=customer,
                     before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()})
    return list(changed)


def _credit_words(customer: Customer) -> str:
    limit = f"credit limit {customer.credit_limit}" if customer.credit_limit is not None else "no credit limit"
    return limit + (f", on credit hold ({customer.credit_hold_reason})" if customer.credit_hold else ", not on hold")


# --- delivery addresses ------------------------------------------------------------------

def _address_event(customer, actor, what, address, before=None):
    record_event("customer.update", f"Customer {customer.code}: address “{address.label}” {what}", actor=actor,
                 customer=customer, before=before, after={"address": address.id, "label": address.label,
                                                          "text": address.text, "default": address.is_default})


def add_address(customer: Customer, *, actor, label, text, is_default=False) -> Address:
    """Another delivery address; the first one (or one marked so) becomes the default."""
    address = Address(label=label.strip() or "Delivery", text=text.strip(), is_default=False)
    customer.addresses.append(address)
    db.session.flush()
    if is_default or len(customer.active_addresses) == 1:
        _make_default(customer, address)
    _address_event(customer, actor, "added", address)
    return address


def update_address(address: Address, *, actor, label, text, is_default=False) -> bool:
    """Change an address's label or text (orders keep the copy they were given)."""
    before = {"label": address.label, "text": address.text, "default": address.is_default}
    address.label, address.text = label.strip() or address.label, text.strip()
    if is_default:
        _make_default(address.customer, address)
    changed = before != {"label": address.label, "text": address.text, "default": address.is_default}
    if changed:
        _address_event(address.customer, actor, "changed", address, before)
    return changed


def set_default_address(address: Address, *, actor) -> None:
    if not address.active:
        raise Refusal("A retired address cannot be the default; add it again instead.")
    if not address.is_default:
        _make_default(address.customer, address)
        _address_event(address.customer, actor, "made the default", address)


def retire_address(address: Address, *, actor) -> None:
    """No longer offer an address (the orders that used it keep it); the default moves on."""
    if not address.active:
        raise Refusal("That address is already retired.")
    address.active = False
    if address.is_default:
        address.is_default = False
        others = address.customer.active_addresses
        if others:
            others[0].is_default = True
    _address_event(address.customer, actor, "retired", address)


def _make_default(customer: Customer, chosen: Address) -> None:
    for address in customer.addresses:
        address.is_default = address is chosen


# --- contacts ------------------------------------------------------------------------------

CONTACT_PERSON_FIELDS = ("name", "role", "email", "phone")


def _contact_snapshot(contact: Contact) -> dict:
    return {k: getattr(contact, k) for k in CONTACT_PERSON_FIELDS}


def save_contact(customer: Customer, *, actor, contact: Contact | None = None, **fields) -> Contact:
    """Add a contact (accounts, goods-in…) or change one."""
    before = _contact_snapshot(contact) if contact is not None else None
    contact = contact or Contact(customer=customer)
    for name in CONTACT_PERSON_FIELDS:
        value = (fields.get(name) or "").strip()
        setattr(contact, name, value.lower() if name == "email" else value)
        if name in ("email", "phone") and not value:
            setattr(contact, name, None)
    db.session.add(contact)
    db.session.flush()
    if before != _contact_snapshot(contact):
        record_event("customer.update", f"Customer {customer.code}: contact {contact.name} "
                     + ("added" if before is None else "changed"), actor=actor, customer=customer,
                     before=before, after=_contact_snapshot(contact))
    return contact


def remove_contact(contact: Contact, *, actor) -> None:
    customer = contact.customer
    record_event("customer.update", f"Customer {customer.code}: contact {contact.name} removed", actor=actor,
                 customer=customer, before=_contact_snapshot(contact))
    customer.contacts.remove(contact)
    db.session.flush()
