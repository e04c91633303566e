"""CSV downloads: streamed row by row, every cell safe to open in a spreadsheet."""

import csv
import io

from flask import Response, request, stream_with_context

from app.extensions import db
from app.orders import search as order_search
from app.spreadsheet import safe_cell
from app.timeutil import business_today


def csv_response(header, rows, filename: str) -> Response:
    """A CSV download of `header` and the iterable `rows`, written as they are read."""
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in _with_header(header, rows):
            writer.writerow([safe_cell(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = Response(stream_with_context(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_header(header, rows):
    yield header
    yield from rows


def wants_csv() -> bool:
    """Did the list's address ask for its CSV (`?format=csv`) rather than its page?"""
    return request.args.get("format") == "csv"


def orders_csv(stmt, filename: str) -> Response:
    """Every order `stmt` finds (a list's statement, not one page of it) as a CSV download."""
    return csv_response(order_search.CSV_HEADER, order_search.csv_rows(stmt), filename)


def list_csv(stmt, columns, name: str) -> Response:
    """Every row `stmt` finds (the list as searched, not one page) as a CSV download named
    `<name>-<today>.csv`; `columns`: ((header, the cell of a row), …)."""
    header = [title for title, _ in columns]
    rows = ([cell(item) for _, cell in columns] for item in db.session.execute(stmt).unique().scalars())
    return csv_response(header, rows, f"{name}-{business_today().isoformat()}.csv")
