"""`flask --app wsgi api-token create|list|revoke`: the API tokens of the online channel.
Each command is one transaction, committed here."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.api.models import SCOPES, ApiToken
from app.api.tokens import create_token, revoke_token
from app.errors import Refusal
from app.extensions import db
from app.formatting import when

api_token_cli = AppGroup("api-token", help="API tokens for the online channel (e.g. the web shop).")


@api_token_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help=f"What the token may do: {', '.join(SCOPES)}; repeat for several (default: all).")
def create_command(name, scopes):
    """Create a token named NAME (who uses it) and print it, once."""
    try:
        row, token = create_token(name, None, list(scopes) or None)
    except Refusal as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created API token {row.name} ({', '.join(row.scope_list)}):")
    click.echo(token)
    click.echo("Store it now: it will not be shown again (only its SHA-256 is kept).")


@api_token_cli.command("list")
def list_command():
    """Every token: name, prefix, scopes, created, last used, revoked."""
    rows = db.session.execute(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)).scalars().all()
    if not rows:
        click.echo("No API tokens. Create one with: flask --app wsgi api-token create \"Web shop\"")
        return
    for row in rows:
        revoked = f"revoked {when(row.revoked_at)}" if row.revoked_at else "active"
        last = when(row.last_used_at) if row.last_used_at else "never"
        click.echo(f"{row.name}\t{row.prefix}…\t{' '.join(row.scope_list)}\tcreated {when(row.created_at)}"
                   f"\tlast used {last}\t{revoked}")


@api_token_cli.command("revoke")
@click.argument("name")
def revoke_command(name):
    """Revoke the token named NAME: requests with it are refused from now on."""
    row = db.session.execute(select(ApiToken).where(ApiToken.name == name)).scalar_one_or_none()
    if row is None:
        raise click.ClickException(f"No API token is named {name}; `flask --app wsgi api-token list` shows them.")
    if row.revoked_at is not None:
        click.echo(f"API token {row.name} was already revoked ({when(row.revoked_at)}); nothing changed.")
        return
    revoke_token(row)
    db.session.commit()
    click.echo(f"Revoked API token {row.name}: requests with it are refused from now on.")
