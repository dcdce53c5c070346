"""What each person may see: THE blindness rule, applied in the core to every read.

While a stage is blind, a reviewer sees only their own decisions, notes and tags on a record
until it is settled; owners and arbiters see everything; no one (``viewer=None``) sees what a
reviewer with no decisions of their own would see: nobody's unsettled decisions or notes. Every
public read of screening state goes through the functions here, each taking the viewer (a
:class:`~evimap.members.Member` or ``None``), so the terminal, the web app and notebooks get the
same rule. Unsettled records show a blind viewer ``pending`` (never ``conflict``, which would
tell them the other reviewer differs).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from evimap.members import Member, name_of
from evimap.records import Record
from evimap.screening import ledger, units
from evimap.screening.columns import DECISION_COLUMNS  # noqa: F401  (the export's columns)
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import InvalidDecision, NotPermitted
from evimap.screening.highlight import Span, highlight
from evimap.store.events import Event, EventLog, _aware
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    SettlementRow,
)

Viewer = Member | None
"""Who reads: a member, or ``None`` for no one."""


@dataclass(frozen=True)
class Call:
    """One reviewer's decision as shown to a viewer."""

    reviewer: str
    decision: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Note:
    """A note or tag set as shown to a viewer."""

    reviewer: str
    kind: str
    text: str
    tags: list[str]
    at: datetime


@dataclass(frozen=True)
class RecordView:
    """A record at a stage as one viewer may see it.

    ``others_hidden`` is True when other reviewers' calls, notes and tags are withheld.
    """

    stage: str
    record_id: int
    record: Record
    status: str
    mine: Call | None
    others: list[Call]
    notes: list[Note]
    my_tags: list[str]
    settlement: ledger.Settlement | None
    others_hidden: bool
    highlights: dict[str, list[Span]] = field(default_factory=dict)
    fulltext: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["record"] = {
            "title": self.record.title,
            "abstract": self.record.abstract,
            "year": self.record.year,
            "doi": self.record.doi,
            "source_title": self.record.source_title,
        }
        return data


def sees_everything(config: ScreeningConfig, stage: str, viewer: Viewer) -> bool:
    """True when ``viewer`` sees every reviewer's calls at ``stage`` whatever the record's state:
    an owner or arbiter, or anyone (no one included) when the stage is not blind."""
    if not config.stage(stage).blind:
        return True
    return viewer is not None and viewer.privileged


def sees_others(config: ScreeningConfig, state: ledger.UnitState, viewer: Viewer) -> bool:
    """THE rule: may ``viewer`` see other reviewers' calls, notes and tags on this record?"""
    return sees_everything(config, state.stage, viewer) or state.status == "settled"


def require_overview(config: ScreeningConfig, stage: str, viewer: Viewer, what: str) -> None:
    """Raise :class:`NotPermitted` unless ``viewer`` may see all reviewers' calls at ``stage``."""
    if not sees_everything(config, stage, viewer):
        who = viewer.name if viewer is not None else "anyone who does not say who they are"
        raise NotPermitted(
            f"{what} at {stage} would show reviewers' decisions, which stay hidden from "
            f"{who} while the stage is blind; ask an arbiter or owner"
        )


def shown_status(config: ScreeningConfig, state: ledger.UnitState, viewer: Viewer) -> str:
    """The status a viewer is told: a blind reviewer never learns of a conflict."""
    if state.status == "conflict" and not sees_everything(config, state.stage, viewer):
        return "pending"
    return state.status


