"""The one way a list is cut into pages."""

from flask import current_app

from app.extensions import db


def paginate(stmt, page: int = 1, per_page: int | None = None):
    """Page `page` of `stmt`'s rows; a page past the end gives the last page."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    pagination = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False, count=True)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=per_page, error_out=False)
    return pagination
