"""`flask --app wsgi outbox work`: the mail relay."""

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from app import housekeeping
from app.mail import relay

outbox_cli = AppGroup("outbox", help="The outbox of emails waiting to be sent.")


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Send everything that is due, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks at the outbox.")
@click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
def work_command(once, interval, batch):
    """Send queued emails by MAIL_TRANSPORT (file or smtp), retrying failures with backoff;
    between looks, run the housekeeping that is due (SLA checks, sealing the event log, ...)."""
    stopping = []

    def stop(_signum, _frame):
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    transport = current_app.config["MAIL_TRANSPORT"]
    try:
        if once:
            click.echo(f"outbox ({transport}): {relay.run_once(batch, lambda: bool(stopping))}")
            return
        click.echo(f"outbox relay started ({transport}); Ctrl+C to stop.")
        relay.work(interval, batch, lambda: bool(stopping), click.echo, housekeeping.run_due)
        click.echo("outbox relay stopped.")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
