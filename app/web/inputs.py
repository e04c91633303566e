"""Input bounded where it enters: URL values, query and form values, page numbers.

- URL integers are limited to the database's integer range (404 beyond): `BoundedInt`.
- URL text segments carry no control characters and no more than 200 characters (404).
- Every query and form value has NUL and other control characters removed (tab and
  newlines stay in form text) before any view or form sees it: `CleanRequest`.
- Fields over `MAX_FORM_MEMORY_SIZE` are refused by Werkzeug with 413; each form field
  has its own length limit in its WTForms form, with a message next to the field.
- Page numbers, ids and search terms from the query string go through `page_arg`,
  `int_arg` and `search_arg`, which never fail and never leave the safe range.
"""

import re

from flask import request
from htmx_flask.requests import HtmxAwareRequest
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import BaseConverter, IntegerConverter

from app.database import DB_INT_MAX

MAX_PAGE = 100_000
SEARCH_MAX = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps \t \n \r
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f]")


def without_controls(value: str) -> str:
    """The text without NUL and other control characters (tabs and line breaks kept)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


class CleanMultiDict(ImmutableMultiDict):
    """Query or form values with control characters removed from every key and text value."""

    def __init__(self, mapping=None):
        items = iter_multi_items(mapping) if mapping is not None else ()
        super().__init__([(without_controls(k) if isinstance(k, str) else k,
                           without_controls(v) if isinstance(v, str) else v) for k, v in items])


class CleanRequest(HtmxAwareRequest):
    parameter_storage_class = CleanMultiDict


class BoundedInt(IntegerConverter):
    """`<int:...>` that only matches numbers the database can hold (others are a 404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Segment(BaseConverter):
    """The default `<name>`: one path segment of printable text, at most 200 characters."""

    regex = r"[^/\x00-\x1f\x7f]{1,200}"


def install(app) -> None:
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedInt
    app.url_map.converters["default"] = Segment
    app.url_map.converters["string"] = Segment


def parse_int(raw, lo: int = 0, hi: int = DB_INT_MAX) -> int | None:
    """`raw` as a whole number within [lo, hi], or None."""
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if isinstance(raw, str):
        if not re.fullmatch(r"-?\d{1,12}", raw):
            return None
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool) or not lo <= raw <= hi:
        return None
    return raw


def int_arg(name: str, default: int | None = None, lo: int = 0, hi: int = DB_INT_MAX) -> int | None:
    """A whole number from the query string, or `default` if missing or out of range."""
    value = parse_int(request.args.get(name), lo, hi)
    return default if value is None else value


def page_arg() -> int:
    """The page asked for: 1 unless `?page=` is a sensible number (clamped to MAX_PAGE)."""
    raw = request.args.get("page", "")
    value = parse_int(raw[:12], 1, 10**12) if raw else None
    return min(value or 1, MAX_PAGE)


def search_arg(name: str = "q", limit: int = SEARCH_MAX) -> str:
    """A search term from the query string: trimmed, one line, at most `limit` characters."""
    return _CONTROL_ALL.sub(" ", request.args.get(name, ""))[:limit].strip()


def choice_arg(name: str, choices, default: str) -> str:
    value = request.args.get(name, "")
    return value if value in choices else default


def queue_args(queues: dict) -> tuple:
    """A dashboard's queue (`?view=`), search term and page: (queue, q, page)."""
    queue = queues.get(request.args.get("view", "")) or next(iter(queues.values()))
    return queue, search_arg(), page_arg()
