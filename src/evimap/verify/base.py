"""What a replay of the log finds: disagreements with the tables, and what it could not check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from evimap.store.events import Event


@dataclass(frozen=True)
class Mismatch:
    """A table row that disagrees with the event log (or an event whose row is missing).

    :param table: the table.
    :param row_id: the row's id (``None`` when the row is missing or has no id of its own).
    :param event_id: the event the row should agree with (``None`` when the row has none).
    :param message: what disagrees, in words.
    """

    table: str
    row_id: int | None
    event_id: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "table": self.table,
            "row_id": self.row_id,
            "event_id": self.event_id,
            "message": self.message,
        }


@dataclass
class Verification:
    """The result of replaying the event log against the tables.

    :param events: events read.
    :param rows: rows compared, per table.
    :param problems: every disagreement found.
    :param unchecked: what could not be checked, and why (event kinds with no replay rule,
        events written before their details were replayable).
    """

    events: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Mismatch] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row checked agrees with the log."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "ok": self.ok,
            "events": self.events,
            "rows": dict(self.rows),
            "problems": [p.to_dict() for p in self.problems],
            "unchecked": list(self.unchecked),
        }


Check = Callable[[Session, list[Event], Verification], None]
"""A replay of some event kinds against their tables, adding to the verification."""


def of_kinds(events: Iterable[Event], *kinds: str) -> list[Event]:
    """The events of the given kinds, in log order."""
    wanted = {str(k) for k in kinds}
    return [e for e in events if e.kind in wanted]


def compare_rows(
    result: Verification,
    table: str,
    actual: dict[int, dict[str, Any]],
    expected: dict[int, tuple[int, dict[str, Any]]],
    describe: Callable[[dict[str, Any]], str],
    kind: str,
) -> None:
    """Compare rows by id: every row must have its event and agree with it field by field.

    :param result: where problems go.
    :param table: the table's name.
    :param actual: ``row id -> column values`` read from the table.
    :param expected: ``row id -> (event id, column values)`` replayed from the log.
    :param describe: a short description of a row (for rows with no event).
    :param kind: the event kind that writes the table (for messages).
    """
    result.rows[table] = result.rows.get(table, 0) + len(actual)
    for row_id, (event_id, want) in sorted(expected.items()):
        got = actual.get(row_id)
        if got is None:
            named = row_id > 0  # events written before they named their row get no id
            result.problems.append(
                Mismatch(
                    table,
                    row_id if named else None,
                    event_id,
                    f"the row the log wrote (id {row_id}) is not in {table}"
                    if named
                    else f"the row of event {event_id} is not in {table}",
                )
            )
            continue
        for column, value in want.items():
            if got.get(column) != value:
                result.problems.append(
                    Mismatch(
                        table,
                        row_id,
                        event_id,
                        f"{column} is {got.get(column)!r} but the log says {value!r}",
                    )
                )
    for row_id in sorted(set(actual) - set(expected)):
        result.problems.append(
            Mismatch(
                table,
                row_id,
                None,
                f"{describe(actual[row_id])} has no {kind} event: it was written outside evimap",
            )
        )


class Removals:
    """Records an ``imports.remove`` took out of the review, with the event that did it: the
    rows other events wrote about them are gone with them, by design."""

    def __init__(self, events: Iterable[Event]):
        self.at: dict[int, int] = {}
        for event in of_kinds(events, "imports.remove"):
            for record_id in event.details.get("record_ids", []):
                self.at[int(record_id)] = event.id

    def gone(self, record_id: Any, since: int) -> bool:
        """Whether the record was removed by an ``imports.remove`` logged after event ``since``
        (a record id reused by a later import is a new record)."""
        removed = self.at.get(int(record_id)) if record_id is not None else None
        return removed is not None and removed > since

    def keep(self, expected: dict, record_of: Callable[[Any, Any], Any]) -> dict:
        """``expected`` (key -> (event id, values)) without what a later removal took away."""
        return {
            key: value
            for key, value in expected.items()
            if not self.gone(record_of(key, value), value[0])
        }
