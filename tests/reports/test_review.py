"""The periodic review against a known timeline.

The fixture is a week of orders built through the real services with the clock frozen at
each step (TIMELINES). Every expected figure is computed here straight from TIMELINES with
the test's own arithmetic, never by calling the review's code."""

import csv
import io
import math
import re
import statistics
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import demo
from app.catalog.stock import adjust_stock
from app.events.models import Event
from app.events.services import record_event
from app.extensions import db
from app.manager.review import formula_safe
from app.orders import picking, requests
from app.orders import services as orders
from app.orders.amendments import Amendment, amend_order
from app.orders.confirmation import confirmations_suppressed
from app.reports.review import (
    Period,
    PeriodInvalid,
    build_review,
    closed,
    default_period,
    keep_review,
    parse_period,
    review_task,
    stored_review,
)
from app.timeutil import frozen_clock

PERIOD = Period(date(2026, 3, 2), date(2026, 3, 8))  # before British Summer Time: local = UTC
PREVIOUS = Period(date(2026, 2, 23), date(2026, 3, 1))


def h(day: int, hour: float, month: int = 3) -> datetime:
    return datetime(2026, month, day) + timedelta(hours=hour)


# order: channel, method, promised date (set after submit), steps (name, when); a request is
# (added, decided, approve); "short" packs with one unit not found.
TIMELINES = {
    "A": {"channel": "phone", "method": "delivery", "promised": date(2026, 3, 10),
          "request": (h(2, 9.5), h(2, 10.5), True),
          "steps": [("draft", h(2, 9)), ("submit", h(2, 11)), ("start_pick", h(3, 11)), ("pack", h(3, 15)),
                    ("dispatch", h(4, 15)), ("deliver", h(5, 15))]},
    "B": {"channel": "email", "method": "pickup", "promised": date(2026, 3, 1),
          "request": (h(2, 10 + 5 / 60), h(2, 10 + 25 / 60), False),
          "steps": [("draft", h(2, 10)), ("submit", h(2, 10.5)), ("start_pick", h(2, 12.5)), ("pack", h(2, 13.5)),
                    ("ready_for_pickup", h(2, 14.5)), ("collect", h(6, 14.5))]},
    "C": {"channel": "online", "method": "delivery", "amend": h(4, 10),
          "steps": [("draft", h(3, 9)), ("submit", h(3, 17)), ("cancel", h(5, 10))]},
    "D": {"channel": "phone", "method": "delivery",
          "steps": [("draft", h(4, 9)), ("submit", h(4, 9.1)), ("start_pick", h(5, 9.1)), ("short", h(5, 10.1))]},
    "E": {"channel": "walk-in", "method": "delivery", "steps": [("draft", h(6, 9)), ("cancel", h(6, 9.5))]},
    # confirmed in the previous period, picked in this one: its wait counts where it ends
    "Q": {"channel": "phone", "method": "delivery",
          "steps": [("draft", h(28, 8, 2)), ("submit", h(28, 10, 2)), ("start_pick", h(2, 10))]},
    "P": {"channel": "walk-in", "method": "delivery", "promised": date(2026, 2, 25),
          "steps": [("draft", h(24, 9, 2)), ("submit", h(24, 13, 2)), ("start_pick", h(26, 13, 2)),
                    ("pack", h(26, 14, 2)), ("dispatch", h(27, 14, 2))]},
}
# events with no order: (kind, when) — error signals from other capabilities
SIGNALS = [("order.flag_acknowledged", h(3, 12)), ("mail.failed", h(4, 12)), ("mail.failed", h(25, 12, 2)),
           ("request.conflict", h(5, 12))]
ADJUSTMENTS = [h(3, 16), h(26, 16, 2), h(27, 16, 2)]
STAGE_OF = {"submit": "confirmation", "start_pick": "to_pick", "pack": "picking", "short": "picking",
            "dispatch": "to_ship", "ready_for_pickup": "to_ship", "collect": "to_collect", "deliver": "to_deliver"}


@contextmanager
def at(moment):
    with frozen_clock(moment):
        yield
        db.session.flush()  # events are stamped when they are written


def _run(order, step, users):
    if step == "short":
        line = order.lines[0]
        picking.set_picked(order, line.id, line.qty_reserved - 1, users["fulfillment"])
        picking.finish_pick(order, users["fulfillment"])
    elif step == "cancel":
        orders.cancel_order(order, users["sales"], "Changed their mind")
    else:
        orders.transition(order, step, users["manager"])


