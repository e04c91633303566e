"""A throwaway app and database for the benchmarks (SQLite file in a temp dir, or
BENCH_DATABASE_URL), built by the migrations like the real one."""

import os
import tempfile
from decimal import Decimal

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db


def bench_app(**overrides):
    tmp = tempfile.mkdtemp(prefix="orderdesk-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     MAIL_FILE_DIR=f"{tmp}/mail", **overrides)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
    return app


def ten_line_order(lines=10):
    """A confirmed order with `lines` lines, two special requests and instructions."""
    from app.auth.services import create_user
    from app.catalog import services as stock
    from app.catalog.models import Product
    from app.customers.models import Address, Customer
    from app.orders import services as orders
    from app.orders.models import SpecialRequest

    user = create_user("sales", "bench-password", ["sales"], full_name="Bench Sales")
    customer = Customer(code="B0001", name="Birchwood Engineering Ltd", contact_name="Priya Khan",
                        email="orders@birchwood.example.com", phone="0113 496 0001")
    customer.addresses.append(Address(text="14 Mill Lane\nLeeds\nLS1 4AB", is_default=True))
    db.session.add(customer)
    order = orders.create_draft(customer, channel="phone", actor=user, customer_reference="PO-7781",
                                instructions="Deliver to goods-in at the rear.")
    for n in range(lines):
        product = Product(sku=f"SKU-{n:04d}", name=f"Stainless hinge {n} 50 mm", unit_price=Decimal("12.50") + n)
        db.session.add(product)
        db.session.flush()
        stock.move_stock(product.id, "receipt", 50, "Bench stock")
        orders.add_line(order, product, n % 4 + 1)
    db.session.flush()
    db.session.add_all([
        SpecialRequest(order_id=order.id, kind="gift_wrap", text="Wrap in pairs", owner_team="fulfillment", status="approved"),
        SpecialRequest(order_id=order.id, kind="delivery_window", text="Before 10:00", owner_team="fulfillment",
                       not_promised=True),
    ])
    db.session.flush()
    db.session.refresh(order)
    orders.submit_order(order, user)
    db.session.commit()
    return order, user