def record_view(
    session: Session, config: ScreeningConfig, stage: str, record_id: int, viewer: Viewer
) -> RecordView:
    """One record at ``stage`` as ``viewer`` may see it, with keyword highlights."""
    config.stage(stage)
    me = name_of(viewer)
    state = ledger.record_state(session, config, stage, record_id)
    records = units.unit_records(session, [record_id])
    if record_id not in records:
        raise NotPermitted(f"no record {record_id}")
    record = records[record_id]
    visible = sees_others(config, state, viewer)
    calls = ledger.current_decisions(session, stage, [record_id])
    mine = calls.get((record_id, me)) if me else None
    others = [c for (rid, who), c in sorted(calls.items()) if who != me] if visible else []
    notes = [
        Note(n.reviewer, n.kind, n.text, list(n.tags), _aware(n.at))
        for n in ledger.notes(session, stage, record_id)
        if visible or (me is not None and n.reviewer == me)
    ]
    my_tags = next(
        (n.tags for n in reversed(notes) if n.kind == "tags" and me and n.reviewer == me), []
    )
    words = config.settings.highlight
    fulltext = ledger.fulltext_status(session).get(record_id)
    return RecordView(
        stage=stage,
        record_id=record_id,
        record=record,
        status=shown_status(config, state, viewer),
        mine=_call(mine),
        others=[_call(c) for c in others],
        notes=notes,
        my_tags=list(my_tags),
        settlement=state.settlement if state.status == "settled" else None,
        others_hidden=not visible,
        highlights={
            "title": highlight(record.title, words.include, words.exclude),
            "abstract": highlight(record.abstract, words.include, words.exclude),
        },
        fulltext=None
        if fulltext is None
        else {
            "status": fulltext.status,
            "path": fulltext.path,
            "sha256": fulltext.sha256,
            "why": fulltext.why,
        },
    )


def _call(decision: ledger.Decision | None) -> Call | None:
    if decision is None:
        return None
    return Call(decision.reviewer, decision.decision, decision.reason, decision.at)


def queue(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    *,
    todo_only: bool = True,
    order: Callable[..., list[int]] | None = None,
) -> list[int]:
    """Record ids assigned to ``viewer`` at ``stage`` in queue order (pilot first); by default
    only those still to decide. ``order`` (prioritisation's hook,
    ``order(session, stage, viewer, ids, first=pilot_ids)``) reorders the records after the
    pilot round: the newest ranking learned from the viewer's own decisions. With
    ``todo_only=False``, every assigned record in assignment order (:func:`served` gives the
    order a reviewer is served them).

    A record the viewer has not decided cannot be settled by agreement (that needs every
    assigned reviewer's call), so "to decide" is: not decided by the viewer, not settled by an
    arbiter, and (at full text) not marked not retrieved. This reads only the viewer's own
    decisions, which keeps the terminal screen fast on large reviews.
    """
    config.stage(stage)
    name = viewer.name
    mine = ledger.assigned_to(session, stage, name)
    if not todo_only:
        return [rid for rid, _ in mine]
    decided = {rid for rid, _ in ledger.current_decisions(session, stage, reviewer=name)}
    return ordered_todo(session, stage, name, mine, decided, order)


@dataclass(frozen=True)
class Served:
    """A reviewer's records at a stage as they are served.

    :param order: every record assigned to the reviewer, in the order they are served them.
    :param todo: the records still to decide, in the order the queue serves them (the same
        order: ``todo`` is ``order`` without the decided and closed records).
    """

    order: list[int]
    todo: list[int]


def served(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    *,
    order: Callable[..., list[int]] | None = None,
) -> Served:
    """``viewer``'s records at ``stage`` in the order they are served them, the order a
    screen's position, back and forward walk (:mod:`evimap.screening.navigation`):

    - without prioritisation (``order`` None), the assignment order, decided or not;
    - with it, the records the viewer has decided, in the order they decided them (each keeps
      the place where it left the queue, :func:`ledger.decided_since`), then the queue still
      to decide as :func:`queue` serves it, then the records closed without the viewer's
      decision (settled by an arbiter, at full text not retrieved) in assignment order.

    Reads only the viewer's own decisions and the settlements (seen by all), and ``order``
    reads only the viewer's own ranking: a co-reviewer's unsettled decisions never move it.

    :param order: prioritisation's hook (as :func:`queue` takes it); None: assignment order.
    """
    config.stage(stage)
    name = viewer.name
    mine = ledger.assigned_to(session, stage, name)
    if order is None:
        decided = {rid for rid, _ in ledger.current_decisions(session, stage, reviewer=name)}
        todo = ordered_todo(session, stage, name, mine, decided)
        return Served([rid for rid, _ in mine], todo)
    since = ledger.decided_since(session, stage, name)
    todo = ordered_todo(session, stage, name, mine, set(since), order)
    open_ = set(todo)
    done = sorted((rid for rid, _ in mine if rid in since), key=since.__getitem__)
    closed = [rid for rid, _ in mine if rid not in since and rid not in open_]
    return Served(done + todo + closed, todo)


