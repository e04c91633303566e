"""GET /live/feed: the poll every live page makes; 204 when nothing happened since its cursor."""

from flask import Blueprint, current_app, g, jsonify, request, session
from flask_login import current_user

from app.extensions import login_manager
from app.live import feed
from app.web.inputs import int_arg

bp = Blueprint("live", __name__, url_prefix="/live")


@bp.before_app_request
def remember_feed_head():
    """Note the feed's head before a page reads its data: the page is at least that fresh."""
    if request.method == "GET" and request.endpoint not in (None, "static", "live.poll") and "_user_id" in session:
        g.live_head = feed.head()


def live_since() -> int:
    """The cursor a region rendered in this request starts from."""
    return g.get("live_head", 0)


def live_interval() -> float:
    return current_app.config["LIVE_POLL_SECONDS"]


def _viewer():
    """(head, viewer id): one query on the usual path (the login session in the cookie)."""
    token = session.get("_user_id")
    if token:
        return feed.head_and_viewer(token)
    if current_user.is_authenticated and current_user.has_role(*feed.LIVE_ROLES):  # remember-me cookie
        return feed.head(), current_user.id
    return 0, None


@bp.get("/feed")
def poll():
    since = int_arg("since", None, lo=0, hi=2**63 - 1)
    if since is None:
        return jsonify(error="since must be the id of the last event the page has seen"), 400
    newest, viewer = _viewer()
    if viewer is None:
        if current_user.is_authenticated:
            return jsonify(error="no live pages for your role"), 403
        if request.headers.get("HX-Request"):  # the page's poll: it tells the person to log in again
            return jsonify(error="log in again"), 401
        return login_manager.unauthorized()
    if newest == since:
        return "", 204
    topics = feed.parse_topics(request.args.get("topics", "")[:400])
    if newest < since:  # the log is behind the page (a restored database): redraw everything
        return jsonify(head=newest, topics=topics)
    return jsonify(head=newest, topics=feed.changed_topics(since, newest, topics, viewer))
