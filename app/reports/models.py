"""Reviews of closed periods, kept once computed (app/reports/review.py `stored_review`)."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class StoredReview(db.Model):
    """The figures of the review of one closed period (and the period before it). Events are
    only ever appended, with the time they happened, so once a period has ended its review
    can no longer change: it is computed once (reading every event of two periods) and read
    from here afterwards. `layout` names the shape of `body`: a new shape is computed afresh."""

    __tablename__ = "stored_reviews"
    __table_args__ = (UniqueConstraint("period_start", "period_end", "layout", name="uq_stored_reviews_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    layout: Mapped[int] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    took_ms: Mapped[int] = mapped_column()
    body: Mapped[dict] = mapped_column(JSON)
