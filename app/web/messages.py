"""Messages that say what happened: "<what it is about>: <what happened>, <who is next>."
(e.g. "SO-2026-00473: confirmed for Acme Ltd, confirmation emailed, waiting for fulfillment to pick")."""


def outcome(subject: str, happened: str, *then: str) -> str:
    """One message: the record it is about, what happened to it, and what comes next (if anything)."""
    return f"{subject}: " + ", ".join((happened, *(t for t in then if t))) + "."
