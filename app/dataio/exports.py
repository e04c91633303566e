"""Writing products, customers and prices out with the columns their import reads; a cell a
spreadsheet would run as a formula is neutralised (and read back unchanged by the import)."""

import csv

from app.dataio import customers, prices, products
from app.dataio.services import kind_of
from app.errors import Refusal
from app.spreadsheet import safe_cell

ROWS = {"products": products.export_rows, "customers": customers.export_rows, "prices": prices.export_rows}


def export_rows(kind_name: str):
    """The header, then every stored row of `kind_name`, as lists of safe cells."""
    kind = kind_of(kind_name)
    if kind.name not in ROWS:
        raise Refusal(f"{kind.title} cannot be exported; export one of {', '.join(ROWS)}.")
    yield list(kind.columns)
    for row in ROWS[kind.name]():
        yield [safe_cell(cell) for cell in row]


def write_export(kind_name: str, stream) -> int:
    """Write the CSV of `kind_name` to the text `stream`; returns the number of rows."""
    writer = csv.writer(stream, lineterminator="\r\n")
    rows = export_rows(kind_name)
    writer.writerow(next(rows))
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007  (the last count is the number of rows)
        writer.writerow(row)
    return count

