"""The idle poll, answered before Flask.

Most polls find nothing new. This WSGI middleware answers exactly that case — a GET of
the feed whose signed session cookie names a live-page viewer and whose cursor is the
feed's head — with 204 after one indexed query, skipping Flask's request machinery
(which is most of an idle poll's cost; see bench/bench_live.py). Everything else (news,
a bad cursor, no session, a remember-me cookie, any error) goes on to the Flask view in
app/live/routes.py, which gives the same answers with the full framework.
"""

from urllib.parse import parse_qs

from werkzeug.http import parse_cookie

from app.live import feed

FEED_PATH = "/live/feed"
# feed.head_and_viewer as one plain SQL statement on a pooled DBAPI connection: no ORM, no
# SQLAlchemy execution, no BEGIN (SQLite runs it in autocommit; PostgreSQL rolls back on
# return). On PostgreSQL the feed's horizon is read first, in a statement of its own.
NO_NEWS_SQL = (
    "SELECT ({head}),"
    " (SELECT s.user_id FROM login_sessions s JOIN users u ON u.id = s.user_id"
    " JOIN user_roles r ON r.user_id = u.id WHERE s.token = {param} AND s.ended_at IS NULL"
    " AND u.active AND r.role IN (" + ", ".join(f"'{role}'" for role in feed.LIVE_ROLES) + ") LIMIT 1)"
)
PARAM = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":1"}
NO_NEWS = [("Cache-Control", "no-store"), ("Vary", "Cookie"), ("X-Content-Type-Options", "nosniff")]


class IdlePollShortcut:
    def __init__(self, wsgi_app, flask_app, engine):
        self.wsgi_app = wsgi_app
        self.engine = engine
        param = PARAM[engine.dialect.paramstyle]
        self.postgres = engine.dialect.name == "postgresql"
        self.sql = NO_NEWS_SQL.format(head=feed.head_sql(engine, param), param=param)
        self.cookie = flask_app.config["SESSION_COOKIE_NAME"]
        self.serializer = flask_app.session_interface.get_signing_serializer(flask_app)
        self.max_age = int(flask_app.permanent_session_lifetime.total_seconds())

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == FEED_PATH and environ.get("REQUEST_METHOD") == "GET" and self._no_news(environ):
            start_response("204 NO CONTENT", list(NO_NEWS))
            return []
        return self.wsgi_app(environ, start_response)

    def _no_news(self, environ) -> bool:
        try:
            since = int(parse_qs(environ.get("QUERY_STRING", ""))["since"][0])
            token = self.serializer.loads(parse_cookie(environ)[self.cookie], max_age=self.max_age)["_user_id"]
            newest, viewer = self._head_and_viewer(token)
        except Exception:  # anything unusual: let the Flask view answer it
            return False
        return viewer is not None and newest == since

    def _head_and_viewer(self, token: str):
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            params = (token,)
            if self.postgres:  # fresh connection state: pg_stat_activity not yet read in it
                cursor.execute(feed.HORIZON_SQL)
                params = (cursor.fetchone()[0], token)
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
            cursor.close()
            return row
        finally:
            connection.close()


def install(app) -> None:
    """Put the shortcut in front of the app (needs the app context for the engine)."""
    from app.extensions import db

    if app.session_interface.get_signing_serializer(app) is not None and db.engine.dialect.paramstyle in PARAM:
        app.wsgi_app = IdlePollShortcut(app.wsgi_app, app, db.engine)
