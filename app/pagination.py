"""The one way a list is cut into pages.

A list counts its rows only up to a cap (LIST_COUNT_CAP, or further when the page asked is
deeper): a search that finds most of a year's orders says "10,000+" instead of scanning them
all to say 98,304. Previous and next work the same, capped or not.
"""

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.extensions import db


class CappedPagination(SelectPagination):
    """A page of rows and their count up to `cap`: `total` is the count, one more than `cap`
    when there are more (so there is a next page), and `capped` says so."""

    def _query_count(self) -> int:
        cap = max(self._query_args["cap"], self.page * self.per_page)
        counted = self._query_args["count_of"]
        counted = self._query_args["select"] if counted is None else counted
        rows = counted.options(lazyload("*")).order_by(None).limit(cap + 1).subquery()
        total = self._query_args["session"].execute(select(func.count()).select_from(rows)).scalar()
        self.cap, self.capped = cap, total > cap
        return total

    @property
    def total_label(self) -> str:
        """The count as a person reads it: "1,234", or "10,000+" past the cap."""
        return f"{self.cap:,}+" if self.capped else f"{self.total:,}"


def paginate(stmt, page: int = 1, per_page: int | None = None, count_of=None):
    """Page `page` of `stmt`'s rows; a page past the end gives the last page. `count_of`: the
    statement to count when `stmt` holds only the rows up to this page (the order search)."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    pagination = _page(stmt, max(page, 1), per_page, count_of)
    if pagination.pages and page > pagination.pages:
        pagination = _page(stmt, pagination.pages, per_page, count_of)
    return pagination


def _page(stmt, page: int, per_page: int, count_of=None) -> CappedPagination:
    return CappedPagination(select=stmt, session=db.session(), page=page, per_page=per_page, max_per_page=None,
                            error_out=False, cap=current_app.config["LIST_COUNT_CAP"], count_of=count_of)
