"""`flask import` / `flask export` (CONTRACTS.md) and the round trip export → import."""

import csv
import io

from app.dataio.exports import write_export
from app.dataio.services import apply_file
from app.extensions import db
from tests.dataio.helpers import (
    CUSTOMERS_HEADER,
    GOOD_PRODUCTS,
    PRICES_HEADER,
    csv_bytes,
    products_csv,
    row_counts,
)


def test_import_command_prints_one_summary_line_and_exit_0(app, runner, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(GOOD_PRODUCTS)
    result = runner.invoke(args=["import", "products", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Imported products.csv: 3 new, 0 changed, 0 unchanged (3 rows)."]


def test_import_command_lists_every_bad_row_and_exits_1_writing_nothing(app, runner, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,abc,20,,,yes",
                                  "P-3,Nut,,each,1,,1.00,20,,,perhaps"))
    before = row_counts()
    result = runner.invoke(args=["import", "products", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [
        "line 3: list_price: “abc” is not an amount like 12.50 (digits, a dot, at most two decimals)",
        "line 4: active: “perhaps” must be yes or no"]
    assert lines[-1] == "Nothing imported: 2 problem(s) in products.csv."
    assert row_counts() == before


def _exported(kind: str) -> bytes:
    stream = io.StringIO()
    write_export(kind, stream)
    db.session.rollback()
    return stream.getvalue().encode("utf-8")


def test_exported_files_import_back_unchanged(app, runner, tmp_path, make_customer):
    tricky = products_csv('P-1,=HYPERLINK("http://evil"),"-2 for one\nsecond line",each,1,@A1,12.50,17.5,3,4,yes',
                          "P-2,+Plus,,box,12,,0.99,0,7,0,no")
    apply_file("products", tricky, "products.csv")
    apply_file("customers", csv_bytes(CUSTOMERS_HEADER, 'C1,=Acme,a@example.com,-0113,Pat,"1 Road\nLeeds",30 days,,',
                                      "C2,Bolt,,,,,,100.00,GB980780684"), "customers.csv")
    apply_file("prices", csv_bytes(PRICES_HEADER, ",P-1,10,11.00,2026-01-01,", "C1,P-2,1,0.50,,2026-12-31"),
               "prices.csv")
    db.session.commit()
    before = row_counts()
    for kind in ("products", "customers", "prices"):
        path = tmp_path / f"{kind}.csv"
        result = runner.invoke(args=["export", kind, str(path)])
        assert result.exit_code == 0, result.output
        assert path.read_bytes() == _exported(kind)
        plan = apply_file(kind, path.read_bytes(), path.name)
        assert plan.ok and plan.counts["unchanged"] == plan.counts["rows"] > 0, (kind, plan.problems, plan.counts)
    db.session.rollback()
    assert row_counts() == before


def test_exported_cells_that_a_spreadsheet_would_run_are_neutralised(app):
    apply_file("products", products_csv('P-1,=SUM(A1),"@cmd",each,1,-A,12.50,20,3,4,yes',
                                        "P-2,\tTabbed,+1,each,1,,1.00,20,3,4,yes"), "products.csv")
    rows = list(csv.reader(io.StringIO(_exported("products").decode())))
    assert rows[0][:3] == ["sku", "name", "description"]
    assert rows[1][1:3] == ["'=SUM(A1)", "'@cmd"] and rows[1][5] == "'-A"
    assert rows[2][2] == "'+1"
    every_cell = [cell for row in rows for cell in row]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
