"""Rendering: one helper for pages, the regions htmx swaps, and out-of-band pieces.

A page template names each region htmx may ask for as a block called after the region's
element id (`<div id="draft-lines">` → `{% block draft_lines %}`). `render` answers a
normal request with the whole page and an htmx request with the block its HX-Target names
(jinja2-fragments renders it alone, so a block imports the macros it uses). `oob` adds
more blocks, rendered with `oob` true so their root element carries hx-swap-oob: one
answer refreshes the region that changed and the others beside it. The response varies
on HX-Request and HX-Target, the headers it depends on.
"""

import hashlib
from functools import cache

from flask import current_app, render_template, request
from htmx_flask import make_response
from jinja2 import nodes
from jinja2_fragments.flask import render_block
from werkzeug.local import LocalProxy

from app.bookkeeping import aside
from app.documents.deferred import keep_rendered, render_deferred


def render(template: str, *, block=None, oob: tuple[str, ...] = (), status: int = 200,
           retarget: str | None = None, reswap: str | None = None, push_url: str | None = None, **context):
    """`template` as a page; for htmx, the block HX-Target names, else `block`; plus `oob` blocks.
    `block` also answers a request that is not htmx (a region's own address);
    `block=""` answers with the `oob` blocks only (a form that swaps nothing itself);
    `retarget`/`reswap` send the answer somewhere other than where htmx aimed it; `push_url`
    is the address htmx puts in the browser's history (a tidier one than the request's)."""
    main = _asked_block(template) or block
    if main is None:
        body = render_template(template, **context)
    else:
        parts = [render_block(*_owner(template, main), **context)] if main else []
        parts += [render_block(*_owner(template, name), **{**context, "oob": True}) for name in oob if name != main]
        body = "".join(parts)
    headers = (("retarget", retarget), ("reswap", reswap), ("push_url", push_url if request.htmx else None))
    response = make_response(body, **{k: v for k, v in headers if v})
    response.status_code = status
    response.vary.update(("HX-Request", "HX-Target"))
    return response


def lazy(compute):
    """A context value worked out on first use only: a live refresh that renders one block does
    not pay for what the rest of the page shows (`compute` takes no arguments)."""
    return LocalProxy(cache(compute))


def _asked_block(template: str):
    """The block an htmx request's target names, if `template` (or a template it extends) has it."""
    if not request.htmx or request.htmx.boosted or not request.htmx.target:
        return None
    name = request.htmx.target.replace("-", "_")
    return name if _find_block(template, name) else None


def _owner(template: str, block: str) -> tuple[str, str]:
    owner = _find_block(template, block)
    if owner is None:
        raise LookupError(f"{template} has no block {block!r}")
    return owner, block


@cache
def _find_block(template: str, block: str) -> str | None:
    """The template in `template`'s inheritance chain that defines `block`."""
    env = current_app.jinja_env
    while template:
        if block in env.get_template(template).blocks:
            return template
        source = env.loader.get_source(env, template)[0]
        extends = next(iter(env.parse(source).find_all(nodes.Extends)), None)
        template = extends.template.value if extends and isinstance(extends.template, nodes.Const) else None
    return None


def pdf_response(content: bytes, filename: str, etag: str | None = None):
    """A PDF shown in the browser: named, revalidated by its ETag, never stored by shared caches."""
    response = current_app.response_class(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag or hashlib.sha256(content).hexdigest())
    return response.make_conditional(request)


def document_bytes(document) -> tuple[bytes, str | None]:
    """The stored bytes of an issued document and their SHA-256. A document not rendered yet
    (app/documents/deferred.py) is rendered now, outside the request's transaction, and
    stored aside: if someone stored it first, theirs are the bytes returned."""
    if document.content is not None:
        return document.content, document.sha256
    content = render_deferred(document.template, document.context)
    return aside(lambda connection: keep_rendered(connection, document.id, content), default=(content, None))


def document_response(document):
    """The stored bytes of an issued document, as they were issued (rendered on first open)."""
    content, sha256 = document_bytes(document)
    return pdf_response(content, document.filename, sha256)
