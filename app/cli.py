"""Command-line tools: `flask --app wsgi <command>`."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.extensions import db

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              help="sales, inventory, fulfillment, manager or admin; repeat for several.")
@click.option("--full-name", default="", help="The person's name as shown in the app.")
@click.option("--email", default=None)
@click.password_option(prompt="Password", help="Asked for when not given.")
def create_user_command(username, roles, full_name, email, password):
    """Create a user with one or more roles."""
    from app.auth.services import UserError, create_user

    try:
        user = create_user(username, password, list(roles), full_name=full_name, email=email,
                           enforce_rules=True)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.username} with roles {', '.join(user.roles)}.")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Add demo data even though the database holds data.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if the database holds data.")
@click.option("--orders", "order_count", type=click.IntRange(1, 2_000_000),
              help="A year of history of this many orders, written in bulk (e.g. 100000).")
@click.option("--customers", type=click.IntRange(1, 1_000_000), help="With --orders: customers (default 5000).")
@click.option("--products", type=click.IntRange(1, 1_000_000), help="With --orders: products (default 20000).")
@with_appcontext  # the `flask` command pushes one itself; other runners (tests, scripts) need this
def seed_demo_command(force, if_empty, order_count, customers, products):
    """Load demo products, customers, orders in every state and one user per role."""
    from app.demo import DemoDataRefused, has_real_data, seed, seed_year

    if if_empty and has_real_data():
        click.echo("The database already holds data; demo data not loaded.")
        return
    if order_count is None and (customers or products):
        raise click.UsageError("--customers and --products size a year of history: give --orders too.")
    total = order_count or 600
    try:
        with click.progressbar(length=total, label="Orders", file=sys.stderr) as bar:
            if order_count is None:
                counts = seed(force=force, progress=bar.update)
            else:
                counts = seed_year(orders=order_count, customers=customers or 5000, products=products or 20000,
                                   force=force, progress=bar.update)
    except DemoDataRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if order_count is not None and db.engine.dialect.name == "postgresql":
        # what autovacuum would have done over the year: statistics for the planner and the
        # visibility map for index-only scans (dashboards' counts), before anyone measures
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    from app.reports.review import review_task  # what housekeeping does within the hour

    if review_task():
        db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items())
               + ". Log in as sales, inventory, fulfillment, manager or admin with password 'demo'.")


stock_cli = AppGroup("stock", help="Stock ledger tools.")


@stock_cli.command("check")
def stock_check_command():
    """Reconcile stock: on hand = sum of the ledger, reserved = units held by open orders.
    The result is stored as the last stock check the dashboards show."""
    from time import perf_counter

    from app.catalog.stock import record_stock_check, stock_mismatches

    started = perf_counter()
    mismatches = stock_mismatches()
    record_stock_check(mismatches, started)
    db.session.commit()
    if not mismatches:
        click.echo("Stock reconciles: on hand matches the ledger and reserved matches open orders.")
        return
    click.echo(f"{len(mismatches)} product(s) do not reconcile:", err=True)
    for m in mismatches:
        click.echo(f"  {m['sku']}: on hand {m['on_hand']} vs ledger {m['ledger']}; "
                   f"reserved {m['reserved']} vs held by open orders {m['held_by_orders']}", err=True)
    raise SystemExit(1)
@click.command("intake-email")
@click.argument("message", type=click.File("rb"))
def intake_email_command(message):
    """Turn an order email (.eml file, or - for standard input) into a draft order."""
    from app.orders.intake import intake_email
    from app.orders.services import OrderError

    try:
        inbound = intake_email(message.read(), actor=None)
    except OrderError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if inbound.order_id:
        click.echo(f"Draft DRAFT-{inbound.order_id} made from “{inbound.subject}” ({inbound.from_address}).")
    for problem in inbound.problems.splitlines():
        click.echo(f"  note: {problem}")


retention_cli = AppGroup("retention", help="Keeping records for the retention period, and no longer.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def retention_purge_command(dry_run):
    """Remove customers' personal data from orders closed longer ago than RETENTION_MONTHS."""
    from app.retention import purge

    report = purge(dry_run=dry_run, after_batch=db.session.commit)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(report.summary())
    for kind, count in report.counts.items():
        click.echo(f"  {kind}: {count}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file, overwrite):
    """Write a consistent copy of the SQLite database to FILE while the app runs."""
    from app.backup import BackupRefused, backup_sqlite

    try:
        result = backup_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"], file, overwrite=overwrite)
    except BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up to {result.path}: {result.size:,} bytes, {result.orders:,} orders, "
               f"{result.events:,} events; integrity check ok.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(stock_cli)
    app.cli.add_command(intake_email_command)
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_command)
    from app.mail.cli import outbox_cli

    app.cli.add_command(outbox_cli)
    from app.orders.mailbox_cli import intake_cli

    app.cli.add_command(intake_cli)
    from app.escalations.cli import sla_cli

    app.cli.add_command(sla_cli)
    from app.events.cli import audit_cli

    app.cli.add_command(audit_cli)
    from app.dataio.cli import export_command, import_command

    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    from app.api.cli import api_token_cli

    app.cli.add_command(api_token_cli)
