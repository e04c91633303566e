"""`flask --app wsgi backup FILE` copies a SQLite database consistently while writers carry on."""

import sqlite3
import threading

import pytest
from flask_migrate import upgrade

from app import create_app
from app.backup import BackupRefused, backup_sqlite
from app.config import TestConfig
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed


@pytest.fixture
def live_file_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="heads")
        db.session.remove()
        db.engine.dispose()
    return app, tmp_path / "live.sqlite"


def _writer(path, stop, written):
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    n = 0
    while not stop.is_set():
        n += 1
        with conn:  # one transaction: a customer and its address, together or not at all
            cur = conn.execute("INSERT INTO customers (code, name, contact_name, price_terms, notes, created_at, "
                               "payment_terms, credit_hold, credit_hold_reason, vat_number, tax_treatment, "
                               "preferred_channel, active) VALUES (?, ?, '', 'standard', '', "
                               "'2026-12-01 09:00:00', '', 0, '', '', 'standard', 'email', 1)",
                               (f"W{n:06d}", f"Writer {n}"))
            conn.execute("INSERT INTO addresses (customer_id, label, text, is_default) VALUES (?, 'Main', ?, 1)",
                         (cur.lastrowid, f"{n} Test Street"))
        written.append(n)
    conn.close()


def test_backup_while_writing_is_consistent_and_complete(live_file_app, tmp_path):
    app, path = live_file_app
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(path, stop, written))
    writer.start()
    try:
        while len(written) < 50:
            threading.Event().wait(0.01)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite")])
        seen_after = len(written)
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    customers = copy.execute("SELECT count(*) FROM customers").fetchone()[0]
    addresses = copy.execute("SELECT count(*) FROM addresses").fetchone()[0]
    assert 50 <= customers <= seen_after + 1
    assert addresses == customers  # every transaction wholly in the copy or wholly out
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(tmp_path.glob(".copy.sqlite.partial-*"))


def test_backup_refuses_to_overwrite_or_to_copy_onto_itself(live_file_app, tmp_path):
    app, path = live_file_app
    target = tmp_path / "copy.sqlite"
    target.write_bytes(b"keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists" in result.output
    assert target.read_bytes() == b"keep me"
    with pytest.raises(BackupRefused, match="overwrite the database itself"):
        backup_sqlite(f"sqlite:///{path}", path, overwrite=True)
    assert app.test_cli_runner().invoke(args=["backup", str(target), "--overwrite"]).exit_code == 0
    assert sqlite3.connect(target).execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    with pytest.raises(BackupRefused, match="pg_dump"):
        backup_sqlite("postgresql+psycopg://u:p@localhost/db", tmp_path / "x.sqlite")


def test_a_restored_backup_holds_every_order(app, make_order, make_product, tmp_path):
    """Back up the test database, open the copy as the app's database, find every order."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL is backed up with pg_dump (README)")
    product = make_product(on_hand=50)
    with confirmations_suppressed():  # no PDFs: this test looks at orders, not documents
        numbers = sorted(make_order(lines=[(product, 2)], submit=True).number for _ in range(5))
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "restore.sqlite")])
    assert result.exit_code == 0, result.output
    restored = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'restore.sqlite'}")
    with restored.app_context():
        found = db.session.execute(db.text("SELECT number FROM orders WHERE number IS NOT NULL ORDER BY number"))
        assert [n for (n,) in found] == numbers
        assert restored.test_cli_runner().invoke(args=["stock", "check"]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
