"""`flask --app wsgi intake poll [--once]`: the order mailbox poller (app/orders/mailbox.py)."""

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.orders.mailbox import MailboxError, MailboxSettings, poll_forever, poll_once

intake_cli = AppGroup("intake", help="Orders that arrive by email.")


@intake_cli.command("poll")
@click.option("--once", is_flag=True, help="Take what is new once, then exit (non-zero if the mailbox fails).")
@click.option("--interval", type=float, default=None,
              help="Seconds between looks at the mailbox (default IMAP_POLL_SECONDS).")
def poll_command(once, interval):
    """Read new messages from the IMAP order mailbox (IMAP_HOST, IMAP_PORT, IMAP_USER,
    IMAP_PASSWORD, IMAP_FOLDER, IMAP_SSL): each becomes a draft, or a change request or a
    communication on the order it quotes, exactly once even with several pollers."""
    settings = MailboxSettings.from_config(current_app.config)
    if not settings.host:
        raise click.ClickException("IMAP_HOST is not set: there is no order mailbox to read.")
    stopping = []

    def stop(_signum, _frame):
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if once:
            try:
                result = poll_once(settings, db.session.commit, lambda: bool(stopping))
            except MailboxError as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"mailbox {settings.where}: {result}")
            return
        every = interval if interval is not None else current_app.config["IMAP_POLL_SECONDS"]
        click.echo(f"mailbox poller started ({settings.where}, every {every:g} s); Ctrl+C to stop.")
        poll_forever(settings, every, db.session.commit, lambda: bool(stopping), click.echo)
        click.echo("mailbox poller stopped.")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
