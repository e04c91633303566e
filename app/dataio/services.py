"""Checking a whole file (nothing written) and applying it all or nothing as one event."""

import hashlib
from dataclasses import dataclass, field

from app.dataio.customers import Customers
from app.dataio.files import BadFile, Problem, read_records
from app.dataio.kind import Kind, Row
from app.dataio.prices import Prices
from app.dataio.products import Products
from app.dataio.stock import Stock
from app.errors import Refusal
from app.events.services import record_event

KINDS: dict[str, Kind] = {k.name: k for k in (Products(), Customers(), Prices(), Stock())}


class ImportRefused(Refusal):
    """The file has problems, so nothing of it was written; `plan.problems` lists them all."""

    def __init__(self, plan: "Plan"):
        super().__init__(f"{plan.filename} was not imported: {len(plan.problems):,} problem(s), nothing written.")
        self.plan = plan


@dataclass
class Plan:
    """What a file would do: its rows (each new, changed or unchanged) or its problems."""

    kind: Kind
    filename: str
    sha256: str
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stored: object = None  # what the rows were compared with (the kind's `load`)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {"rows": len(self.rows), **{s: self.count(s) for s in ("new", "changed", "unchanged")}}

    def sample(self, size: int) -> list[Row]:
        """Up to `size` rows to show: those that do something (or are wrong) first."""
        return [r for r in self.rows if r.status != "unchanged"][:size] or self.rows[:size]

    def summary(self) -> str:
        c = self.counts
        return (f"{self.filename}: {c['new']:,} new, {c['changed']:,} changed, {c['unchanged']:,} unchanged "
                f"({c['rows']:,} rows)")


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise Refusal(f"Unknown kind of file “{name}”: choose one of {', '.join(KINDS)}.")
    return KINDS[name]


def check_file(kind_name: str, data: bytes, filename: str) -> Plan:
    """Read and check the whole file against the stored data; writes nothing."""
    kind = kind_of(kind_name)
    plan = Plan(kind, filename, hashlib.sha256(data).hexdigest())
    try:
        records = read_records(data, kind.columns)
    except BadFile as exc:
        plan.problems = exc.problems
        return plan
    for record in records:
        row, problems = kind.read(record.line, record.cells)
        plan.rows.append(row)
        plan.problems += [Problem(record.line, column, message) for column, message in problems]
    _check_rows(plan)
    return plan


def _check_rows(plan: Plan) -> None:
    kind = plan.kind
    readable = {r.line for r in plan.rows} - {p.line for p in plan.problems}
    rows = [r for r in plan.rows if r.line in readable]
    seen: dict[tuple, int] = {}
    stored = kind.load(rows)
    for row in rows:
        key = kind.key(row)
        problems = [(", ".join(kind.key_columns), f"the same as line {seen[key]}: each {_key_words(kind)} "
                                                   "may appear once")] if key in seen else kind.check(row, stored)
        seen.setdefault(key, row.line)
        plan.problems += [Problem(row.line, column, message) for column, message in problems]
        if not problems:
            row.changes = kind.compare(row, stored)
    bad = {p.line for p in plan.problems}
    for row in plan.rows:
        row.bad = row.line in bad
    plan.problems.sort()
    plan.stored = stored


def _key_words(kind: Kind) -> str:
    return " + ".join(kind.key_columns) if len(kind.key_columns) > 1 else kind.key_columns[0]


def apply_file(kind_name: str, data: bytes, filename: str, *, actor=None, dry_run: bool = False) -> Plan:
    """Check the file and, if every row is good, write it all (in bulk) and record one
    `import.applied` event; raise ImportRefused (nothing written) if any row is bad.
    Flushes; the caller commits (or, for a dry run, rolls back)."""
    plan = check_file(kind_name, data, filename)
    if not plan.ok:
        raise ImportRefused(plan)
    if dry_run:
        return plan
    plan.kind.write(plan.rows, plan.stored, actor_id=actor.id if actor is not None else None, filename=filename)
    record_event("import.applied", f"Imported {plan.summary()}", actor=actor,
                 after={"kind": plan.kind.name, "file": filename, "sha256": plan.sha256, **plan.counts})
    return plan
