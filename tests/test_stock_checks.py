"""Stock reconciliation runs on a schedule (housekeeping) and from `flask stock check`; the
manager's dashboard shows the last result and when it was taken, never summing the ledger itself."""

from datetime import timedelta

from app.catalog.stock import last_stock_check, stock_check_task
from app.extensions import db
from app.housekeeping import TASKS
from app.timeutil import frozen_clock, utcnow
from tests.conftest import counting_statements


def test_the_scheduled_check_stores_what_it_found(app, make_product, make_order):
    product = make_product(on_hand=10)
    make_order([(product, 4)], submit=True)
    assert "stock check" in [name for name, _task, _every in TASKS]
    assert stock_check_task() is None  # reconciles: nothing to say
    first = last_stock_check()
    assert (first.mismatch_count, first.products_checked, first.mismatches) == (0, 1, [])

    product.reserved = 1  # changed behind the ledger's back
    db.session.flush()
    assert stock_check_task() == f"1 product(s) do not reconcile (first: {product.sku})"
    db.session.commit()
    latest = last_stock_check()
    assert latest.id > first.id and latest.mismatch_count == 1
    assert latest.mismatches == [{"sku": product.sku, "on_hand": 10, "ledger": 10, "reserved": 1, "held_by_orders": 4}]


def test_the_command_reports_and_stores_the_check(app, runner, make_product):
    product = make_product(on_hand=3)
    assert runner.invoke(args=["stock", "check"]).exit_code == 0
    product.on_hand = 4
    db.session.commit()
    result = runner.invoke(args=["stock", "check"])
    assert result.exit_code == 1 and product.sku in result.output
    assert last_stock_check().mismatch_count == 1


def test_the_dashboard_says_when_stock_was_last_checked(client, login, make_product):
    make_product(on_hand=3)
    stock_check_task()
    db.session.commit()
    login("manager")
    with frozen_clock(utcnow() + timedelta(minutes=12)), counting_statements() as statements:
        html = client.get("/manager/").get_data(as_text=True)
    assert "Stock reconciled 12 min ago" in html and "overdue" not in html
    assert not [s for s in statements if "stock_movements" in s]  # the ledger is not read per request
    with frozen_clock(utcnow() + timedelta(minutes=45)):
        html = client.get("/manager/").get_data(as_text=True)
    assert "Stock reconciled 45 min ago" in html and "<strong>overdue</strong>" in html
