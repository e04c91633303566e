"""HTML → PDF with WeasyPrint, locked to our own static files.

The fetcher serves only files inside `static/` and `data:` URLs; anything else (http,
other files, ftp, ...) is refused before a connection is made, and nothing redirects.
Templates receive plain values (dicts, strings, numbers), never ORM objects.
"""

import base64
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher for `data:` URLs and files under one folder, nothing else."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=2)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        if url.lower().startswith("data:"):
            return data_url(url)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused to fetch {url!r}: documents only use Order Desk's static files.")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"Refused to fetch {url!r}: not one of Order Desk's static files.")
        return super().fetch(path.as_uri(), headers)


def data_url(url: str) -> URLFetcherResponse:
    """A `data:` URL's bytes, decoded here: urllib's handler parses each one as an email
    message, a cost paid per barcode on a pick list."""
    header, _, payload = url.partition(",")
    mime, *params = header[len("data:"):].split(";")
    body = base64.b64decode(payload) if "base64" in params else unquote_to_bytes(payload)
    return URLFetcherResponse(url, body, _content_type(mime or "text/plain"))


@cache
def _content_type(mime: str) -> EmailMessage:
    """Response headers naming `mime`, built once (WeasyPrint only reads them)."""
    headers = EmailMessage()
    headers["Content-Type"] = mime
    return headers


def static_root() -> Path:
    return Path(current_app.static_folder)


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string whose relative URLs point into `static/`.

    With `PDF_LAYOUT` off (the test suite's default: only tests marked `real_pdf` open the
    documents they make) the HTML is still rendered from its template, but WeasyPrint's
    layout is skipped and a one-page placeholder PDF stands in for the document."""
    if not current_app.config.get("PDF_LAYOUT", True):
        return _placeholder()
    root = static_root()
    return HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    """Render a template from templates/documents/ to PDF bytes."""
    return html_to_pdf(render_template(template, **context))


@cache
def _placeholder() -> bytes:
    return HTML(string="<p>PDF layout skipped: this test is not marked real_pdf.</p>").write_pdf()
