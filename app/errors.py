"""The one family of refusals: an operation that will not do what was asked, and why.

Domain services raise a `Refusal` (or a subclass) with a message for the person who
asked. The request layer (app/web/transaction.py) rolls the transaction back and shows
the message: on the form that was sent (422), as a conflict (409), or as a flash; a
`NotAllowed` as a 403 page (or, for htmx, in the page's message area).
Nothing here knows about HTTP beyond the status a refusal suggests.
"""


class Refusal(Exception):
    """The operation was refused; `str(exc)` is the message for the person."""

    status = 422


class Conflict(Refusal):
    """Someone else changed the record first; nothing of this request was saved."""

    status = 409


class NotFound(Refusal):
    """The record the request names does not exist (or no longer applies)."""

    status = 404


class NotAllowed(Refusal):
    """The person's roles do not allow this (whatever the record's state); nothing to correct."""

    status = 403
