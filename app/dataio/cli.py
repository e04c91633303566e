"""`flask --app wsgi import KIND FILE [--dry-run]` and `flask --app wsgi export KIND FILE`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.dataio.exports import ROWS, write_export
from app.dataio.services import KINDS, ImportRefused, apply_file
from app.extensions import db


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file and count; write nothing.")
@with_appcontext
def import_command(kind, file, dry_run):
    """Import a CSV of products, customers, prices or opening stock, all or nothing."""
    try:
        plan = apply_file(kind, file.read_bytes(), file.name, dry_run=dry_run)
    except ImportRefused as refused:
        db.session.rollback()
        for problem in refused.plan.problems:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing imported: {len(refused.plan.problems):,} problem(s) in {file.name}.", err=True)
        raise SystemExit(1) from None
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing written: {plan.summary()}.")
        return
    db.session.commit()
    click.echo(f"Imported {plan.summary()}.")


@click.command("export")
@click.argument("kind", type=click.Choice(list(ROWS)))
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(kind, file):
    """Write products, customers or prices as the CSV their import reads."""
    with file.open("w", encoding="utf-8", newline="") as stream:
        count = write_export(kind, stream)
    db.session.rollback()
    click.echo(f"Exported {count:,} {kind} to {file}.")
