"""text indexes for search: SQLite FTS5 trigram tables kept in step by triggers,
PostgreSQL pg_trgm GIN indexes

Revision ID: 1402search
Revises: 1401pages
Create Date: 2026-12-02 03:00:00

Both answer "which rows have this text somewhere in these columns, in any case"
(app/textsearch.py asks them). On SQLite each FTS table reads its rows from the table it
indexes (external content) and the triggers below keep it in step with every INSERT,
UPDATE of an indexed column and DELETE, whoever writes. A SQLite batch migration that
rebuilds one of these tables drops its triggers: recreate them (create_sqlite_index).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1402search'
down_revision = '1401pages'
branch_labels = None
depends_on = None

# table -> the columns its text search looks in
INDEXED = {
    "orders": ("number", "customer_reference"),
    "customers": ("code", "name", "contact_name", "email", "phone"),
    "products": ("sku", "name", "gtin"),
}


def create_sqlite_index(table: str, columns: tuple) -> None:
    fts = f"{table}_fts"
    cols, new, old = ", ".join(columns), ", ".join(f"new.{c}" for c in columns), ", ".join(f"old.{c}" for c in columns)
    op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
               "tokenize='trigram')")
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END")
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # a trusted extension since PostgreSQL 13: the database's owner may create it
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in INDEXED.items():
            ops = ", ".join(f"{c} gin_trgm_ops" for c in columns)
            op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_trgm ON {table} USING gin ({ops})")
    else:
        for table, columns in INDEXED.items():
            create_sqlite_index(table, columns)


def downgrade():
    for table in INDEXED:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_trgm")
        else:
            for verb in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{verb}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
