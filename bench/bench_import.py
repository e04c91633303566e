"""CSV import: 20,000 products, then customers, prices and opening stock, through the
`flask import` command on a fresh database (SQLite, or BENCH_DATABASE_URL).

    .venv/bin/python -m bench.bench_import        (BENCH_IMPORT_PRODUCTS, default 20000)

Prints seconds and rows per second for each file, the same products file again (every row
unchanged: the cost of the check alone), the file with 1 % of prices changed, and the export.
"""

import csv
import os
import tempfile
import time
from pathlib import Path

from app.dataio.cli import export_command, import_command
from bench._setup import bench_app
from bench.common import machine

PRODUCTS = int(os.environ.get("BENCH_IMPORT_PRODUCTS", "20000"))
CUSTOMERS = max(PRODUCTS // 10, 10)
HEADERS = {
    "products": "sku,name,description,unit,pack_size,bin,list_price,tax_rate,lead_time_days,reorder_point,active",
    "customers": "code,name,email,phone,contact,address,payment_terms,credit_limit,vat_number",
    "prices": "customer_code,sku,min_quantity,unit_price,valid_from,valid_to",
    "stock": "sku,on_hand",
}


def _product(n: int, bump: int = 0) -> list:
    return [f"SKU-{n:06d}", f"Stainless hinge {n % 97} mm, pack {n % 7}", f"Grade 304 hinge\nbatch {n % 13}",
            "each" if n % 5 else "box", 1 if n % 5 else 10, f"{chr(65 + n % 20)}-{n % 40:02d}-{n % 5}",
            f"{5 + n % 400}.{(n * 7 + bump) % 100:02d}", "20" if n % 9 else "5", 3 + n % 20, n % 50,
            "yes" if n % 50 else "no"]


def _rows(kind: str, bump_every: int = 0):
    if kind == "products":
        return [_product(n, 1 if bump_every and n % bump_every == 0 else 0) for n in range(1, PRODUCTS + 1)]
    if kind == "customers":
        return [[f"C{c:05d}", f"Customer {c} Ltd", f"buyer{c}@example.com", f"0113 496 {c % 10000:04d}",
                 f"Pat {c}", f"{c} Mill Lane\nLeeds\nLS{c % 30} 4AB", "30 days", f"{1000 + c}.00", ""]
                for c in range(1, CUSTOMERS + 1)]
    if kind == "prices":
        breaks = [["", f"SKU-{n:06d}", 10, f"{4 + n % 300}.50", "", ""] for n in range(1, PRODUCTS + 1, 4)]
        own = [[f"C{c:05d}", f"SKU-{(c * 37) % PRODUCTS + 1:06d}", 1, "3.99", "2026-01-01", "2026-12-31"]
               for c in range(1, CUSTOMERS + 1)]
        return breaks + own
    return [[f"SKU-{n:06d}", n % 300] for n in range(1, PRODUCTS + 1)]


def _write(folder: Path, kind: str, name: str | None = None, bump_every: int = 0) -> Path:
    path = folder / (name or f"{kind}.csv")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADERS[kind] + "\r\n")
        csv.writer(f).writerows(_rows(kind, bump_every))
    return path


def _timed(runner, command, *args) -> tuple[float, str]:
    started = time.perf_counter()
    result = runner.invoke(command, [str(a) for a in args])
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return took, result.output.strip().splitlines()[-1]


def main() -> None:
    app = bench_app()
    folder = Path(tempfile.mkdtemp(prefix="orderdesk-bench-import-"))
    runner = app.test_cli_runner()
    with app.app_context():
        dialect = app.extensions["sqlalchemy"].engine.dialect.name
    print(f"CSV import on {dialect}, {machine()}:")
    steps = [("products", _write(folder, "products")), ("customers", _write(folder, "customers")),
             ("prices", _write(folder, "prices")), ("stock", _write(folder, "stock")),
             ("products", folder / "products.csv"),
             ("products", _write(folder, "products", "products-1pc.csv", bump_every=100))]
    for kind, path in steps:
        with path.open(encoding="utf-8", newline="") as f:
            rows = sum(1 for _ in csv.reader(f)) - 1
        with app.app_context():
            took, said = _timed(runner, import_command, kind, path)
        print(f"  import {path.name:<18} {took:6.2f} s  {rows / took:9,.0f} rows/s   {said}")
    for kind in ("products", "customers", "prices"):
        with app.app_context():
            took, said = _timed(runner, export_command, kind, folder / f"export-{kind}.csv")
        print(f"  export {kind:<18} {took:6.2f} s   {said}")


if __name__ == "__main__":
    main()