def closed_to_reviewers(session: Session, stage: str) -> set[int]:
    """Records no reviewer decides any more at ``stage``, whoever has decided them: settled by
    an arbiter, or (at full text) marked not retrieved. Public: settled is seen by all."""
    blocked = set(ledger.arbiter_settlements(session, stage))
    if stage == "full_text":
        blocked |= {
            r for r, row in ledger.fulltext_status(session).items() if row.status == "not_retrieved"
        }
    return blocked


def ordered_todo(
    session: Session,
    stage: str,
    name: str,
    mine: list[tuple[int, str]],
    decided: set[int],
    order: Callable[..., list[int]] | None = None,
) -> list[int]:
    """The records of ``mine`` (``(record_id, round)`` in assignment order) still to decide
    by reviewer ``name``, who has decided ``decided``: in assignment order, or as ``order``
    puts them after the pilot round (see :func:`queue`)."""
    blocked = closed_to_reviewers(session, stage)
    todo = [rid for rid, _ in mine if rid not in decided and rid not in blocked]
    if order is None:
        return todo
    return order(session, stage, name, todo, first=[r for r, round_ in mine if round_ == "pilot"])


def _open_query(full_text: bool):
    """The records still to decide, as :func:`queue` filters them (active assignments of
    ``reviewer`` at ``stage``, no live decision of theirs, no standing settlement, at full text
    not marked not retrieved), as one statement of bound parameters."""
    stage, name = bindparam("stage"), bindparam("reviewer")
    rid = AssignmentRow.record_id
    newer = aliased(DecisionRow)
    latest = (
        select(func.max(newer.id))
        .where(newer.stage == stage, newer.record_id == rid, newer.reviewer == name)
        .correlate(AssignmentRow)
        .scalar_subquery()
    )
    decided = exists().where(DecisionRow.id == latest, DecisionRow.decision != "")
    newest = aliased(SettlementRow)
    settlement = (
        select(func.max(newest.id))
        .where(newest.stage == stage, newest.record_id == rid)
        .correlate(AssignmentRow)
        .scalar_subquery()
    )
    settled = exists().where(SettlementRow.id == settlement, SettlementRow.decision != "")
    query = select(rid).where(
        AssignmentRow.stage == stage,
        AssignmentRow.reviewer == name,
        AssignmentRow.active.is_(True),
        ~decided,
        ~settled,
    )
    if full_text:
        row = aliased(FulltextRow)
        newest_file = (
            select(func.max(row.id))
            .where(row.record_id == rid)
            .correlate(AssignmentRow)
            .scalar_subquery()
        )
        query = query.where(
            ~exists().where(FulltextRow.id == newest_file, FulltextRow.status == "not_retrieved")
        )
    return query


def _next_todo_query(full_text: bool, walk: str = "start"):
    """The statement of :func:`next_todo`, built once per kind of stage and walk (its values
    are bound parameters: ``stage``, ``reviewer``, ``skip``; after a record, its queue key
    ``round``, ``position``, ``id``; in one round, ``round``).

    :param walk: ``start`` (from the queue's start), ``same_round`` (after a queue key, in its
        round), ``later_rounds`` (the rounds after that key's) or ``in_round`` (from the start
        of one round).
    """
    query = _open_query(full_text).where(AssignmentRow.record_id != bindparam("skip"))
    if walk == "same_round":
        query = query.where(
            AssignmentRow.round == bindparam("round"),
            tuple_(AssignmentRow.position, AssignmentRow.id)
            > tuple_(bindparam("position"), bindparam("id")),
        )
    elif walk == "later_rounds":
        query = query.where(AssignmentRow.round < bindparam("round"))  # rounds run DESC
    elif walk == "in_round":
        query = query.where(AssignmentRow.round == bindparam("round"))
    # the queue's order: index ix_screening_assignments_queue, so the walk stops at the first
    # open record (no sort of the reviewer's whole queue)
    return query.order_by(
        AssignmentRow.round.desc(), AssignmentRow.position, AssignmentRow.id
    ).limit(1)


_WALKS = ("start", "same_round", "later_rounds", "in_round")
_NEXT_TODO = {
    (full_text, walk): _next_todo_query(full_text, walk)
    for full_text in (False, True)
    for walk in _WALKS
}
_OPEN_AMONG = {
    full_text: _open_query(full_text).where(
        AssignmentRow.record_id.in_(bindparam("ids", expanding=True))
    )
    for full_text in (False, True)
}
_QUEUE_KEY = select(AssignmentRow.round, AssignmentRow.position, AssignmentRow.id).where(
    AssignmentRow.stage == bindparam("stage"),
    AssignmentRow.reviewer == bindparam("reviewer"),
    AssignmentRow.record_id == bindparam("record_id"),
    AssignmentRow.active.is_(True),
)


