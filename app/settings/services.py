"""Saving the settings page: only what changed is written, as one `settings.changed` event."""

from sqlalchemy import select

from app.events.services import record_event
from app.extensions import db
from app.settings.models import Setting
from app.settings.store import NAMES, forget_saved, setting
from app.timeutil import utcnow


def current_settings() -> dict:
    """Every setting's value now (saved, else the environment's)."""
    return {name: setting(name) for name in NAMES}


def saved_rows() -> dict[str, Setting]:
    """The settings changed in the app (name → row with who and when); the rest come from the environment."""
    return {row.name: row for row in db.session.execute(select(Setting)).scalars()}


def save_settings(values: dict, actor) -> dict:
    """Store the values that differ from the current ones; one event with before/after of
    those. Returns the changed names → (before, after); nothing changed writes nothing."""
    unknown = set(values) - set(NAMES)
    if unknown:
        raise KeyError(f"not settings: {', '.join(sorted(unknown))}")
    now = current_settings()
    changed = {name: (now[name], value) for name, value in values.items() if value != now[name]}
    if not changed:
        return changed
    rows = saved_rows()
    for name, (_before, after) in changed.items():
        row = rows.get(name) or Setting(name=name)
        row.value, row.updated_at, row.updated_by_id = after, utcnow(), actor.id
        db.session.add(row)
    db.session.flush()
    forget_saved()
    record_event("settings.changed", f"Settings changed: {', '.join(sorted(changed))}"[:300], actor=actor,
                 before={n: b for n, (b, _a) in changed.items()}, after={n: a for n, (_b, a) in changed.items()})
    return changed
