"""The search page (`/search`), its CSV export, and each person's saved searches."""

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.access import restrict_blueprint
from app.errors import Refusal
from app.orders import saved_filters
from app.orders.permissions import roles_for
from app.orders.search import search_page, search_statement
from app.orders.teams import TEAM_LABELS
from app.search.forms import SaveFilterForm, SearchForm
from app.timeutil import business_today
from app.web.csv_stream import orders_csv
from app.web.inputs import page_arg
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("search", __name__)
restrict_blueprint(bp, *roles_for("view_order"))  # every team that sees orders


def query_of(search) -> str:
    """A search as the query string its address carries (and a saved search keeps)."""
    return urlencode(search.as_args(), doseq=True)


def _asked(formdata) -> tuple[SearchForm, object]:
    """The search form for `formdata` and its search (None while a filter is not valid)."""
    form = SearchForm(formdata=formdata)
    return form, form.search() if form.validate() else None


def _page(form, search, save=None, status=200):
    """The search page: filters, results (or why there are none), the person's saved searches."""
    query = query_of(search) if search else ""
    save = save or SaveFilterForm(formdata=None, query=query)
    pagination = search_page(search, page_arg()) if search else None
    return render("search/index.html", oob=("search_errors",), push_url=_search_url(query, page_arg()) if search else None,
                  form=form, search=search, query=query,
                  pagination=pagination, save=save, saved=saved_filters.filters_of(current_user), TEAM_LABELS=TEAM_LABELS,
                  status=status if search else 422)


@bp.get("/search")
def index():
    """Orders found by number, customer, PO, SKU, dates, status, channel, team and lateness."""
    return _page(*_asked(request.args))


@bp.get("/search.csv")
def export():
    """The same search as CSV: every order it finds, streamed."""
    form, search = _asked(request.args)
    if search is None:
        return _page(form, search)
    return orders_csv(search_statement(search), f"orders-{business_today().isoformat()}.csv")


@bp.post("/search/saved")
def save_filter():
    """Save the search on the page under a name (unique among the person's own)."""
    save = SaveFilterForm()
    form, search = _asked(MultiDict(parse_qsl(save.query.data or "", keep_blank_values=True)))
    if not save.validate() or search is None:
        return _page(form, search, save=save, status=422)
    on_refusal(lambda exc: _refused_name(form, search, save, exc))
    saved = saved_filters.save_filter(current_user, save.name.data, query_of(search))
    flash(f"Saved this search as “{saved.name}”: it is under Saved searches on the search page.", "success")
    return redirect(_search_url(saved.query))


def _refused_name(form, search, save, exc: Refusal):
    save.name.errors = [*save.name.errors, str(exc)]
    return _page(form, search, save=save, status=exc.status)


@bp.post("/search/saved/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    """Delete one of the person's saved searches (someone else's is not found)."""
    saved = saved_filters.own_filter(current_user, filter_id) or abort(404)
    saved_filters.delete_filter(saved)
    flash(f"Deleted the saved search “{saved.name}”.", "success")
    return redirect(url_for("search.index"))


def _search_url(query: str, page: int = 1) -> str:
    """The search page's address for `query` (only the filters in use, so it reads well)."""
    query = "&".join(filter(None, (query, f"page={page}" if page > 1 else "")))
    return url_for("search.index") + (f"?{query}" if query else "")