def next_todo(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    *,
    skip: int | None = None,
    after: int | None = None,
    in_round: str | None = None,
) -> int | None:
    """The first record of ``viewer``'s queue still to decide (as :func:`queue` orders and
    filters it: active assignments, no live decision of the viewer, no standing settlement,
    at full text not marked not retrieved), other than ``skip``; with ``after``, the first
    such record after that one in the queue, or past the queue's end the first from its
    start (a reviewer moving on from the record they just decided); with ``in_round``, the
    first in that round only (``pilot``), or None.

    Indexed queries that walk the queue in order and stop at the first open record. From the
    start, the walk passes every record already decided, so a reviewer's thousandth decision
    would cost a walk over a thousand; from the record just decided it is usually one step.
    """
    config.stage(stage)
    full_text = stage == "full_text"
    connection = ledger.core(session)
    params: dict[str, Any] = {
        "stage": stage,
        "reviewer": viewer.name,
        "skip": 0 if skip is None else skip,
    }
    if in_round is not None:
        params["round"] = in_round
        return connection.execute(_NEXT_TODO[full_text, "in_round"], params).scalar()
    if after is not None:
        key = connection.execute(_QUEUE_KEY, {**params, "record_id": after}).first()
        if key is not None:
            params.update(round=key.round, position=key.position, id=key.id)
            for walk in ("same_round", "later_rounds"):
                found = connection.execute(_NEXT_TODO[full_text, walk], params).scalar()
                if found is not None:
                    return found
    return connection.execute(_NEXT_TODO[full_text, "start"], params).scalar()


MAX_CHUNK = 1024
"""The most record ids :func:`first_open` binds in one query (SQLite and PostgreSQL limit a
statement's parameters)."""


def first_open(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    candidates: Iterable[int],
    *,
    skip: int | None = None,
    chunk: int = 32,
) -> int | None:
    """The first of ``candidates`` (in their order) that ``viewer`` still has to decide (as
    :func:`queue` filters), other than ``skip``; or None. Reads the candidates in chunks that
    double in size, one indexed query each, so a ranking whose first records are open costs
    one small query and a stale one a few.

    :param candidates: record ids in the order to try them (repeats and records not assigned
        to the viewer are passed over).
    :param chunk: the first chunk's size (chunks grow to at most :data:`MAX_CHUNK`).
    """
    config.stage(stage)
    statement = _OPEN_AMONG[stage == "full_text"]
    connection = ledger.core(session)
    params: dict[str, Any] = {"stage": stage, "reviewer": viewer.name}
    batch: list[int] = []
    for rid in itertools.chain(candidates, [None]):
        if rid is not None and rid != skip:
            batch.append(rid)
        if batch and (len(batch) >= chunk or rid is None):
            found = set(connection.execute(statement, {**params, "ids": batch}).scalars())
            first = next((r for r in batch if r in found), None)
            if first is not None:
                return first
            batch, chunk = [], min(chunk * 2, MAX_CHUNK)
    return None


def next_in_order(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    lead: Callable[[Session, str, str], Iterable[int]],
    *,
    skip: int | None = None,
) -> int | None:
    """``queue(..., order=...)[0]`` other than ``skip``, without reading the whole queue:
    the first open record of the pilot round, else the first open one among ``lead``
    (prioritisation's hook, ``lead(session, stage, viewer)``: the records its ``order`` puts
    first after the pilot, in that order), else the first open one in assignment order (the
    records ``order`` leaves in that order at the end).

    :param lead: the leading records of the ordered queue (they may repeat or be closed).
    :param skip: a record to pass over (the one just decided).
    """
    found = next_todo(session, config, stage, viewer, skip=skip, in_round="pilot")
    if found is None:
        leading = lead(session, stage, viewer.name)
        found = first_open(session, config, stage, viewer, leading, skip=skip)
    if found is None:
        found = next_todo(session, config, stage, viewer, skip=skip)
    return found


MY_FILTERS = ("all", "todo", "decided", "include", "exclude", "maybe", "settled")
"""What :func:`my_records` can show."""


