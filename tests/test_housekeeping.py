"""The relay loop's housekeeping: each due task runs and commits on its own; one failing
task neither stops the others nor loses their work."""

from sqlalchemy import select

from app import housekeeping
from app.auth.models import User
from app.auth.services import create_user
from app.extensions import db


def test_a_failing_task_loses_nothing_of_the_others(app):
    def adds_a_user():
        create_user("kept", "long-enough-pass", ["sales"])
        return "added one"

    def fails():
        create_user("lost", "long-enough-pass", ["sales"])
        raise RuntimeError("boom")

    said = []
    with app.app_context():
        housekeeping.run_due(said.append, tasks=[("first", adds_a_user, 0), ("second", fails, 0)])
        db.session.remove()
        names = db.session.execute(select(User.username)).scalars().all()
    assert "kept" in names and "lost" not in names
    assert said == ["first: added one"]


def test_a_task_waits_for_its_interval(app):
    calls = []
    with app.app_context():
        for _ in range(3):
            housekeeping.run_due(lambda _line: None, tasks=[("hourly", lambda: calls.append(1), 3600)])
    assert len(calls) == 1
