"""Telling teams about events, and each person's read state. Functions flush; callers commit."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.auth.models import User, UserRole
from app.errors import Refusal
from app.events.services import event_recorded, record_event
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.routing import ACKNOWLEDGED, is_alert, teams_for
from app.pagination import paginate
from app.timeutil import utcnow


class NotificationError(Refusal):
    """A notification action refused; the message is for the user."""


def recipients(teams, exclude_user_id=None) -> dict[int, str]:
    """Active users holding one of `teams` (user id → the first such team), but not `exclude`."""
    rows = db.session.execute(
        select(UserRole.user_id, UserRole.role).join(User, User.id == UserRole.user_id)
        .where(UserRole.role.in_(teams), User.active.is_(True))
    ).all()
    found: dict[int, str] = {}
    for user_id, role in sorted(rows, key=lambda r: teams.index(r[1])):
        if user_id != exclude_user_id:
            found.setdefault(user_id, role)
    return found


@event_recorded.connect
def notify_teams(event, order=None) -> list[Notification]:
    """Add a notification for everyone in the teams that must act on `event`."""
    teams = teams_for(event.kind, event.before, event.after)
    if not teams:
        return []
    with db.session.no_autoflush:
        people = recipients(teams, exclude_user_id=event.actor_id)
    made = [
        Notification(user_id=user_id, event=event, order_id=event.order_id, team=team,
                     kind=event.kind, summary=event.summary, alert=is_alert(event.kind, team))
        for user_id, team in people.items()
    ]
    db.session.add_all(made)
    return made


def unread_count(user, up_to: int | None = None) -> int:
    """How many of the user's notifications are unread; counting stops after `up_to` (the top
    bar says "99+": its cost stays the same however many a person leaves unread)."""
    unread = select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return db.session.execute(select(func.count()).select_from(unread.limit(up_to).subquery())).scalar_one()


def _mine(user):
    return (select(Notification).where(Notification.user_id == user.id)
            .options(joinedload(Notification.order)).order_by(Notification.id.desc()))


def latest(user, limit: int = 8) -> list[Notification]:
    """The newest notifications of `user`, read or not (the drop-down in the top bar)."""
    return db.session.execute(_mine(user).limit(limit)).scalars().all()


def notification_page(user, *, unread_only=False, page=1):
    """One page of the user's notifications, newest first."""
    stmt = _mine(user)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, page)


def open_alerts(user) -> list[Notification]:
    """Alerts for the user's teams that nobody in the team has acknowledged yet."""
    return db.session.execute(
        _mine(user).where(Notification.alert.is_(True), Notification.acknowledged_at.is_(None))
    ).scalars().all()


def find_notification(user, notification_id: int) -> Notification | None:
    """The user's own notification with this id (None for anybody else's)."""
    return db.session.execute(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    ).scalar_one_or_none()


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user) -> int:
    """Mark every unread notification of `user` read; returns how many there were."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount


def acknowledge(notification: Notification, actor):
    """Acknowledge an alert for the whole team: it leaves every team member's screen."""

    if not notification.alert:
        raise NotificationError("This notification is not an alert; mark it read instead.")
    if notification.acknowledged_at is not None:
        raise NotificationError("This alert was already acknowledged.")
    if not actor.has_role(notification.team):
        raise NotificationError(f"Only {notification.team} can acknowledge this alert.")
    now = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.event_id == notification.event_id, Notification.alert.is_(True),
               Notification.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=actor.id,
                read_at=func.coalesce(Notification.read_at, now))
        .execution_options(synchronize_session=False)
    )
    db.session.expire(notification)
    return record_event(ACKNOWLEDGED, f"Alert acknowledged by {actor.display_name}: {notification.summary}",
                        order=notification.order, actor=actor, after={"event_id": notification.event_id})