def _matches(record: Record, words: list[str]) -> bool:
    haystack = " ".join(
        [
            record.title,
            record.abstract,
            record.source_title,
            " ".join(record.keywords),
            " ".join(a.display() for a in record.authors),
        ]
    ).lower()
    return all(w in haystack for w in words)


def my_records(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Viewer,
    *,
    text: str = "",
    show: str = "all",
    limit: int = 200,
    order: Callable[..., list[int]] | None = None,
) -> dict[str, Any]:
    """The viewer's assigned records at ``stage`` in the order they are served them
    (:func:`served`; ``order`` is prioritisation's hook), filtered by ``show`` (see
    :data:`MY_FILTERS`) and by ``text`` (every word in title, abstract, journal, keywords or
    authors), with the viewer's own decision and the status the viewer may be told (no one
    has no records)."""
    config.stage(stage)
    if show not in MY_FILTERS:
        raise InvalidDecision(f"show one of {', '.join(MY_FILTERS)}, not {show!r}")
    if viewer is None:
        return {"stage": stage, "show": show, "text": text, "total": 0, "rows": []}
    me = viewer.name
    mine = served(session, config, stage, viewer, order=order)
    calls = ledger.current_decisions(session, stage, reviewer=me)
    states = ledger.stage_states(session, config, stage)
    todo = set(mine.todo)

    def kept(rid: int) -> bool:
        call = calls.get((rid, me))
        if show == "todo":
            return rid in todo
        if show == "decided":
            return call is not None
        if show in ("include", "exclude", "maybe"):
            return call is not None and call.decision == show
        if show == "settled":
            return states[rid].status == "settled"
        return True

    wanted = [rid for rid in mine.order if kept(rid)]
    words = text.lower().split()
    rows: list[dict[str, Any]] = []
    total = 0
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        records = units.unit_records(session, chunk)
        for rid in chunk:
            record = records.get(rid)
            if record is None or (words and not _matches(record, words)):
                continue
            total += 1
            if len(rows) >= limit:
                continue
            call = calls.get((rid, me))
            rows.append(
                {
                    "record_id": rid,
                    "title": record.title,
                    "year": record.year,
                    "authors": "; ".join(a.display() for a in record.authors[:3]),
                    "source_title": record.source_title,
                    "decision": call.decision if call else "",
                    "reason": call.reason if call else "",
                    "status": shown_status(config, states[rid], viewer),
                    "todo": rid in todo,
                }
            )
        if not words and len(rows) >= limit:
            total = len(wanted)
            break
    return {"stage": stage, "show": show, "text": text, "total": total, "rows": rows}


def progress(
    session: Session, config: ScreeningConfig, stage: str, viewer: Viewer
) -> dict[str, Any]:
    """How far ``viewer`` is at ``stage`` (nothing of their own for no one), and how many of the
    stage's records are settled; owners and arbiters (or anyone when not blind) also get the
    team's progress and the stage's pending / conflict counts."""
    config.stage(stage)
    me = name_of(viewer)
    mine = [rid for rid, _ in ledger.assigned_to(session, stage, me)] if me else []
    decided = ledger.current_decisions(session, stage)
    states = ledger.stage_states(session, config, stage, decided)
    done = sum(1 for rid in mine if (rid, me) in decided)
    settled_mine = sum(1 for rid in mine if states[rid].status == "settled")
    settled = sum(1 for s in states.values() if s.status == "settled")
    out: dict[str, Any] = {
        "stage": stage,
        "reviewer": me,
        "assigned": len(mine),
        "decided": done,
        "settled": settled_mine,
        "to_do": len(queue(session, config, stage, viewer)) if viewer is not None else 0,
        "records": len(states),
        "records_settled": settled,
        "records_unsettled": len(states) - settled,
    }
    if sees_everything(config, stage, viewer):
        assigned = ledger.assignments(session, stage)
        team: dict[str, dict[str, int]] = {}
        for rid, names in assigned.items():
            for name in names:
                entry = team.setdefault(name, {"assigned": 0, "decided": 0})
                entry["assigned"] += 1
                entry["decided"] += (rid, name) in decided
        out["team"] = team
        for status in ("pending", "conflict"):
            out[f"records_{status}"] = sum(1 for s in states.values() if s.status == status)
    return out


