"""`flask --app wsgi audit seal|verify`: the event log's hash chain."""

import click
from flask.cli import AppGroup

from app.database import reading_only
from app.events.chain import seal_events, verify_chain
from app.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident event log.")


@audit_cli.command("seal")
@click.option("--settle", type=float, default=None,
              help="Seal only events at least this many seconds old (default AUDIT_SEAL_SETTLE_SECONDS).")
def seal_command(settle):
    """Seal every event that can be sealed now, in batches (each batch committed)."""
    total = 0
    while sealed := seal_events(settle_seconds=settle):
        db.session.commit()
        total += sealed
    db.session.commit()
    click.echo(f"Sealed {total} event(s).")


@audit_cli.command("verify")
def verify_command():
    """Recompute the sealed chain: exit 0 if intact, else exit 1 naming the first broken event."""
    with reading_only():
        verdict = verify_chain()
    db.session.rollback()
    if not verdict.intact:
        click.echo(f"Chain broken: {verdict.problem}.", err=True)
        click.echo(f"Intact up to event #{verdict.head_id} ({verdict.sealed} events).", err=True)
        raise SystemExit(1)
    if verdict.head_id:
        head = f"up to event #{verdict.head_id} at {verdict.head_at:%Y-%m-%d %H:%M:%S} UTC, chain hash {verdict.head_hash}"
    else:
        head = "nothing sealed yet"
    click.echo(f"{verdict.sealed} events sealed, chain intact ({head}); "
               f"{verdict.waiting} newer events not yet sealed.")
