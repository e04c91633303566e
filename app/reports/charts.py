"""The review's charts as SVG, drawn by pygal from numbers and our own labels.

No JavaScript: pygal's script tags are left out, so a chart reads the same in the browser,
with JavaScript off, and in the PDF. Pygal styles a chart with a <style> element inside
the SVG; the PDF keeps it, while the web page (whose Content-Security-Policy allows only
our own stylesheets) drops it and links the same rules from `chart_stylesheet()`.
"""

import math
import re
from functools import cache

import pygal
from pygal.style import Style

from app.orders.states import CHANNEL_LABELS, CHANNELS
from app.reports.review import Review

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1f2933", foreground_strong="#1f2933",
    foreground_subtle="#7b8794", font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    label_font_size=11, major_label_font_size=11, legend_font_size=12, value_font_size=11,
    title_font_size=14, guide_stroke_color="#d9dee3", major_guide_stroke_color="#9aa5b1",
    guide_stroke_dasharray="none", major_guide_stroke_dasharray="none", colors=("#2563eb", "#d97706", "#059669", "#9333ea", "#dc2626"),
)
COMMON = {"style": STYLE, "js": [], "disable_xml_declaration": True, "explicit_size": True,
          "legend_at_bottom": True, "legend_at_bottom_columns": 4, "margin": 8, "margin_bottom": 28, "truncate_legend": -1, "print_values": False,
          "show_y_guides": True}
_SCRIPT = re.compile(r"<script\b[^>]*?(/>|>.*?</script>)", re.S)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S)
_SCRIPT_IDS = re.compile(r' id="activate-serie-\d+"')
_CHART_ID = re.compile(r"#chart-[0-9a-f-]+")


def _size(for_print: bool, height: int) -> dict:
    """The printed page is about 510 pt wide: a smaller drawing keeps labels near 8 pt on paper."""
    return {"width": 680, "height": round(height * 0.8)} if for_print else {"width": 900, "height": height}


def _svg(chart, *, for_print: bool) -> str:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')  # the (unused) tooltip, hidden without CSS
    svg = _SCRIPT_IDS.sub("", svg)  # ids for pygal's script, repeated in every chart of a page
    return svg if for_print else _STYLE.sub("", svg)


def orders_per_day(review: Review, *, for_print: bool = False) -> str:
    days = review.period.dates()
    every = max(len(days) // (9 if for_print else 12), 1)
    chart = pygal.StackedBar(**_size(for_print, 300), x_label_rotation=0, show_minor_x_labels=False,
                             x_labels_major_every=every, truncate_label=-1, **COMMON)
    chart.x_labels = [d.strftime("%d %b") for d in days]
    busiest = max((sum(day) for day in zip(*review.orders_per_day.values(), strict=True)), default=0)
    chart.y_labels = list(range(0, busiest + 1, max(math.ceil(busiest / 8), 1)))  # whole orders only
    for channel in CHANNELS:
        chart.add(CHANNEL_LABELS[channel], review.orders_per_day[channel])
    return _svg(chart, for_print=for_print)


def stage_times(review: Review, *, for_print: bool = False) -> str:
    chart = pygal.HorizontalBar(**_size(for_print, 320), truncate_label=-1, **COMMON)
    stages = review.stages[::-1]  # pygal draws the first label at the bottom; the first stage goes on top
    chart.x_labels = [s["label"] for s in stages]
    chart.add("Median (hours)", [_round(s["median"]) for s in stages])
    chart.add("90th percentile (hours)", [_round(s["p90"]) for s in stages])
    return _svg(chart, for_print=for_print)


def rates(review: Review, *, for_print: bool = False) -> str:
    shown = [f for f in review.figures if f.unit == "percent"]
    chart = pygal.Bar(**_size(for_print, 300), range=(0, 100), truncate_label=-1, **COMMON)
    chart.x_labels = [_short(f.label) for f in shown]
    chart.add("This period (%)", [_round(f.value) for f in shown])
    chart.add("Previous period (%)", [_round(f.previous) for f in shown])
    return _svg(chart, for_print=for_print)


def _short(label: str) -> str:
    """A bar's label short enough to sit under it on paper: "Orders picked short (%)" → "Picked short"."""
    label = label.removesuffix(" (%)").removeprefix("Orders ").removeprefix("Special ")
    return label[:1].upper() + label[1:]


def _round(value):
    return None if value is None else round(value, 1)


@cache
def chart_stylesheet() -> str:
    """Pygal's rules for our style, for every chart on a page (not only one chart's id)."""
    sample = pygal.Bar(**COMMON)
    for n in range(len(STYLE.colors)):  # pygal writes a colour rule per series drawn
        sample.add(str(n), [1])
    sample = sample.render(is_unicode=True)
    rules = "\n".join(_STYLE.findall(sample))
    rules = re.sub(r"</?style[^>]*>", "", rules).replace("&gt;", ">")
    return _CHART_ID.sub("svg.pygal-chart", rules)


CHARTS = {"orders_per_day": orders_per_day, "stage_times": stage_times, "rates": rates}


DRAWN_KEPT = 16  # kept reviews whose charts a worker holds, drawn (a few KB each)
_drawn: dict[tuple, dict[str, str]] = {}


def all_charts(review: Review, *, for_print: bool = False) -> dict[str, str]:
    """The review's charts. A kept review's (a closed period's) are drawn once per worker and
    held: its figures never change, and drawing three charts costs more than the whole page."""
    if not review.kept:
        return _draw(review, for_print)
    key = (for_print, repr((review.period, review.orders_per_day, review.stages, review.figures)))  # what is drawn
    if key not in _drawn:
        while len(_drawn) >= DRAWN_KEPT:
            _drawn.pop(next(iter(_drawn)), None)
        _drawn[key] = _draw(review, for_print)
    return _drawn[key]


def _draw(review: Review, for_print: bool) -> dict[str, str]:
    return {name: draw(review, for_print=for_print) for name, draw in CHARTS.items()}
