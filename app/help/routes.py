"""The guide: `/help/` opens the guide for the reader's own team, `/help/<team>` any team's
(every member of staff may read what the other teams do)."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from app.auth.access import restrict_blueprint
from app.auth.models import ROLE_LABELS, ROLES
from app.help import shortcuts
from app.web.rendering import render

bp = Blueprint("help", __name__, url_prefix="/help")
restrict_blueprint(bp, *ROLES)


def guide_team() -> str | None:
    """The team whose guide fits the page being shown: the dashboard's, else the user's first."""
    if request.blueprint in shortcuts.TEAM_SCREENS:
        return request.blueprint
    return next(iter(current_user.roles), None) if current_user.is_authenticated else None


@bp.app_template_global()
def guide_url() -> str | None:
    """The guide for the page being shown (the `?` dialog and the dashboards link to it)."""
    team = guide_team()
    return url_for("help.guide", team=team) if team else None


bp.add_app_template_global(shortcuts.for_screen, "shortcuts_for")


@bp.route("/")
def index():
    team = guide_team()
    if team is None:
        abort(404)
    return redirect(url_for("help.guide", team=team))


@bp.route("/<team>")
def guide(team: str):
    if team not in shortcuts.TEAM_SCREENS:
        abort(404)
    return render(f"help/{team}.html", team=team, team_label=ROLE_LABELS[team], teams=ROLE_LABELS,
                  sections=shortcuts.for_team(team))
