"""Text search answered by the database's own index: "which rows have this text in these
columns, in any case", the same rows on SQLite and PostgreSQL.

- SQLite: an FTS5 table per searched table with the `trigram` tokenizer (substring match,
  case folded), kept in step by triggers (migration 1402search). A word is sent as one
  quoted FTS phrase, so `"`, `*`, `-`, `:`, `NEAR`, `AND` are matched as the text they are.
- PostgreSQL: `ILIKE '%word%'` (with `%`, `_` and `\\` escaped) on columns that carry a
  pg_trgm GIN index (same migration).

A query is split into words; a row matches when every word is found in one of the columns.
A trigram index cannot look up a word shorter than three characters: such a word narrows
the rows the longer words found to those where a word starts with it, and a query of only short words matches the start of
the key columns instead (an order number, a SKU, a customer code), which their ordinary
unique indexes answer.
"""

from sqlalchemy import and_, column, false, func, literal_column, or_, select, table, union_all
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db

MIN_WORD = 3  # a trigram needs three characters
MAX_WORDS = 5
BROAD = 200  # an index that finds more rows than this is not the way into the list (unindexed)

# table -> the columns its text index holds (the migration 1402search builds exactly these)
TEXT_INDEXES = {
    "orders": ("number", "customer_reference"),
    "customers": ("code", "name", "contact_name", "email", "phone"),
    "products": ("sku", "name", "gtin"),
}


def words_of(q: str) -> list[str]:
    """The words of a query (at most MAX_WORDS: a longer query narrows nothing more). Short
    words only ("PO 77") stay together as one piece of text when that is long enough."""
    words = (q or "").split()[:MAX_WORDS]
    joined = " ".join(words)
    return [joined] if not indexed(words) and len(joined) >= MIN_WORD else words


def indexed(words: list[str]) -> bool:
    """Can a text index answer these words (is one of them long enough)?"""
    return any(len(w) >= MIN_WORD for w in words)


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _substring(columns: list[InstrumentedAttribute], word: str):
    """SQL: `word` is part of one of `columns`, in any case. SQLite's LIKE already ignores
    (ASCII) case and is cheaper than ILIKE's lower(...)."""
    pattern = f"%{escape_like(word)}%"
    return or_(*(_substring_in(c, pattern) for c in columns))


def _word_start(columns: list[InstrumentedAttribute], word: str):
    """SQL: a word of one of `columns` starts with `word` (how a short word narrows: "harrow pl"
    finds Harrow Plumbing, not every customer whose email says example.com)."""
    escaped = escape_like(word)
    return or_(*(_substring_in(c, pattern) for c in columns for pattern in (f"{escaped}%", f"% {escaped}%")))


def _substring_in(column, pattern: str):
    return column.like(pattern, escape="\\") if _sqlite() else column.ilike(pattern, escape="\\")


def _narrowing(columns: list[InstrumentedAttribute], word: str):
    """SQL for one word of a query: part of a column if it is long enough for the index, else
    the start of a word of one."""
    return _substring(columns, word) if len(word) >= MIN_WORD else _word_start(columns, word)


def _fts_phrase(columns: list[InstrumentedAttribute], word: str) -> str:
    """An FTS5 query for `word` as literal text, in `columns` only."""
    names = " ".join(c.key for c in columns)
    phrase = word.replace('"', '""')
    return f'{{{names}}} : "{phrase}"'


def rows_with_text(model, columns: list[InstrumentedAttribute], words: list[str], key=None):
    """SQL condition: every word is part of one of `columns` of `model` (all from its text index),
    on `key`, the column that holds `model`'s id (default: `model.id` itself)."""
    key = model.id if key is None else key
    long, short = [w for w in words if len(w) >= MIN_WORD], [w for w in words if len(w) < MIN_WORD]
    if not long or not _sqlite():
        found = and_(*(_narrowing(columns, w) for w in words))
        return found if key is model.id else key.in_(select(model.id).where(found))
    fts = table(f"{model.__tablename__}_fts", column("rowid"))
    match = " AND ".join(_fts_phrase(columns, w) for w in long)
    found = select(fts.c.rowid).where(literal_column(fts.name).op("MATCH")(match))
    ids = select(model.id).where(model.id.in_(found), *(_word_start(columns, w) for w in short))
    return unindexed(key, finds_many(found)).in_(ids)


def either(model, *conditions):
    """SQL: `model`'s rows that meet any of `conditions`. PostgreSQL combines indexes for an OR
    only when no part of it is a subquery, so there each condition finds its ids apart."""
    if _sqlite():
        return or_(*conditions)
    return model.id.in_(union_all(*(select(model.id).where(c) for c in conditions)))


def finds_many(found) -> bool:
    """Does the index find more than BROAD rows? (A quick look: it stops counting there.)"""
    return db.session.execute(select(func.count()).select_from(found.limit(BROAD + 1).subquery())).scalar() > BROAD


def unindexed(key, broad: bool = True):
    """`key` as an expression SQLite answers without its index when `broad`. Where a search
    finds thousands of rows, reading the list in its own order (newest first) and keeping
    those found is quicker than fetching every row found and sorting them; SQLite has no
    statistics to choose between the two, so the query tells it."""
    return key + 0 if broad else key


def starts_with(columns: list[InstrumentedAttribute], text: str):
    """SQL: one of the key `columns` (stored in capitals: numbers, SKUs, codes) starts with
    `text`, as a range their ordinary indexes answer on both databases."""
    upper = text.upper()
    return or_(*(and_(c >= upper, c < upper + "\uffff") for c in columns)) if upper else false()


def not_a_text_index(_object, name, type_, _reflected, _compare_to) -> bool:
    """For Alembic's comparison of models and database: the text indexes (FTS tables and their
    shadow tables, trigram indexes) are made by migration 1402search and are not in the models."""
    if type_ == "table":
        return not any(name.startswith(f"{table}_fts") for table in TEXT_INDEXES)
    return not (type_ == "index" and name in {f"ix_{table}_trgm" for table in TEXT_INDEXES})
