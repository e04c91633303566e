"""Helpers for the sales desk tests: a logged-in rep's client that posts like the
entry screen does (htmx header, CSRF token, the draft's version last), and drafts."""

from email.message import EmailMessage

import pytest

from app.extensions import db
from app.orders import drafts
from app.orders.models import Order
from app.orders.services import create_draft


class Desk:
    """A rep at the entry screen: posts carry the CSRF token and, for a draft, its version."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def post(self, url, data=None, *, order=None, version=None, htmx=True, **kw):
        data = dict(data or {})
        data["csrf_token"] = self.token
        if order is not None or version is not None:
            data["version"] = str(version if version is not None else fresh(order).version)
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(url, data=data, headers=headers, **kw)

    def get(self, url, **kw):
        return self.client.get(url, **kw)


def fresh(order: Order) -> Order:
    """The order as the database has it now."""
    db.session.expire_all()
    return db.session.get(Order, order.id)


@pytest.fixture
def desk(client, login):
    return Desk(client, login("sales"))


@pytest.fixture
def manager_desk(client, login):
    return Desk(client, login("manager"))


@pytest.fixture
def new_draft(users, make_customer):
    """A draft for `customer` (a new one by default) holding `lines` [(product, qty)]."""
    def make(lines=(), customer=None, actor=None, **fields):
        actor = actor or users["sales"]
        order = create_draft(customer or make_customer(), channel="phone", actor=actor, **fields)
        for product, quantity in lines:
            drafts.add_product(order, product, quantity, actor)
        db.session.commit()
        return order
    return make


def eml(sender="buyer1@example.com", subject="Order PO-4471", body="", attachments=(), html=None):
    """An order email as a mail program would save it."""
    message = EmailMessage()
    if sender is not None:
        message["From"] = sender
    message["To"] = "orders@example.com"
    if subject is not None:
        message["Subject"] = subject
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)
