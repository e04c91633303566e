"""Users and login sessions."""

from sqlalchemy import func, select

from app.auth.models import LoginSession, User
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow


class UserError(Refusal):
    """A user operation refused; the message is for the person who asked."""


def create_user(username: str, password: str, roles: list[str], *, full_name="", email=None, actor=None) -> User:
    """Create a user with a hashed password and the given roles (in order)."""
    username = username.strip().lower()
    if not username:
        raise UserError("A username is required.")
    if db.session.execute(select(User.id).where(func.lower(User.username) == username)).first():
        raise UserError(f"The username “{username}” is taken.")
    if len(password) < 4:
        raise UserError("The password must have at least 4 characters.")
    if not roles:
        raise UserError("Give the user at least one role.")
    user = User(username=username, full_name=full_name.strip(), email=email or None)
    try:
        user.roles = roles
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("user.create", f"User {username} created ({', '.join(roles)})", actor=actor)
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user with this username and password, or None (disabled users included)."""
    user = db.session.execute(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.check_password(password):
        return None
    return user


def start_session(user: User) -> str:
    """Open a login session with a new random id and return the id."""
    login = LoginSession(user_id=user.id)
    db.session.add(login)
    db.session.flush()
    user.session_token = login.token
    return login.token


def load_session_user(token: str) -> User | None:
    """The active user of an open login session, or None."""
    login = db.session.execute(
        select(LoginSession).where(LoginSession.token == token, LoginSession.ended_at.is_(None))
    ).scalar_one_or_none()
    if login is None or not login.user.active:
        return None
    login.user.session_token = token
    return login.user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            LoginSession.__table__.update()
            .where(LoginSession.token == token)
            .values(ended_at=utcnow())
        )


def set_active(user: User, active: bool, actor) -> None:
    """Enable or disable a user; disabling ends every open session at once."""
    if user.id == actor.id and not active:
        raise UserError("You cannot disable your own account.")
    user.active = active
    if not active:
        db.session.execute(
            LoginSession.__table__.update()
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
    record_event("user.enable" if active else "user.disable",
                 f"User {user.username} {'enabled' if active else 'disabled'}", actor=actor)