def visible_decisions(
    session: Session, config: ScreeningConfig, stage: str, viewer: Viewer
) -> list[dict[str, Any]]:
    """Every current decision at ``stage`` that ``viewer`` may see, one row each, in record
    order: the viewer's own, and others' on settled records (or all, for owners and arbiters);
    then each arbiter's settlement (``kind = settlement``, with who made it and why), which
    is settled and so seen by everyone."""
    config.stage(stage)
    me = name_of(viewer)
    roles = {m.name: m.role for m in config.settings.reviewers}
    calls = ledger.current_decisions(session, stage)
    everything = sees_everything(config, stage, viewer)
    states = ledger.stage_states(session, config, stage)
    keep = [
        c
        for key, c in sorted(calls.items())
        if everything or c.reviewer == me or states[key[0]].status == "settled"
    ]
    settlements = [
        s.settlement
        for rid, s in sorted(states.items())
        if s.status == "settled" and s.settlement is not None and s.settlement.by == "arbiter"
    ]
    settled_at = {r.record_id: r.at for r in ledger.arbiter_settlements(session, stage).values()}
    records = units.unit_records(
        session, {c.record_id for c in keep} | {s.record_id for s in settlements}
    )

    def row(rid: int, who: str, kind: str, decision: str, reason: str, why: str, at) -> dict:
        record = records[rid]
        return {
            "record_id": rid,
            "source_record_id": record.source_record_id,
            "doi": record.doi,
            "title": record.title,
            "year": record.year,
            "stage": stage,
            "reviewer": who,
            "role": roles.get(who, ""),
            "kind": kind,
            "decision": decision,
            "reason": reason,
            "why": why,
            "at": _aware(at).isoformat() if at is not None else "",
        }

    rows = [
        row(c.record_id, c.reviewer, "decision", c.decision, c.reason, "", c.at)
        for c in keep
        if c.record_id in records
    ]
    rows += [
        row(
            s.record_id,
            s.arbiter,
            "settlement",
            s.decision,
            s.reason,
            s.why,
            settled_at.get(s.record_id),
        )
        for s in settlements
        if s.record_id in records
    ]
    return rows


def history(
    session: Session, config: ScreeningConfig, stage: str, record_id: int, viewer: Viewer
) -> list[dict[str, Any]]:
    """Every decision row (undos and changed minds included) on a record that ``viewer`` may
    see, oldest first."""
    config.stage(stage)
    me = name_of(viewer)
    state = ledger.record_state(session, config, stage, record_id)
    visible = sees_others(config, state, viewer)
    rows = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.stage == stage, DecisionRow.record_id == record_id)
        .order_by(DecisionRow.id)
    )
    return [
        {
            "id": r.id,
            "stage": stage,
            "record_id": record_id,
            "reviewer": r.reviewer,
            "action": r.action,
            "decision": r.decision,
            "reason": r.reason,
            "at": _aware(r.at).isoformat(),
        }
        for r in rows
        if visible or (me is not None and r.reviewer == me)
    ]


SCREENING_EVENTS = ("screen.decision", "screen.undo", "screen.note", "screen.tags")
PRIVATE_BATCHES = ("screen.import", "screen.import_undo")


def visible_events(session: Session, config: ScreeningConfig, viewer: Viewer) -> list[Event]:
    """The screening and full-text events ``viewer`` may see: owners and arbiters see all; a
    reviewer (or no one) sees other reviewers' decisions, notes and tags only on records
    settled at that stage (or at a stage that is not blind), and not the pilot's agreement
    table."""
    events = [e for e in EventLog.read(session, prefix="screen.")]
    events += EventLog.read(session, prefix="fulltext.")
    events.sort(key=lambda e: e.id)
    if viewer is not None and viewer.privileged:
        return events
    me = name_of(viewer)
    states: dict[str, dict[int, ledger.UnitState]] = {}
    out = []
    for event in events:
        stage = event.details.get("stage", "")
        if event.kind in PRIVATE_BATCHES and event.actor != me and config.stage(stage).blind:
            continue
        if event.kind in SCREENING_EVENTS and event.actor != me and config.stage(stage).blind:
            if stage not in states:
                states[stage] = ledger.stage_states(session, config, stage)
            state = states[stage].get(event.details.get("record_id"))
            if state is None or state.status != "settled":
                continue
        if "pilot_agreement" in event.details and config.stage(stage).blind:
            # the pilot's agreement table, with one's own calls, can tell another's calls
            details = {k: v for k, v in event.details.items() if k != "pilot_agreement"}
            event = dataclasses.replace(event, details=details)
        out.append(event)
    return out