@pytest.fixture
def timeline(app, users, make_customer, make_product):
    made = {}
    with confirmations_suppressed():
        for name, spec in TIMELINES.items():
            steps = spec["steps"]
            with at(steps[0][1]):
                order = orders.create_draft(make_customer(), channel=spec["channel"], actor=users["sales"],
                                            method=spec["method"])
                orders.add_line(order, make_product(), 4)
            if "request" in spec:
                added, decided, approve = spec["request"]
                with at(added):
                    request = requests.add_request(order, "gift_wrap", "Wrap it", users["sales"])
                with at(decided):
                    requests.decide_request(order, request.id, approve, "" if approve else "No paper", users["manager"])
            for step, moment in steps[1:]:
                if spec.get("amend") and step == "cancel":
                    with at(spec["amend"]):
                        amend_order(order, Amendment("phone", "Buyer", "Read back", quantities={order.lines[0].id: 6}),
                                    users["sales"])
                with at(moment):
                    _run(order, step, users)
                if step == "submit" and "promised" in spec:
                    order.promised_date = spec["promised"]
            made[name] = order
        product = make_product()
        for moment in ADJUSTMENTS:
            with at(moment):
                adjust_stock(product, -1, "Stock count", users["inventory"])
        for kind, moment in SIGNALS:
            with at(moment):
                record_event(kind, "signal")
    db.session.commit()
    return made


# --- the independent computation ----------------------------------------------------------

def within(period: Period, moment: datetime) -> bool:
    return period.start <= moment.date() <= period.end


