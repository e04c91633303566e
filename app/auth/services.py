"""Users and login sessions."""

from sqlalchemy import func, select

from app.auth.models import LoginSession, User
from app.auth.passwords import password_problem, temporary_password
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow


class UserError(Refusal):
    """A user operation refused; the message is for the person who asked."""


class PasswordRefused(UserError):
    """A password refused (the rules of app/auth/passwords.py, or a wrong current one);
    `field` says which field the message belongs next to."""

    def __init__(self, message: str, field: str = "password"):
        super().__init__(message)
        self.field = field


def check_new_password(password: str, username: str, full_name: str = "") -> None:
    """Refuse a password the rules do not allow (every place a person chooses one calls this)."""
    problem = password_problem(password, username, full_name=full_name)
    if problem:
        raise PasswordRefused(problem)


def create_user(username: str, password: str, roles: list[str], *, full_name="", email=None, actor=None,
                enforce_rules=False) -> User:
    """Create a user with a hashed password and the given roles (in order).

    `enforce_rules`: the password must pass the rules — always when a person chose it (the
    CLI, the admin page); demo data and test fixtures create users with known passwords."""
    username = username.strip().lower()
    if not username:
        raise UserError("A username is required.")
    if db.session.execute(select(User.id).where(func.lower(User.username) == username)).first():
        raise UserError(f"The username “{username}” is taken.")
    if enforce_rules:
        check_new_password(password, username, full_name)
    elif len(password) < 4:
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


def _end_sessions(user: User, keep: str | None = None) -> None:
    """End every open login session of `user` (except the one whose token is `keep`)."""
    stmt = (LoginSession.__table__.update()
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)))
    if keep:
        stmt = stmt.where(LoginSession.token != keep)
    db.session.execute(stmt.values(ended_at=utcnow()))


def set_roles(user: User, roles: list[str], actor) -> None:
    """Give `user` these roles (in order); an admin cannot take away their own admin role."""
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise UserError("Give the user at least one role.")
    if user.id == actor.id and "admin" in user.roles and "admin" not in roles:
        raise UserError("You cannot remove your own admin role; another admin can.")
    before = user.roles
    if roles == before:
        return
    try:
        user.roles = roles
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    db.session.flush()
    record_event("user.roles", f"User {user.username}: roles {', '.join(before)} → {', '.join(roles)}",
                 actor=actor, before={"roles": before}, after={"roles": roles})


def reset_password(user: User, actor, password: str | None = None) -> str:
    """Give `user` a temporary password (the one typed, or a generated one, which is returned
    to be shown once); they must choose their own at next login and every session ends."""
    if user.id == actor.id:
        raise UserError("Change your own password on the account page.")
    password = password or temporary_password()
    check_new_password(password, user.username, user.full_name)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    _end_sessions(user)
    record_event("user.password_reset",
                 f"Password of {user.username} reset; they choose a new one at next login", actor=actor)
    return password


def change_password(user: User, current: str, new: str) -> None:
    """A person changes their own password: the current one, then a new one the rules allow.
    Their other sessions end; the one in use stays."""
    if not user.check_password(current):
        raise PasswordRefused("The current password is wrong.", field="current")
    if new == current:
        raise PasswordRefused("Choose a password different from the current one.")
    check_new_password(new, user.username, user.full_name)
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    _end_sessions(user, keep=user.session_token)
    record_event("user.password_changed", f"{user.username} changed their password", actor=user)


def set_active(user: User, active: bool, actor) -> None:
    """Enable or disable a user; disabling ends every open session at once."""
    if user.id == actor.id and not active:
        raise UserError("You cannot disable your own account.")
    user.active = active
    if not active:
        _end_sessions(user)
    record_event("user.enable" if active else "user.disable",
                 f"User {user.username} {'enabled' if active else 'disabled'}", actor=actor)
