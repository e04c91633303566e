"""Where to send a person next: a local address only, never another site."""

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after a form, or None (never another site)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    local = not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
    return target if local else None


def back_url(default: str | None = None, next_url: str | None = None) -> str:
    """`next_url` (a form's `next`, see app/forms_util.py), else the page the request came from
    (same site), else `default` (a URL; the user's dashboard when not given)."""
    for candidate in (next_url, _same_site_path(request.referrer)):
        target = safe_next(candidate)
        if target:
            return target
    return default or url_for("main.index")


def _same_site_path(url: str | None) -> str | None:
    if not url or not url.startswith(request.host_url):
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
