"""`flask --app wsgi backup FILE`: a consistent copy of the SQLite database while it runs.

SQLite's `VACUUM INTO` writes the database as one read transaction sees it; in WAL mode
writers carry on meanwhile and the copy is consistent (every commit wholly in or out). The
copy is written beside the target and renamed into place only after `PRAGMA integrity_check`
passes, so a failed or interrupted backup never leaves a half-written FILE. PostgreSQL is
backed up with its own tools (`pg_dump`), which the README describes.
"""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    orders: int
    events: int


def backup_sqlite(database_url: str, target: Path, *, overwrite: bool = False,
                  busy_timeout_seconds: float = 30.0) -> BackupResult:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(f"The database is {url.get_backend_name()}, not SQLite: back it up with "
                            "pg_dump (see README, 'Deploying on PostgreSQL').")
    source = url.database
    if not source or source == ":memory:" or not Path(source).exists():
        raise BackupRefused(f"No SQLite database file at {source!r}.")
    target = Path(target)
    if Path(source).resolve() == target.resolve():
        raise BackupRefused("The backup cannot overwrite the database itself.")
    if target.exists() and not overwrite:
        raise BackupRefused(f"{target} exists; choose another name or pass --overwrite.")
    if not target.parent.is_dir():
        raise BackupRefused(f"The folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=busy_timeout_seconds)
        try:
            src.execute("VACUUM INTO ?", (str(partial),))
        finally:
            src.close()
        copy = sqlite3.connect(partial)
        try:
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupRefused(f"The copy failed its integrity check: {check}")
            orders = copy.execute("SELECT count(*) FROM orders").fetchone()[0]
            events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            copy.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, orders, events)
