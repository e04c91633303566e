"""How money, times and dates read on screen and on documents, and how typed dates are read
(no Flask here): Babel formats and parses them in the business's locale (BUSINESS_LOCALE)."""

import re
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache

from babel.dates import format_date, format_datetime, get_date_format
from babel.dates import parse_date as babel_parse_date
from babel.numbers import format_currency, format_percent

from app.settings.store import setting
from app.timeutil import business_locale, local, utcnow

DAY_PATTERN = "EEE dd MMM y"  # Mon 05 Jan 2026 (in en_GB)

# strftime directives the templates pass to `when`, as CLDR pattern fields
_STRFTIME_TO_CLDR = {"a": "EEE", "A": "EEEE", "d": "dd", "b": "MMM", "B": "MMMM", "m": "MM", "Y": "y",
                     "y": "yy", "H": "HH", "I": "hh", "M": "mm", "S": "ss", "p": "a", "%": "%"}


def money(value) -> str:
    """An amount in the installation's currency (setting CURRENCY, ISO 4217) as the business's
    locale writes it: £1,234.50 in en_GB with GBP, €1,234.50 with EUR. CSV files and the API
    keep plain decimals ("1234.50") instead."""
    if value is None:
        return ""
    return _currency(Decimal(value), setting("CURRENCY"), business_locale())


@lru_cache(maxsize=4096)
def _currency(value: Decimal, currency: str, locale) -> str:
    """Babel's formatting, remembered: a page shows the same few amounts many times over."""
    return format_currency(value, currency, locale=locale)


def percent(rate) -> str:
    """A rate given in percent (20, 17.5) as the locale writes a percentage: 20%, 17.5%."""
    return format_percent(Decimal(rate) / 100, locale=business_locale(), decimal_quantization=False)


@cache
def cldr_pattern(fmt: str) -> str:
    """A strftime format ("%d %b %Y %H:%M") as a CLDR pattern ("dd' 'MMM' 'y' 'HH:mm")."""
    out = []
    for literal, directive in re.findall(r"([^%]*)(?:%(.))?", fmt):
        if literal:
            out.append("'" + literal.replace("'", "''") + "'" if re.search(r"[A-Za-z' ]", literal) else literal)
        if directive:
            out.append(_STRFTIME_TO_CLDR[directive])
    return "".join(out)


def when(dt, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored UTC time in the business's time zone and locale (`fmt` in strftime's letters)."""
    return format_datetime(local(dt), cldr_pattern(fmt), locale=business_locale()) if dt else ""


def day(d) -> str:
    return format_date(d, DAY_PATTERN, locale=business_locale()) if d else ""


# --- dates typed by staff ---------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TYPED = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})|(\d{4})[/.\- ](\d{1,2})[/.\- ](\d{1,2})")


@cache
def _entry_format(locale) -> tuple[str, str, str]:
    """The locale's short date as typed: (CLDR pattern with 2-digit day and month and a 4-digit
    year, its placeholder, the order of the fields) — dd/MM/yyyy, "dd/mm/yyyy", "dmy" in en_GB."""
    short = get_date_format("short", locale=locale).pattern
    pattern = re.sub(r"y+", "yyyy", re.sub(r"M+", "MM", re.sub(r"d+", "dd", short)))
    order = "".join(sorted("dmy", key=lambda f: pattern.lower().index(f)))
    return pattern, pattern.lower(), order


def date_placeholder() -> str:
    """How to type a date in the business's locale: "dd/mm/yyyy" in en_GB."""
    return _entry_format(business_locale())[1]


def entry_date(d: date | None) -> str:
    """A date as it is typed into a date field: 05/01/2026 in en_GB."""
    return format_date(d, _entry_format(business_locale())[0], locale=business_locale()) if d else ""


def parse_day(text: str) -> date:
    """A date typed in the locale's short form (dd/mm/yyyy or d/m/yy in en_GB) or as ISO
    yyyy-mm-dd; ValueError with the reason if it is neither or no such day exists."""
    text = (text or "").strip()
    iso = _ISO.fullmatch(text)
    try:
        return date(*map(int, iso.groups())) if iso else _parse_typed(text)
    except ValueError as exc:
        raise ValueError(str(exc) if str(exc).startswith(("write", "there")) else "there is no such day") from None


def _parse_typed(text: str) -> date:
    typed = _TYPED.fullmatch(text)
    if not typed or typed.group(4):  # a year first is only ISO's, with dashes
        raise ValueError(f"write it as {date_placeholder()}")
    locale = business_locale()
    month = dict(zip(_entry_format(locale)[2], map(int, typed.groups()[:3]), strict=True))["m"]
    if not 1 <= month <= 12:  # (Babel would swap it with the day)
        raise ValueError(f"there is no month {month}")
    return babel_parse_date(text, locale=locale, format="short")


def age(dt) -> str:
    """How long ago, in the largest sensible unit: 40 min, 5 h, 3 d, 7 w."""
    if dt is None:
        return ""
    minutes = max(int((utcnow() - dt).total_seconds() // 60), 0)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days = hours // 24
    return f"{days} d" if days < 28 else f"{days // 7} w"
