"""How money, times and dates read on screen and on documents (no Flask here)."""

from decimal import Decimal

from app.timeutil import local, utcnow


def money(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def when(dt, fmt: str = "%d %b %Y %H:%M") -> str:
    return local(dt).strftime(fmt) if dt else ""


def day(d) -> str:
    return d.strftime("%a %d %b %Y") if d else ""


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
