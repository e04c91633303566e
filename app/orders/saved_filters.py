"""Searches a person saved under a name, to run again with one click. Each belongs to one
user: nobody else sees, runs or deletes it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.errors import Refusal
from app.extensions import db
from app.timeutil import utcnow

NAME_MAX = 60
QUERY_MAX = 1000
MAX_PER_USER = 50


class SavedFilter(db.Model):
    """A named search: its query string, as the search page's address carries it."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    query: Mapped[str] = mapped_column(String(QUERY_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def filters_of(user) -> list[SavedFilter]:
    """The user's saved searches, by name."""
    return db.session.execute(
        select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(func.lower(SavedFilter.name), SavedFilter.id)
    ).scalars().all()


def name_taken(user, name: str) -> bool:
    return db.session.execute(select(SavedFilter.id).where(
        SavedFilter.user_id == user.id, func.lower(SavedFilter.name) == name.lower())).first() is not None


def save_filter(user, name: str, query: str) -> SavedFilter:
    """Save the search `query` (a query string) as `name` for `user`; names are unique per
    user (ignoring case)."""
    if name_taken(user, name):
        raise Refusal(f"You already have a saved search called “{name}”. Choose another name, or delete that one first.")
    count = db.session.execute(select(func.count(SavedFilter.id)).where(SavedFilter.user_id == user.id)).scalar()
    if count >= MAX_PER_USER:
        raise Refusal(f"You have {MAX_PER_USER} saved searches, the most there can be. Delete one you no longer use.")
    saved = SavedFilter(user_id=user.id, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def own_filter(user, filter_id: int) -> SavedFilter | None:
    """One of `user`'s saved searches; someone else's is None, as if it did not exist."""
    saved = db.session.get(SavedFilter, filter_id)
    return saved if saved is not None and saved.user_id == user.id else None


def delete_filter(saved: SavedFilter) -> None:
    """Delete a saved search (the view has checked it is the person's own)."""
    db.session.delete(saved)
    db.session.flush()
