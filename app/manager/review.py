"""The manager's periodic review: the page, its CSV and its PDF for one period."""

import csv
import io

from flask import Blueprint, current_app
from flask_login import current_user
from markupsafe import Markup

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.documents.pdf import render_pdf
from app.formatting import entry_date, when
from app.reports import charts
from app.reports.review import PeriodInvalid, csv_rows, number, parse_period, signed, stored_review
from app.settings.store import setting
from app.timeutil import utcnow
from app.web.inputs import search_arg
from app.web.rendering import pdf_response, render

bp = Blueprint("review", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["manager"])

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _typed() -> dict[str, str]:
    return {"from": search_arg("from", 20), "to": search_arg("to", 20)}


def _period():
    typed = _typed()
    return parse_period(typed["from"], typed["to"]), typed


def _query(review) -> dict[str, str]:
    return {"from": review.period.start.isoformat(), "to": review.period.end.isoformat()}


@bp.route("/review")
def page():
    try:
        period, typed = _period()
    except PeriodInvalid as invalid:
        return render("review/page.html", review=None, typed=_typed(), errors=invalid.errors, status=422)
    review = stored_review(period)
    svgs = {name: Markup(svg) for name, svg in charts.all_charts(review).items()}  # drawn by pygal from numbers
    typed = {"from": entry_date(review.period.start), "to": entry_date(review.period.end)}
    return render("review/page.html", review=review, typed=typed, errors={}, charts=svgs,
                  query=_query(review), number=number, signed=signed)


@bp.route("/review/charts.css")
def chart_styles():
    response = current_app.response_class(charts.chart_stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def formula_safe(cell: str) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote.
    A signed number (the change column) stays a number."""
    if cell.startswith(FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@bp.route("/review.csv")
def csv_export():
    period, _typed = _period()
    review = stored_review(period)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(review):
        writer.writerow([formula_safe(cell) for cell in row])
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="review-{period.start}-{period.end}.csv"'
    return response


@bp.route("/review.pdf")
def pdf():
    period, _typed = _period()
    review = stored_review(period)
    svgs = {name: Markup(svg) for name, svg in charts.all_charts(review, for_print=True).items()}
    content = render_pdf("documents/review.html", review=review, charts=svgs, number=number, signed=signed,
                         business_name=setting("BUSINESS_NAME"), printed_at=when(utcnow()),
                         printed_by=current_user.display_name)
    return pdf_response(content, f"review-{period.start}-{period.end}.pdf")
