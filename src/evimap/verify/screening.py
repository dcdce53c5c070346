"""Replaying screening events against the screening tables.

- ``screen.decision`` / ``screen.undo`` -> ``screening_decisions`` (each event names its row;
  a row supersedes the previous row of its reviewer and record, so a fork shows);
- ``screen.settle`` -> ``screening_settlements`` (likewise one chain per record);
- ``screen.assign`` / ``screen.import`` / ``screen.move`` -> ``screening_assignments`` (the
  records given to each reviewer, and which of them still count after a forced move);
- ``screen.note`` / ``screen.tags`` -> ``screening_notes``;
- ``fulltext.attach`` / ``fulltext.not_retrieved`` -> ``screening_fulltext``;
- ``team.sync`` -> ``screening_reviewers`` (the team, each member's role, and who is active).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.store.events import Event
from evimap.store.kinds import Kind
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    NoteRow,
    ReviewerRow,
    SettlementRow,
)
from evimap.verify.base import Mismatch, Removals, Verification, compare_rows, of_kinds


def _columns(row, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _chains(expected: dict[int, tuple[int, dict[str, Any]]], keys: tuple[str, ...]) -> None:
    """Fill in ``supersedes_id``: the previous row (by id) of the same chain."""
    previous: dict[tuple, int] = {}
    for row_id in sorted(expected):
        values = expected[row_id][1]
        chain = tuple(values[k] for k in keys)
        values["supersedes_id"] = previous.get(chain)
        previous[chain] = row_id


_DECISION = (
    "stage",
    "record_id",
    "reviewer",
    "action",
    "decision",
    "reason",
    "supersedes_id",
    "reverts_id",
)


def check_decisions(session: Session, events: list[Event], result: Verification) -> None:
    """Every decision row has its event, agrees with it, and supersedes its chain's previous
    row (a reviewer's decisions on a record form one history)."""
    expected: dict[int, tuple[int, dict[str, Any]]] = {}
    for event in of_kinds(events, "screen.decision", "screen.undo"):
        d = event.details
        undo = event.kind == "screen.undo"
        expected[int(d["decision_id"])] = (
            event.id,
            {
                "stage": d["stage"],
                "record_id": d["record_id"],
                "reviewer": event.actor,
                "action": "undo" if undo else d.get("action", "decide"),
                "decision": d["decision"],
                "reason": d["reason"],
                "reverts_id": d.get("reverts") if undo else None,
            },
        )
    _chains(expected, ("stage", "record_id", "reviewer"))
    expected = Removals(events).keep(expected, lambda _key, v: v[1]["record_id"])
    actual = {row.id: _columns(row, _DECISION) for row in session.scalars(select(DecisionRow))}
    compare_rows(
        result,
        DecisionRow.__tablename__,
        actual,
        expected,
        lambda r: (
            f"{r['reviewer']}'s {r['decision'] or 'undecided'} on record {r['record_id']} "
            f"at {r['stage']}"
        ),
        "screen.decision",
    )


_SETTLEMENT = ("stage", "record_id", "decision", "reason", "why", "arbiter", "supersedes_id")


def check_settlements(session: Session, events: list[Event], result: Verification) -> None:
    """Every settlement row has its ``screen.settle`` event and agrees with it."""
    expected: dict[int, tuple[int, dict[str, Any]]] = {}
    for event in of_kinds(events, "screen.settle"):
        d = event.details
        expected[int(d["settlement_id"])] = (
            event.id,
            {
                "stage": d["stage"],
                "record_id": d["record_id"],
                "decision": d["decision"],
                "reason": d["reason"],
                "why": event.why,
                "arbiter": event.actor,
            },
        )
    _chains(expected, ("stage", "record_id"))
    expected = Removals(events).keep(expected, lambda _key, v: v[1]["record_id"])
    actual = {row.id: _columns(row, _SETTLEMENT) for row in session.scalars(select(SettlementRow))}
    compare_rows(
        result,
        SettlementRow.__tablename__,
        actual,
        expected,
        lambda r: f"{r['arbiter']}'s settlement of record {r['record_id']} at {r['stage']}",
        "screen.settle",
    )


def _per_reviewer(by_stage: dict | None):
    """``(stage, record id, reviewer)`` of a ``{stage: {reviewer: [record ids]}}`` detail."""
    for stage, per in (by_stage or {}).items():
        for reviewer, record_ids in per.items():
            for record_id in record_ids:
                yield stage, int(record_id), reviewer


def check_assignments(session: Session, events: list[Event], result: Verification) -> None:
    """The assignments are exactly those the ``screen.assign`` and ``screen.import`` events
    gave (stage, record, reviewer and round), and those a forced move (``screen.move``) gave to
    the kept records; the ones a move took away are inactive."""
    given: dict[tuple[str, int, str], tuple[int, str]] = {}
    active: dict[tuple[str, int, str], bool] = {}
    for event in of_kinds(events, Kind.SCREEN_ASSIGN, Kind.SCREEN_IMPORT, Kind.SCREEN_MOVE):
        d = event.details
        if event.kind != Kind.SCREEN_MOVE:
            for reviewer, record_ids in (d.get("assigned") or {}).items():
                for record_id in record_ids:
                    key = (d["stage"], int(record_id), reviewer)
                    given[key] = (event.id, d.get("round", "main"))
                    active[key] = True
            continue
        for key in _per_reviewer(d.get("unassigned")):
            active[key] = False
        sources: dict[tuple[str, int], list[int]] = {}
        for move in d.get("moves", []):
            sources.setdefault((move["stage"], int(move["to"])), []).append(int(move["from"]))
        for stage, record_id, reviewer in _per_reviewer(d.get("assigned")):
            rounds = [
                given[(stage, old, reviewer)][1]
                for old in sources.get((stage, record_id), [])
                if (stage, old, reviewer) in given
            ]
            key = (stage, record_id, reviewer)
            given[key] = (event.id, rounds[0] if rounds else "main")
            active[key] = True
    given = Removals(events).keep(given, lambda key, _v: key[1])
    table = AssignmentRow.__tablename__
    rows = session.execute(
        select(
            AssignmentRow.id,
            AssignmentRow.stage,
            AssignmentRow.record_id,
            AssignmentRow.reviewer,
            AssignmentRow.round,
            AssignmentRow.active,
        ).order_by(AssignmentRow.id)
    ).all()
    result.rows[table] = len(rows)
    newest: dict[tuple[str, int, str], tuple[int, bool]] = {}
    for row_id, stage, record_id, reviewer, round_, is_active in rows:
        key = (stage, record_id, reviewer)
        newest[key] = (row_id, bool(is_active))
        if key not in given:
            result.problems.append(
                Mismatch(
                    table,
                    row_id,
                    None,
                    f"record {record_id} assigned to {reviewer} at {stage} has no screen.assign "
                    "event: it was written outside evimap",
                )
            )
        elif given[key][1] != round_:
            result.problems.append(
                Mismatch(
                    table,
                    row_id,
                    given[key][0],
                    f"round is {round_!r} but the log says {given[key][1]!r}",
                )
            )
    for key, (row_id, is_active) in sorted(newest.items(), key=lambda kv: kv[1][0]):
        if key in active and active[key] != is_active:
            result.problems.append(
                Mismatch(
                    table,
                    row_id,
                    given[key][0],
                    f"active is {is_active} but the log says {active[key]}",
                )
            )
    for key in sorted(set(given) - set(newest)):
        stage, record_id, reviewer = key
        result.problems.append(
            Mismatch(
                table,
                None,
                given[key][0],
                f"the log assigns record {record_id} to {reviewer} at {stage}; the table does not",
            )
        )


def check_team(session: Session, events: list[Event], result: Verification) -> None:
    """The team in ``screening_reviewers`` (names, roles, who is active) is the one the
    ``team.sync`` events left."""
    want: dict[str, dict[str, Any]] = {}
    last: dict[str, int] = {}
    for event in of_kinds(events, Kind.TEAM_SYNC):
        d = event.details
        for member in d.get("added", []):
            want[member["name"]] = {"role": member["role"], "active": True}
            last[member["name"]] = event.id
        for name in d.get("returned", []):
            want.setdefault(name, {"role": "reviewer"})["active"] = True
            last[name] = event.id
        for change in d.get("role_changed", []):
            want.setdefault(change["name"], {"active": True})["role"] = change["to"]
            last[change["name"]] = event.id
        for name in d.get("removed", []):
            want.setdefault(name, {"role": "reviewer"})["active"] = False
            last[name] = event.id
    table = ReviewerRow.__tablename__
    rows = session.execute(
        select(ReviewerRow.id, ReviewerRow.name, ReviewerRow.role, ReviewerRow.active)
    ).all()
    result.rows[table] = len(rows)
    seen: set[str] = set()
    for row_id, name, role, is_active in rows:
        seen.add(name)
        if name not in want:
            result.problems.append(
                Mismatch(table, row_id, None, f"member {name} ({role}) has no team.sync event")
            )
            continue
        for column, got in (("role", role), ("active", bool(is_active))):
            if want[name][column] != got:
                result.problems.append(
                    Mismatch(
                        table,
                        row_id,
                        last[name],
                        f"{name}'s {column} is {got!r} but the log says {want[name][column]!r}",
                    )
                )
    for name in sorted(set(want) - seen):
        result.problems.append(
            Mismatch(
                table, None, last[name], f"the log adds {name} to the team; the table does not"
            )
        )


def _by_id_or_order(
    events: list[Event],
    id_key: str,
    row_ids: list[int],
    values,
) -> tuple[dict[int, tuple[int, dict[str, Any]]], int]:
    """Expected rows of a table whose events name their row (``id_key``), or, for events
    written before they did, the rows in the same order as the events; returns the expected
    rows and how many were matched by order."""
    expected: dict[int, tuple[int, dict[str, Any]]] = {}
    unnamed: list[Event] = []
    for event in events:
        if id_key in event.details:
            expected[int(event.details[id_key])] = (event.id, values(event))
        else:
            unnamed.append(event)
    spare = [r for r in row_ids if r not in expected]
    for event, row_id in zip(unnamed, spare, strict=False):
        expected[row_id] = (event.id, values(event))
    for event in unnamed[len(spare) :]:
        expected[-event.id] = (event.id, values(event))  # a row is missing: no id to give it
    return expected, len(unnamed)


def check_notes(session: Session, events: list[Event], result: Verification) -> None:
    """Every note and tag row has its ``screen.note`` / ``screen.tags`` event."""
    rows = list(session.scalars(select(NoteRow).order_by(NoteRow.id)))
    expected, by_order = _by_id_or_order(
        of_kinds(events, "screen.note", "screen.tags"),
        "note_id",
        [r.id for r in rows],
        lambda e: {
            "stage": e.details["stage"],
            "record_id": e.details["record_id"],
            "reviewer": e.actor,
            "kind": e.kind.removeprefix("screen."),
            "text": e.details.get("text", ""),
            "tags": e.details.get("tags", []),
        },
    )
    if by_order:
        result.unchecked.append(
            f"{by_order} screen.note/tags events predate note ids; matched to rows in order"
        )
    expected = Removals(events).keep(expected, lambda _key, v: v[1]["record_id"])
    actual = {
        r.id: _columns(r, ("stage", "record_id", "reviewer", "kind", "text", "tags")) for r in rows
    }
    compare_rows(
        result,
        NoteRow.__tablename__,
        actual,
        expected,
        lambda r: f"{r['reviewer']}'s {r['kind']} on record {r['record_id']}",
        "screen.note",
    )


def check_fulltext(session: Session, events: list[Event], result: Verification) -> None:
    """Every full-text row (attached or not retrieved) has its event and agrees with it."""
    rows = list(session.scalars(select(FulltextRow).order_by(FulltextRow.id)))

    def values(event: Event) -> dict[str, Any]:
        d = event.details
        if event.kind == "fulltext.attach":
            return {
                "record_id": d["record_id"],
                "status": "attached",
                "sha256": d.get("sha256"),
                "path": d.get("path"),
                "size": d.get("size"),
                "actor": event.actor,
            }
        return {
            "record_id": d["record_id"],
            "status": "not_retrieved",
            "why": event.why,
            "actor": event.actor,
        }

    expected, by_order = _by_id_or_order(
        of_kinds(events, "fulltext.attach", "fulltext.not_retrieved"),
        "fulltext_id",
        [r.id for r in rows],
        values,
    )
    if by_order:
        result.unchecked.append(
            f"{by_order} fulltext events predate full-text row ids; matched to rows in order"
        )
    expected = Removals(events).keep(expected, lambda _key, v: v[1]["record_id"])
    actual = {
        r.id: _columns(r, ("record_id", "status", "sha256", "path", "size", "why", "actor"))
        for r in rows
    }
    compare_rows(
        result,
        FulltextRow.__tablename__,
        actual,
        expected,
        lambda r: f"full text of record {r['record_id']} ({r['status']})",
        "fulltext.attach",
    )


CHECKS = (
    (check_decisions, (Kind.SCREEN_DECISION, Kind.SCREEN_UNDO)),
    (check_settlements, (Kind.SCREEN_SETTLE,)),
    (check_assignments, (Kind.SCREEN_ASSIGN, Kind.SCREEN_IMPORT, Kind.SCREEN_MOVE)),
    (check_notes, (Kind.SCREEN_NOTE, Kind.SCREEN_TAGS)),
    (check_fulltext, (Kind.FULLTEXT_ATTACH, Kind.FULLTEXT_NOT_RETRIEVED)),
    (check_team, (Kind.TEAM_SYNC,)),
)
"""Each check with the event kinds it replays."""