def nearest_rank_p90(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None


def expected(period: Period) -> dict:
    stages = {stage: [] for stage in set(STAGE_OF.values())}
    confirmed, out, on_time, packed, short, requests_decided = set(), 0, 0, set(), set(), []
    for name, spec in TIMELINES.items():
        steps = spec["steps"]
        for (_, before), (step, moment) in zip(steps, steps[1:], strict=False):
            if within(period, moment) and step in STAGE_OF:
                stages[STAGE_OF[step]].append((moment - before).total_seconds() / 3600)
            if within(period, moment):
                confirmed |= {name} if step == "submit" else set()
                packed |= {name} if step in ("pack", "short") else set()
                short |= {name} if step == "short" else set()
                if step in ("dispatch", "ready_for_pickup"):
                    out += 1
                    on_time += moment.date() <= spec["promised"]
        if "request" in spec and within(period, spec["request"][1]):
            requests_decided.append(spec["request"])
    cohort = [TIMELINES[n] for n in confirmed]
    result = {
        "orders": len(confirmed),
        "on_time": 100 * on_time / out if out else None,
        "amendment_rate": 100 * sum(1 for s in cohort if "amend" in s) / len(cohort) if cohort else None,
        "cancellation_rate": 100 * sum(1 for s in cohort if s["steps"][-1][0] == "cancel") / len(cohort) if cohort else None,
        "short_pick_rate": 100 * len(short) / len(packed) if packed else None,
        "request_approval": 100 * sum(1 for r in requests_decided if r[2]) / len(requests_decided) if requests_decided else None,
        "request_decision_median": statistics.median([(d - a).total_seconds() / 3600 for a, d, _ in requests_decided])
        if requests_decided else None,
        "drafts_cancelled": sum(1 for s in TIMELINES.values()
                                if [x for x, _ in s["steps"]] == ["draft", "cancel"] and within(period, s["steps"][-1][1])),
        "amendments": sum(1 for s in TIMELINES.values() if "amend" in s and within(period, s["amend"])),
        "checks_overridden": sum(1 for k, m in SIGNALS if k == "order.flag_acknowledged" and within(period, m)),
        "email_failures": sum(1 for k, m in SIGNALS if k == "mail.failed" and within(period, m)),
        "conflicts": sum(1 for k, m in SIGNALS if k == "request.conflict" and within(period, m)),
        "stock_corrections": sum(1 for m in ADJUSTMENTS if within(period, m)),
    }
    for channel in ("phone", "email", "online", "walk-in"):
        result[f"orders_{channel}"] = sum(1 for s in cohort if s["channel"] == channel)
    for stage, hours in stages.items():
        result[f"{stage}_median"] = statistics.median(hours) if hours else None
        result[f"{stage}_p90"] = nearest_rank_p90(hours)
    return result


def test_every_figure_matches_an_independent_computation(timeline):
    review = build_review(PERIOD)
    assert review.previous == PREVIOUS
    now, before = expected(PERIOD), expected(PREVIOUS)
    for key in now:
        figure = review.figure(key)
        assert figure.value == pytest.approx(now[key]), key
        assert figure.previous == pytest.approx(before[key]), key
        if now[key] is not None and before[key] is not None:
            assert figure.change == pytest.approx(now[key] - before[key]), key
    # spot checks written out by hand, so the computation above is itself checked
    assert review.figure("confirmation_median").value == pytest.approx((0.5 + 2) / 2)  # 0.1, 0.5, 2, 8 hours
    assert review.figure("confirmation_p90").value == pytest.approx(8)
    assert review.figure("to_pick_median").value == pytest.approx(24)  # B 2 h, A 24 h, D 24 h, Q 48 h
    assert review.figure("to_pick_p90").value == pytest.approx(48)
    assert review.figure("on_time").value == pytest.approx(50)  # A on time, B late
    assert review.figure("short_pick_rate").value == pytest.approx(100 / 3)
    assert review.figure("orders").previous == 2 and review.figure("to_pick_median").previous == 48
    assert review.figure("changed_quantity").value == 1 and review.figure("amendments_phone").value == 1
    assert sum(sum(day) for day in review.orders_per_day.values()) == 4
    assert review.orders_per_day["email"][0] == 1  # B, confirmed on the first day


def test_period_defaults_and_validation(app):
    today = date(2026, 6, 15)
    assert parse_period("", "", today) == default_period(today) == Period(date(2026, 3, 17), date(2026, 6, 14))
    assert parse_period("2026-01-01", "2026-12-31", today).days == 365
    cases = [("2026-02-30", "2026-03-01", "from", "not a date"), ("2026-03-05", "2026-03-01", "to", "on or after"),
             ("2025-01-01", "2026-01-02", "to", "at most 366 days"), ("x", "yesterday", "to", "not a date")]
    for start, end, field, message in cases:
        with pytest.raises(PeriodInvalid) as refused:
            parse_period(start, end, today)
        assert message in refused.value.errors[field]


def test_bad_dates_come_back_with_messages_and_what_was_typed(client, login):
    login("manager")
    response = client.get("/manager/review?from=2026-13-01&to=2026-01-05")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="2026-13-01"' in page and 'value="2026-01-05"' in page
    assert "is not a date" in page and 'id="period-from-error"' in page and "<svg" not in page
    assert client.get("/manager/review.csv?from=2026-03-05&to=2026-03-01").status_code == 422


def _page_figures(html: str) -> dict[str, tuple[str, str, str]]:
    rows = re.findall(r'data-figure="([^"]+)">\s*<td>.*?</td>\s*<td class="num" data-this>([^<]*)</td>\s*'
                      r'<td class="num" data-previous>([^<]*)</td>\s*<td class="num" data-change>([^<]*)</td>', html, re.S)
    return {key: tuple("" if v == "—" else v for v in values) for key, *values in rows}


@pytest.mark.real_pdf
def test_page_csv_and_pdf_show_the_same_figures(timeline, client, login):
    login("manager")
    query = "from=2026-03-02&to=2026-03-08"
    page = client.get(f"/manager/review?{query}").get_data(as_text=True)
    assert page.count("<svg") == 3 and "<script" not in page.split("<svg", 1)[1]
    assert f"/manager/review.csv?{query}" in page.replace("&amp;", "&") and f"/manager/review.pdf?{query}" in page.replace("&amp;", "&")
    shown = _page_figures(page)
    review = build_review(PERIOD)
    assert len(shown) == len(review.figures)

    response = client.get(f"/manager/review.csv?{query}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "figure", "this period", "previous period", "change"]
    by_label = {row[1]: row[2:] for row in rows[1:]}
    for f in review.figures:
        assert tuple(by_label[f.label]) == shown[f.key], f.key
    assert by_label["Orders confirmed"] == ["4", "2", "+2"]

    pdf = client.get(f"/manager/review.pdf?{query}")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Periodic review" in text and "Orders confirmed" in text and "On-time dispatch / ready (%)" in text
    assert "50.0" in text and "Draft → confirmed: p90 (hours)" in text


def test_chart_styles_are_our_own_stylesheet(client, login):
    login("manager")
    css = client.get("/manager/review/charts.css")
    assert css.mimetype == "text/css" and "svg.pygal-chart" in css.get_data(as_text=True)
    assert "#chart-" not in css.get_data(as_text=True)


def test_csv_cells_cannot_start_a_formula():
    assert formula_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert formula_safe("@SUM(A1)") == "'@SUM(A1)" and formula_safe("+1+1") == "'+1+1"
    assert formula_safe("-2.5") == "-2.5" and formula_safe("+3") == "+3"  # a change is a number
    assert formula_safe("Orders") == "Orders"


def test_a_lost_race_is_counted_as_a_conflict(app, client, login, order_in):
    token = login("manager")
    order = order_in("confirmed")
    stale = order.version
    order.instructions = "changed meanwhile"
    db.session.commit()
    response = client.post(f"/orders/{order.ref}/transition/start_pick", data={"csrf_token": token, "version": stale})
    assert response.status_code == 302 and order.status == "confirmed"  # refused, back to the order
    conflicts = db.session.execute(db.select(Event).where(Event.kind == "request.conflict")).scalars().all()
    assert [e.summary for e in conflicts] == [f"Conflicting save refused: POST /orders/{order.ref}/transition/start_pick"]


def test_demo_data_review_renders(app, client, login):
    started = time.perf_counter()
    demo.seed(products=40, customers=10, order_count=60)
    seeded = time.perf_counter()
    login("manager")
    response = client.get("/manager/review")
    took = time.perf_counter() - seeded
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<svg") == 3
    figures = _page_figures(page)
    assert int(figures["orders"][0]) > 0 and figures["confirmation_median"][0]
    print(f"demo seeded in {seeded - started:.1f}s; 90-day review page in {took:.2f}s")  # figures, not a test: bench/


def test_a_closed_periods_review_is_kept_once_and_read_back(timeline, client, login):
    """Opening a review stores nothing (a read computes); once a closed period's review is
    kept (housekeeping keeps the default period's), the page reads it back without reading
    the events, with the same figures, page and CSV."""
    from app.reports.models import StoredReview
    from tests.conftest import counting_statements

    login("manager")
    query = "from=2026-03-02&to=2026-03-08"
    first = client.get(f"/manager/review?{query}").get_data(as_text=True)
    assert db.session.execute(select(StoredReview)).first() is None
    assert keep_review(PERIOD) is True and keep_review(PERIOD) is False
    db.session.commit()
    with counting_statements() as seen:
        again = client.get(f"/manager/review?{query}").get_data(as_text=True)
    assert not any("events.kind" in statement for statement in seen), "the events were read again"
    assert _page_figures(again) == _page_figures(first)
    stored, computed = stored_review(PERIOD), build_review(PERIOD)
    assert stored.figures == computed.figures and stored.orders_per_day == computed.orders_per_day
    assert stored.stages == computed.stages
    rows = list(csv.reader(io.StringIO(client.get(f"/manager/review.csv?{query}").get_data(as_text=True))))
    assert {row[1]: row[2:] for row in rows[1:]}["Orders confirmed"] == ["4", "2", "+2"]


def test_a_period_not_yet_over_is_computed_every_time(app, timeline):
    """A period that ends today (or ended less than an hour ago) can still change: never kept."""
    from app.reports.models import StoredReview

    with frozen_clock(datetime(2026, 3, 8, 22, 0)):
        assert not closed(PERIOD) and keep_review(PERIOD) is False
    assert db.session.execute(select(StoredReview)).first() is None
    with frozen_clock(datetime(2026, 3, 10, 9, 0)):
        assert closed(PERIOD)


def test_housekeeping_computes_the_default_review_ahead_once(app, timeline):
    from app.reports.models import StoredReview

    assert review_task() is not None
    db.session.commit()
    period = default_period()
    kept = db.session.execute(select(StoredReview.period_start, StoredReview.period_end)).all()
    assert [tuple(k) for k in kept] == [(period.start, period.end)]
    assert review_task() is None  # already there


def test_a_kept_reviews_charts_are_drawn_once_and_match_its_figures(timeline):
    """A kept review's charts are held once drawn (its figures never change); held by what
    they draw, so another kept body for the same period (another database, a new layout)
    gets its own."""
    from dataclasses import replace

    from app.reports import charts

    assert keep_review(PERIOD) is True
    db.session.commit()
    kept = stored_review(PERIOD)
    assert kept.kept and not build_review(PERIOD).kept
    same = lambda svgs: {name: re.sub(r"chart-[0-9a-f-]{36}", "chart", svg) for name, svg in svgs.items()}  # noqa: E731
    drawn = charts.all_charts(kept)
    assert same(drawn) == same(charts.all_charts(build_review(PERIOD)))  # what a fresh computation draws
    assert charts.all_charts(stored_review(PERIOD)) is drawn  # not drawn again
    busier = replace(kept, orders_per_day={k: [n + 7 for n in v] for k, v in kept.orders_per_day.items()})
    assert same(charts.all_charts(busier))["orders_per_day"] != same(drawn)["orders_per_day"]
    assert same(charts.all_charts(kept, for_print=True)) != same(drawn)
