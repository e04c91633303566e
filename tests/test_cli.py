"""The two commands of CONTRACTS.md: `users create` and `seed-demo`."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Product, StockMovement
from app.customers.models import Customer
from app.extensions import db
from app.orders.models import Order, OrderLine
from app.orders.states import OPEN_STATUSES, STATUSES
from app.timeutil import utcnow
from tests.conftest import empty_tables, log_in

# --- users create ------------------------------------------------------------------------

def test_users_create_asks_for_the_password_and_keeps_roles_in_order(runner, client):
    result = runner.invoke(args=["users", "create", "Pat", "--role", "sales", "--role", "manager",
                                 "--full-name", "Pat Jones"], input="Amber-Tulip-Kettle-42\nAmber-Tulip-Kettle-42\n")
    assert result.exit_code == 0, result.output
    assert "Created user pat with roles sales, manager." in result.output
    user = db.session.execute(select(User).where(User.username == "pat")).scalar_one()
    assert user.roles == ["sales", "manager"] and user.full_name == "Pat Jones"
    assert user.check_password("Amber-Tulip-Kettle-42") and "Amber-Tulip-Kettle-42" not in user.password_hash
    response = log_in(client, "pat", "Amber-Tulip-Kettle-42")
    assert response.headers["Location"] == "/sales/"  # the first role's dashboard


def test_users_create_password_must_be_confirmed(runner):
    result = runner.invoke(args=["users", "create", "pat", "--role", "sales"], input="Amber-Tulip-Kettle-42\nother\nAmber-Tulip-Kettle-42\nAmber-Tulip-Kettle-42\n")
    assert result.exit_code == 0 and "do not match" in result.output.lower()


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "wizard"], "Unknown role: wizard"),
    (["--role", "sales", "--role", "pilot"], "Unknown role: pilot"),
    ([], "Missing option '--role'"),
])
def test_users_create_refuses_unknown_or_missing_roles(runner, args, message):
    result = runner.invoke(args=["users", "create", "pat", *args], input="Amber-Tulip-Kettle-42\nAmber-Tulip-Kettle-42\n")
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_create_refuses_a_taken_username(runner, make_user):
    make_user("pat")
    result = runner.invoke(args=["users", "create", "PAT", "--role", "admin"], input="Amber-Tulip-Kettle-42\nAmber-Tulip-Kettle-42\n")
    assert result.exit_code == 1 and "The username “pat” is taken." in result.output


# --- seed-demo: run once for the module (it is the slowest thing in the suite) -------------

@pytest.fixture(scope="module")
def seeded(_app):
    """A database holding one real customer, then the demo seed refused, forced, refused again,
    and skipped with --if-empty; every result is kept for the tests below."""
    with _app.app_context():
        empty_tables()
        db.session.add(Customer(code="REAL1", name="A real customer"))
        db.session.commit()
        db.session.remove()
    runner = _app.test_cli_runner()
    results = {"refused": runner.invoke(args=["seed-demo"]),
               "forced": runner.invoke(args=["seed-demo", "--force"]),
               "again": runner.invoke(args=["seed-demo"]),
               "if_empty": runner.invoke(args=["seed-demo", "--if-empty"])}
    yield results
    with _app.app_context():
        empty_tables()
        db.session.remove()


@pytest.fixture
def demo(_app, seeded):
    with _app.app_context():
        yield seeded
        db.session.rollback()
        db.session.remove()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_refuses_a_database_with_real_data(demo):
    result = demo["refused"]
    assert result.exit_code == 1
    assert "already holds customers or orders; use --force" in result.output
    again = demo["again"]
    assert again.exit_code == 1 and "use --force" in again.output
    assert count(Order) == 600  # neither refusal added anything


def test_seed_demo_force_loads_the_demo_data(demo):
    result = demo["forced"]
    assert result.exit_code == 0, result.output
    assert "Demo data loaded: 300 products, 80 customers, 600 orders, 5 users." in result.output
    assert count(Product) == 300 and count(Order) == 600
    assert count(Customer) == 81 and count(Customer, Customer.name == "A real customer") == 1
    assert count(Product, Product.bin_location == "") == 0
    assert db.session.scalar(select(func.count(func.distinct(Product.sku)))) == 300


def test_seed_demo_if_empty_succeeds_quietly_on_a_database_with_data(demo):
    result = demo["if_empty"]
    assert result.exit_code == 0
    assert result.output.strip() == "The database already holds data; demo data not loaded."
    assert count(Order) == 600


def test_demo_orders_are_in_every_status_over_thirteen_months(demo):
    statuses = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    assert set(statuses) == set(STATUSES), statuses
    oldest, newest = db.session.execute(select(func.min(Order.created_at), func.max(Order.created_at))).one()
    now = utcnow()
    assert now - timedelta(days=396) <= oldest < now - timedelta(days=330)
    assert newest > now - timedelta(days=3)
    assert count(Order, Order.on_hold.is_(True)) >= 1
    assert count(Order, Order.status != "draft", Order.number.is_(None), Order.status != "cancelled") == 0


def test_demo_stock_agrees_with_ledger_and_reservations(demo):
    ledger = dict(db.session.execute(
        select(StockMovement.product_id, func.sum(StockMovement.quantity)).group_by(StockMovement.product_id)).all())
    held = dict(db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.qty_reserved)).join(Order)
        .where(Order.status.in_(OPEN_STATUSES)).group_by(OrderLine.product_id)).all())
    for product in db.session.execute(select(Product)).scalars():
        assert product.on_hand == ledger[product.id], product.sku
        assert product.reserved == (held.get(product.id) or 0), product.sku
    assert count(OrderLine, OrderLine.qty_reserved > 0, OrderLine.order.has(Order.status.not_in(OPEN_STATUSES))) == 0


def test_demo_users_one_per_role_with_password_demo(demo, _app):
    users = db.session.execute(select(User).order_by(User.id)).scalars().all()
    assert [(u.username, u.roles) for u in users] == [
        ("sales", ["sales"]), ("inventory", ["inventory"]), ("fulfillment", ["fulfillment"]),
        ("manager", ["manager"]), ("admin", ["admin"])]
    assert all(u.check_password("demo") for u in users)


@pytest.mark.parametrize("role", ["sales", "inventory", "fulfillment", "manager"])
def test_each_demo_user_sees_a_dashboard_with_orders(demo, _app, role):
    client = _app.test_client()
    response = log_in(client, role, "demo")
    assert response.headers["Location"] == f"/{role}/"
    html = client.get(f"/{role}/").get_data(as_text=True)
    assert html.count('class="ref"') >= 5, role
