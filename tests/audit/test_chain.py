"""The event log's hash chain: sealed after the fact in id order, append-only, and
`flask --app wsgi audit verify` names the first event that no longer matches its seal."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.events.chain import GENESIS, content_hash, link, seal_events, verify_chain
from app.events.models import Event, EventSeal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import frozen_clock, utcnow


def events(n, kind="test.event", at=None, **kw):
    """`n` committed events (at time `at`, default an hour ago); their ids."""
    with frozen_clock(at or utcnow() - timedelta(hours=1)):
        made = [record_event(kind, f"{kind} number {i}", after={"i": i, "price": "12.50", "note": "naïve"}, **kw)
                for i in range(n)]
        db.session.flush()  # created_at is set when the row is written
        ids = [e.id for e in made]
        db.session.commit()  # and no transaction left open (on SQLite it would hold the write lock)
    return ids


def seal(**kw):
    sealed = seal_events(settle_seconds=kw.pop("settle_seconds", 0), **kw)
    db.session.commit()
    return sealed


def seals():
    return db.session.execute(select(EventSeal).order_by(EventSeal.event_id)).scalars().all()


@contextmanager
def triggers_off():
    """Let the test tamper with the log as someone with raw database access could."""
    if db.engine.dialect.name == "postgresql":
        for table in ("events", "event_seals"):
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        yield
        for table in ("events", "event_seals"):
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
    else:
        found = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in found:
            db.session.execute(text(f'DROP TRIGGER "{name}"'))
        yield
        for _name, sql in found:
            db.session.execute(text(sql))
    db.session.commit()


def verify(runner):
    db.session.commit()
    return runner.invoke(args=["audit", "verify"])


# --- sealing --------------------------------------------------------------------------------

def test_events_are_sealed_in_id_order_each_linked_to_the_one_before(app):
    ids = events(5)
    assert seal() == 5
    chain, previous = GENESIS, 0
    for s, event_id in zip(seals(), ids, strict=True):
        row = db.session.execute(select(Event.id, Event.created_at, Event.actor_id, Event.order_id, Event.customer_id,
                                        Event.kind, Event.summary, Event.before, Event.after)
                                 .where(Event.id == event_id)).one()
        assert (s.event_id, s.previous_event_id) == (event_id, previous)
        assert s.content_hash == content_hash(row)
        assert s.chain_hash == link(chain, s.content_hash)
        chain, previous = s.chain_hash, event_id


def test_sealing_again_seals_only_what_is_new(app):
    events(3)
    assert seal() == 3
    assert seal() == 0
    later = events(2)
    assert seal() == 2
    assert [s.event_id for s in seals()][-2:] == later
    assert seal() == 0
    assert verify_chain().intact


def test_sealing_in_batches_continues_the_chain(app):
    events(7)
    assert [seal(limit=3), seal(limit=3), seal(limit=3)] == [3, 3, 1]
    verdict = verify_chain()
    assert verdict.intact and verdict.sealed == 7


def test_fresh_events_wait_and_so_does_everything_after_them(app):
    old = events(2, at=utcnow() - timedelta(minutes=5))
    fresh = events(1, at=utcnow())
    events(1, at=utcnow() - timedelta(minutes=5))  # older clock (another host), but a later id
    assert seal(settle_seconds=60) == 2
    assert [s.event_id for s in seals()] == old
    assert verify_chain().waiting == 2
    assert seal(settle_seconds=0) == 2
    assert fresh[0] in [s.event_id for s in seals()]


def test_two_sealers_at_once_seal_each_event_once(app):
    events(300)

    def sealer():
        with app.app_context():
            while seal_events(limit=40, settle_seconds=0):
                db.session.commit()
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    sealed = [s.event_id for s in seals()]
    assert len(sealed) == len(set(sealed)) == 300
    verdict = verify_chain()
    assert verdict.intact and verdict.sealed == 300 and verdict.waiting == 0


def test_the_relay_loop_seals_too(app):
    from app import housekeeping

    events(2)
    app.config["AUDIT_SEAL_SETTLE_SECONDS"], settle = 0, app.config["AUDIT_SEAL_SETTLE_SECONDS"]
    try:
        said = []
        housekeeping.run_due(said.append, tasks=[t for t in housekeeping.TASKS if t[0] == "seal event log"])
    finally:
        app.config["AUDIT_SEAL_SETTLE_SECONDS"] = settle
    assert said and said[0].startswith("seal event log: sealed 2 event(s)")
    assert len(seals()) == 2


# --- append-only ------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE events SET summary = 'changed'",
    "DELETE FROM events",
    "UPDATE event_seals SET chain_hash = 'x'",
    "DELETE FROM event_seals",
])
def test_events_and_seals_refuse_update_and_delete(app, statement):
    events(2)
    seal()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.execute(select(func.count(Event.id))).scalar() == 2
    assert verify_chain().intact


# --- verify ---------------------------------------------------------------------------------------

def test_verify_passes_on_an_untouched_log(app, runner):
    ids = events(4)
    seal()
    events(2, at=utcnow())
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"4 events sealed, chain intact (up to event #{ids[-1]} at " in result.output
    assert "2 newer events not yet sealed" in result.output


def test_verify_names_an_altered_event(app, runner):
    ids = events(5)
    seal()
    with triggers_off():
        db.session.execute(text("UPDATE events SET summary = 'nothing happened' WHERE id = :id"), {"id": ids[2]})
    result = verify(runner)
    assert result.exit_code == 1
    assert f"event #{ids[2]} (test.event, " in result.output and "does not match its seal" in result.output
    assert f"#{ids[1]}" in result.output  # intact up to the one before


def test_verify_names_an_event_whose_json_changed(app, runner):
    ids = events(3)
    seal()
    with triggers_off():
        db.session.execute(text("UPDATE events SET after = :after WHERE id = :id"),
                           {"after": '{"i": 1, "price": "1.00", "note": "naïve"}', "id": ids[1]})
    result = verify(runner)
    assert result.exit_code == 1 and f"event #{ids[1]} (test.event" in result.output


def test_verify_names_a_deleted_event(app, runner):
    ids = events(5)
    seal()
    with triggers_off():
        db.session.execute(text("DELETE FROM event_seals WHERE event_id = :id"), {"id": ids[3]})
        db.session.execute(text("DELETE FROM events WHERE id = :id"), {"id": ids[3]})
    result = verify(runner)
    assert result.exit_code == 1
    assert f"event #{ids[3]} is missing" in result.output


def test_verify_names_a_changed_seal(app, runner):
    ids = events(4)
    seal()
    with triggers_off():
        db.session.execute(text("UPDATE event_seals SET chain_hash = :h WHERE event_id = :id"),
                           {"h": "f" * 64, "id": ids[1]})
    result = verify(runner)
    assert result.exit_code == 1
    assert f"the seal of event #{ids[1]} (test.event" in result.output and "changed" in result.output


def test_verify_names_an_event_slipped_in_among_the_sealed_ones(app, runner):
    first = events(1)[0]
    with frozen_clock(utcnow() - timedelta(hours=1)):
        db.session.add(Event(id=first + 10, kind="test.event", summary="later"))
        db.session.flush()
        db.session.commit()
    if db.engine.dialect.name == "postgresql":  # ids given by hand: the sequence moves past them
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), :v)"), {"v": first + 10})
        db.session.commit()
    seal()
    with frozen_clock(utcnow() - timedelta(hours=1)):
        db.session.add(Event(id=first + 5, kind="test.forged", summary="backdated"))
        db.session.flush()
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"event #{first + 5} (test.forged" in result.output and "not in the sealed chain" in result.output


def test_seal_command_seals_everything_due(app, runner):
    events(3)
    result = runner.invoke(args=["audit", "seal", "--settle", "0"])
    assert result.exit_code == 0 and "Sealed 3 event(s)." in result.output
    assert verify(runner).exit_code == 0
