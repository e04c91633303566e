"""What every kind of file has in common: its columns, how a cell is read, the key that makes
a row unique, and how a checked row compares with what is stored."""

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import insert

from app.catalog.models import PriceChange, record_price_change
from app.dataio.files import BadCell
from app.extensions import db
from app.timeutil import utcnow


@dataclass
class Row:
    """One record of the file: its line, the cells as written, the values read from them, and
    (once compared) what it does: None → new, an empty set → unchanged, else the fields changed."""

    line: int
    cells: dict[str, str]
    values: dict[str, Any]
    changes: set[str] | None = field(default=None)
    bad: bool = False  # something in it is wrong (the plan's problems say what)

    @property
    def status(self) -> str:
        if self.bad:
            return "problem"
        if self.changes is None:
            return "new"
        return "changed" if self.changes else "unchanged"


class Kind:
    """One kind of file. Subclasses give `name`, `columns`, `cells` (column → reader of its
    text) and `key_columns`, and implement `load`, `check`, `compare` and `write`."""

    name: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    key_columns: ClassVar[tuple[str, ...]]
    cells: ClassVar[dict]

    def read(self, line: int, cells: dict[str, str]) -> tuple[Row, list[tuple[str, str]]]:
        """The record's values, and (column, message) for each cell that cannot be read."""
        values, problems = {}, []
        for column in self.columns:
            try:
                values[column] = self.cells[column](cells[column])
            except BadCell as exc:
                problems.append((column, str(exc)))
        return Row(line, cells, values), problems

    def key(self, row: Row) -> tuple:
        """What makes a row one thing (two rows with the same key are an error)."""
        return tuple(row.values[c] for c in self.key_columns)

    def load(self, rows: list[Row]):
        """What is stored that the rows are checked and compared against (a few bulk queries)."""
        raise NotImplementedError

    def check(self, row: Row, stored) -> list[tuple[str, str]]:
        """(column, message) for what is wrong with the row against the stored data."""
        return []

    def compare(self, row: Row, stored) -> set[str] | None:
        """None for a new row, else the names of the fields it changes."""
        raise NotImplementedError

    def write(self, rows: list[Row], stored, *, actor_id: int | None, filename: str) -> None:
        """Write the new and changed rows in bulk (flush, never commit)."""
        raise NotImplementedError


def changed_fields(new: dict, old: dict, columns: dict[str, str] | None = None) -> set[str]:
    """The names (file columns, through `columns`: attribute → column) of the values that differ."""
    return {(columns or {}).get(name, name) for name, value in new.items() if old.get(name) != value}


def record_prices(changes: list[tuple[int, str, object, object]], actor_id: int | None) -> None:
    """Record each (product id, what, old, new) price in the product's price history: a price
    newly set is inserted in bulk (20,000 of them in one statement), a changed one through
    `record_price_change` like every other change."""
    now = utcnow()
    fresh = [{"product_id": product_id, "what": what, "old_price": None, "new_price": new, "source": "import",
              "user_id": actor_id, "created_at": now} for product_id, what, old, new in changes if old is None]
    if fresh:
        db.session.execute(insert(PriceChange), fresh)
    for product_id, what, old, new in changes:
        if old is not None:
            record_price_change(product_id, what, old, new, actor_id, source="import")
