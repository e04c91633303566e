"""The one parser for how people and URLs name an order: SO-2026-00042 or DRAFT-<id>."""

import re
from dataclasses import dataclass

from app.database import DB_INT_MAX

_DRAFT = re.compile(r"DRAFT-(\d{1,10})")


@dataclass(frozen=True)
class OrderRef:
    number: str | None = None  # an order number as typed (upper case)
    draft_id: int | None = None  # the id of a DRAFT-<id>, within the database's range


def parse_ref(text: str | None) -> OrderRef | None:
    """What `text` names, or None if it cannot name an order."""
    ref = (text or "").strip().upper()
    if not ref or len(ref) > 40:
        return None
    match = _DRAFT.fullmatch(ref)
    if match:
        draft_id = int(match.group(1))
        return OrderRef(draft_id=draft_id) if 0 < draft_id <= DB_INT_MAX else None
    return OrderRef(number=ref)
