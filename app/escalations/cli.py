"""`flask --app wsgi sla run`: raise escalations for SLA breaches (idempotent)."""

import click
from flask.cli import AppGroup

from app.escalations.sla import run_sla
from app.extensions import db

sla_cli = AppGroup("sla", help="Service-level checks that raise escalations.")


@sla_cli.command("run")
def sla_run_command():
    """Check every SLA rule once; each breach raises one escalation, however often this runs."""
    summary = run_sla()
    db.session.commit()
    click.echo(f"SLA: {summary}")
