"""CSV import, checked whole and applied all or nothing (issue 12, "Import and export")."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import CustomerPrice, PriceBreak, PriceChange, Product, StockMovement
from app.catalog.stock import stock_mismatches
from app.customers.models import Customer
from app.dataio.files import Problem
from app.dataio.services import ImportRefused, apply_file, check_file
from app.events.models import Event
from app.extensions import db
from tests.dataio.helpers import (
    CUSTOMERS_HEADER,
    GOOD_PRODUCTS,
    PRICES_HEADER,
    PRODUCTS_HEADER,
    csv_bytes,
    products_csv,
    row_counts,
)


def product(sku: str) -> Product:
    return db.session.execute(select(Product).where(Product.sku == sku)).scalar_one()


def test_products_are_created_then_updated_by_sku_with_price_changes_recorded(app, users):
    plan = apply_file("products", GOOD_PRODUCTS, "products.csv", actor=users["manager"])
    db.session.commit()
    assert plan.counts == {"rows": 3, "new": 3, "changed": 0, "unchanged": 0}
    hinge = product("P-100")
    assert (hinge.name, hinge.description, hinge.unit, hinge.pack_size, hinge.bin_location) == (
        "Brass hinge 50 mm", "Solid brass, pair", "pair", 2, "A-01-1")
    assert (hinge.list_price, hinge.tax_rate, hinge.lead_time_days, hinge.reorder_point, hinge.active) == (
        Decimal("12.50"), Decimal("20"), 5, 10, True)
    gloves = product("P-300")
    assert (gloves.lead_time_days, gloves.reorder_point, gloves.active, gloves.tax_rate) == (7, 0, False, 0)

    again = products_csv('P-100,Brass hinge 50 mm,"Solid brass, pair",pair,2,A-01-1,13.00,20,5,10,yes',
                         "P-200,Wood screw 4x40,,box,100,B-09-9,4.99,20,7,0,yes",
                         "P-300,Safety gloves,Nitrile,each,1,,2.10,0,,,no")
    plan = apply_file("products", again, "products.csv", actor=users["manager"])
    db.session.commit()
    assert plan.counts == {"rows": 3, "new": 0, "changed": 2, "unchanged": 1}
    assert product("P-200").bin_location == "B-09-9"
    changes = db.session.execute(select(PriceChange).where(PriceChange.product_id == product("P-100").id)
                                 .order_by(PriceChange.id)).scalars().all()
    assert [(c.old_price, c.new_price, c.source, c.user_id) for c in changes] == [
        (None, Decimal("12.50"), "import", users["manager"].id),
        (Decimal("12.50"), Decimal("13.00"), "import", users["manager"].id)]


def test_one_import_is_one_event_with_its_counts(app, users):
    apply_file("products", GOOD_PRODUCTS, "products.csv", actor=users["admin"])
    db.session.commit()
    events = db.session.execute(select(Event).where(Event.kind == "import.applied")).scalars().all()
    assert len(events) == 1
    assert events[0].summary.startswith("Imported products.csv: 3 new, 0 changed")
    assert events[0].actor_id == users["admin"].id
    assert {k: events[0].after[k] for k in ("kind", "file", "rows", "new", "changed")} == {
        "kind": "products", "file": "products.csv", "rows": 3, "new": 3, "changed": 0}


BAD_ROWS = [
    ("products", products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,12.5.0,20,,,yes"),
     Problem(3, "list_price", "“12.5.0” is not an amount like 12.50 (digits, a dot, at most two decimals)")),
    ("products", products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,-3.00,20,,,yes"),
     Problem(3, "list_price", "“-3.00” is not an amount like 12.50 (digits, a dot, at most two decimals)")),
    ("products", products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-1,Hinge again,,each,1,,2.50,20,,,yes"),
     Problem(3, "sku", "the same as line 2: each sku may appear once")),
    ("products", products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,2.50,20,,,yes,extra"),
     Problem(3, "", "12 cells where the header has 11 (a stray comma, or an extra column?)")),
    ("prices", csv_bytes(PRICES_HEADER, ",P-100,10,11.00,,", ",NOPE,10,1.00,,"),
     Problem(3, "sku", "no product with the SKU “NOPE” (import products first)")),
    ("prices", csv_bytes(PRICES_HEADER, ",P-100,10,11.00,,", ",P-200,10,1.00,2026-02-30,"),
     Problem(3, "valid_from", "“2026-02-30” is not a date like 2026-12-31")),
    ("customers", csv_bytes(CUSTOMERS_HEADER, "C1,Acme,a@example.com,,,,,,", "C2,Bolt,not-an-email,,,,,,"),
     Problem(3, "email", "“not-an-email” is not an email address")),
]


@pytest.mark.parametrize("kind,data,problem", BAD_ROWS, ids=[f"{k}-{p.column or 'row'}-{p.line}" for k, _, p in BAD_ROWS])
def test_a_file_with_one_bad_row_is_refused_naming_it_and_nothing_is_written(app, users, kind, data, problem):
    apply_file("products", products_csv("P-100,Hinge,,each,1,,12.50,20,,,yes", "P-200,Screw,,each,1,,1.50,20,,,yes"),
               "products.csv")
    db.session.commit()
    before = row_counts()
    with pytest.raises(ImportRefused) as refused:
        apply_file(kind, data, f"{kind}.csv", actor=users["manager"])
    db.session.rollback()
    assert refused.value.plan.problems == [problem]
    assert row_counts() == before


def test_extra_unknown_and_missing_columns_are_refused_on_line_1(app):
    plan = check_file("stock", csv_bytes("sku,on_hand,colour", "P-1,3,red"), "stock.csv")
    assert plan.problems == [Problem(1, "colour", "unknown column; the columns are sku,on_hand")]
    plan = check_file("stock", csv_bytes("sku", "P-1"), "stock.csv")
    assert plan.problems == [Problem(1, "on_hand", "missing column")]
    plan = check_file("stock", b"", "stock.csv")
    assert plan.problems[0].line == 1 and "empty" in plan.problems[0].message


def test_every_bad_row_is_listed_not_just_the_first(app):
    plan = check_file("products", products_csv("P-1,,,each,0,,x,200,,,maybe"), "products.csv")
    assert [(p.line, p.column) for p in plan.problems] == [
        (2, "active"), (2, "list_price"), (2, "name"), (2, "pack_size"), (2, "tax_rate")]


def test_a_customer_address_may_span_lines_inside_quotes_and_becomes_the_default_address(app):
    data = csv_bytes(CUSTOMERS_HEADER,
                     'C100,Acme Ltd,buyer@acme.example,0113 496 0000,Pat Jones,"Unit 4, Mill Lane\r\nLeeds\r\nLS1 4AB",'
                     "30 days,5000.00,GB 980 7806 84",
                     "C200,Bolt & Co,,,,,,,")
    plan = apply_file("customers", data, "customers.csv")
    db.session.commit()
    assert plan.counts["new"] == 2
    acme = db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one()
    assert acme.default_address.text == "Unit 4, Mill Lane\nLeeds\nLS1 4AB"
    assert (acme.contact_name, acme.payment_terms, acme.credit_limit, acme.vat_number) == (
        "Pat Jones", "30 days", Decimal("5000.00"), "GB980780684")
    bolt = db.session.execute(select(Customer).where(Customer.code == "C200")).scalar_one()
    assert bolt.addresses == [] and bolt.email is None and bolt.credit_limit is None
    # a record spanning lines: the next record's line number counts the address's lines
    bad = csv_bytes(CUSTOMERS_HEADER, 'C300,Cog Ltd,,,,"1 Road\nYork",,,', "C400,,,,,,,,")
    assert check_file("customers", bad, "customers.csv").problems == [Problem(4, "name", "must not be empty")]
    moved = csv_bytes(CUSTOMERS_HEADER, 'C100,Acme Ltd,buyer@acme.example,0113 496 0000,Pat Jones,"2 New Road\nLeeds",'
                                        "30 days,5000.00,GB980780684")
    assert apply_file("customers", moved, "customers.csv").counts["changed"] == 1
    db.session.commit()
    db.session.refresh(acme)
    assert [a.text for a in acme.addresses] == ["2 New Road\nLeeds"]


def test_an_invalid_uk_vat_number_is_refused(app):
    data = csv_bytes(CUSTOMERS_HEADER, "C1,Acme,,,,,,,GB123456789")
    assert [p.column for p in check_file("customers", data, "c.csv").problems] == ["vat_number"]


def test_prices_make_quantity_breaks_and_customer_prices(app, make_customer):
    apply_file("products", GOOD_PRODUCTS, "products.csv")
    customer = make_customer(code="C0001")
    data = csv_bytes(PRICES_HEADER, ",P-100,10,11.00,,", "C0001,P-100,1,10.50,2026-01-01,2026-12-31",
                     "C0001,P-100,1,10.00,2027-01-01,", "C0001,P-200,50,3.99,,")
    plan = apply_file("prices", data, "prices.csv")
    db.session.commit()
    assert plan.counts["new"] == 4
    hinge = product("P-100")
    (brk,) = db.session.execute(select(PriceBreak)).scalars().all()
    assert (brk.product_id, brk.min_quantity, brk.unit_price) == (hinge.id, 10, Decimal("11.00"))
    own = db.session.execute(select(CustomerPrice).where(CustomerPrice.customer_id == customer.id)
                             .order_by(CustomerPrice.id)).scalars().all()
    assert [(p.min_quantity, p.unit_price, p.valid_from, p.valid_to) for p in own] == [
        (1, Decimal("10.50"), date(2026, 1, 1), date(2026, 12, 31)), (1, Decimal("10.00"), date(2027, 1, 1), None),
        (50, Decimal("3.99"), None, None)]
    # upsert by (customer, sku, quantity, first day): a new price, the others unchanged
    changed = csv_bytes(PRICES_HEADER, ",P-100,10,10.80,,", "C0001,P-100,1,10.50,2026-01-01,2026-12-31")
    assert apply_file("prices", changed, "prices.csv").counts == {"rows": 2, "new": 0, "changed": 1, "unchanged": 1}
    db.session.commit()
    whats = db.session.execute(select(PriceChange.what, PriceChange.new_price).where(PriceChange.what != "List price")
                               .order_by(PriceChange.id)).all()
    assert whats[-1] == ("Break from 10", Decimal("10.80"))
    assert ("Customer C0001 from 50", Decimal("3.99")) in whats


def test_a_price_for_everyone_must_be_a_break_from_two_and_dates_in_order(app):
    apply_file("products", GOOD_PRODUCTS, "products.csv")
    data = csv_bytes(PRICES_HEADER, ",P-100,1,11.00,,", "NOBODY,P-100,1,1.00,,", "C1,P-200,1,1.00,2026-05-01,2026-04-01")
    assert [(p.line, p.column) for p in check_file("prices", data, "prices.csv").problems] == [
        (2, "min_quantity"), (3, "customer_code"), (4, "customer_code"), (4, "valid_to")]


def test_opening_stock_is_a_ledger_adjustment_and_never_below_what_is_reserved(app, make_order, users):
    apply_file("products", GOOD_PRODUCTS, "products.csv")
    db.session.commit()
    plan = apply_file("stock", csv_bytes("sku,on_hand", "P-100,40", "P-200,0"), "stock.csv", actor=users["inventory"])
    db.session.commit()
    assert plan.counts == {"rows": 2, "new": 0, "changed": 1, "unchanged": 1}
    hinge = product("P-100")
    assert hinge.on_hand == 40
    (move,) = db.session.execute(select(StockMovement)).scalars().all()
    assert (move.product_id, move.kind, move.quantity, move.reason, move.user_id) == (
        hinge.id, "adjustment", 40, "Opening balance from stock.csv", users["inventory"].id)
    make_order(lines=[(hinge, 10)], submit=True)
    assert product("P-100").reserved == 10
    refused = check_file("stock", csv_bytes("sku,on_hand", "P-100,9"), "stock.csv")
    assert refused.problems == [Problem(2, "on_hand", "9 is below the 10 units reserved for open orders")]
    apply_file("stock", csv_bytes("sku,on_hand", "P-100,25"), "stock.csv")
    db.session.commit()
    assert product("P-100").on_hand == 25 and stock_mismatches() == []


def test_utf8_with_a_bom_is_read(app):
    plan = check_file("stock", csv_bytes("sku,on_hand", "P-1,3", bom=True), "stock.csv")
    assert [p for p in plan.problems if p.line == 1] == []


def test_a_windows_1252_file_is_refused_saying_what_it_looks_like(app):
    data = "\r\n".join([PRODUCTS_HEADER, "P-1,Café crème – £12 pack,Ça va,each,1,,12.00,20,,,yes"]).encode("cp1252")
    before = row_counts()
    with pytest.raises(ImportRefused) as refused:
        apply_file("products", data, "products.csv")
    (problem,) = refused.value.plan.problems
    assert problem.line == 2
    assert "not UTF-8" in problem.message and "looks like Windows-1252" in problem.message
    assert "CSV UTF-8" in problem.message
    assert row_counts() == before


def test_a_dry_run_counts_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(GOOD_PRODUCTS)
    before = row_counts()
    result = runner.invoke(args=["import", "products", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Dry run, nothing written: products.csv: 3 new, 0 changed, 0 unchanged (3 rows)."
    assert row_counts() == before

