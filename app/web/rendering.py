"""Rendering pages and the regions htmx swaps."""

import hashlib

from flask import current_app, render_template, request
from htmx_flask import make_response

from app.web.inputs import page_arg, search_arg


def render_block(template: str, block: str, **context) -> str:
    """One named block of a page template, rendered alone (macros it uses are imported inside it)."""
    current_app.update_template_context(context)
    page = current_app.jinja_env.get_template(template)
    return "".join(page.blocks[block](page.new_context(context)))


def render_page(template: str, regions: dict | None = None, partial: str | None = None, **context):
    """Render a page, or only the region htmx asks for (HX-Target = the region's id).

    `regions` maps a region id to a partial template ("x/_y.html") or to the name of a
    block of `template`; any other htmx target gets `partial` (a list's search and paging).
    """
    target = request.htmx.target if request.htmx and not request.htmx.boosted else None
    region = (regions or {}).get(target) or (partial if target else None)
    if region is None:
        body = render_template(template, **context)
    elif region.endswith(".html"):
        body = render_template(region, **context)
    else:
        body = render_block(template, region, **context)
    response = make_response(body)
    response.vary.update(("HX-Request", "HX-Target"))
    return response


def render_list(template: str, partial: str, regions: dict | None = None, **context):
    """Render a page, or only its list partial when htmx asks for it (search, paging)."""
    return render_page(template, regions, partial, **context)


def render_queue(queues: dict, template: str, regions: dict | None = None, **context):
    """A dashboard page listing one of its order queues, searchable and paged."""
    from app.orders.queries import order_page

    queue = queues.get(request.args.get("view", "")) or next(iter(queues.values()))
    q = search_arg()
    pagination = order_page(queue, q, page_arg())
    return render_list(template, "orders/_queue.html", regions, queues=queues, queue=queue, q=q,
                       pagination=pagination, **context)


def pdf_response(content: bytes, filename: str, etag: str | None = None):
    """A PDF shown in the browser: named, revalidated by its ETag, never stored by shared caches."""
    response = current_app.response_class(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag or hashlib.sha256(content).hexdigest())
    return response.make_conditional(request)


def document_response(document):
    """The stored bytes of an issued document, as they were issued."""
    return pdf_response(document.content, document.filename, document.sha256)
