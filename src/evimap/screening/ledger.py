"""Reading the current screening state from the append-only tables (no blindness here).

Internal to the package: every public read goes through :mod:`evimap.screening.view`, which
filters what a reviewer may see. Each function takes the caller's open session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from evimap.protocol.screening import STAGES
from evimap.screening.config import ScreeningConfig
from evimap.store.events import _aware
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    NoteRow,
    SettlementRow,
)


@dataclass(frozen=True)
class Decision:
    """A reviewer's current decision on a record at a stage."""

    id: int
    stage: str
    record_id: int
    reviewer: str
    decision: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Settlement:
    """How a record was settled at a stage: by the reviewers' agreement or by an arbiter."""

    stage: str
    record_id: int
    decision: str
    reason: str
    by: str
    """``agreement`` or ``arbiter``."""
    arbiter: str = ""
    why: str = ""


@dataclass(frozen=True)
class UnitState:
    """Where a record stands at a stage.

    ``status`` is ``pending`` (a reviewer has not decided), ``conflict`` (the reviewers differ,
    or one said maybe) or ``settled``.
    """

    stage: str
    record_id: int
    status: str
    reviewers: tuple[str, ...]
    settlement: Settlement | None = None
    conflict: str = ""
    """Why it is in conflict: ``decision``, ``maybe`` or ``reason``."""


def _latest_ids(model, stage: str | None, keys: tuple):
    query = select(func.max(model.id)).group_by(*keys)
    if stage is not None:
        query = query.where(model.stage == stage)
    return query


def current_decisions(
    session: Session,
    stage: str,
    record_ids: Iterable[int] | None = None,
    reviewer: str | None = None,
) -> dict[tuple[int, str], Decision]:
    """``(record_id, reviewer) -> Decision`` of every live (not undone) decision at ``stage``.

    A decision counts only while its record is actively assigned to its reviewer at the stage
    (a forced dedup or removal moves screening off records that stopped being units).
    Reads plain columns, not ORM objects: the terminal screen calls this after every key.
    """
    latest = select(func.max(DecisionRow.id).label("id")).where(DecisionRow.stage == stage)
    if record_ids is not None:
        latest = latest.where(DecisionRow.record_id.in_(list(record_ids)))
    if reviewer is not None:
        latest = latest.where(DecisionRow.reviewer == reviewer)
    latest = latest.group_by(DecisionRow.record_id, DecisionRow.reviewer).subquery()
    query = (
        select(
            DecisionRow.id,
            DecisionRow.record_id,
            DecisionRow.reviewer,
            DecisionRow.decision,
            DecisionRow.reason,
            DecisionRow.at,
        )
        .join(latest, DecisionRow.id == latest.c.id)
        .join(
            AssignmentRow,
            and_(
                AssignmentRow.stage == DecisionRow.stage,
                AssignmentRow.record_id == DecisionRow.record_id,
                AssignmentRow.reviewer == DecisionRow.reviewer,
                AssignmentRow.active.is_(True),
            ),
        )
    )
    out: dict[tuple[int, str], Decision] = {}
    for id_, record_id, reviewer, decision, reason, at in session.execute(query):
        if decision:
            out[(record_id, reviewer)] = Decision(
                id_, stage, record_id, reviewer, decision, reason, _aware(at)
            )
    return out


def current_row(session: Session, stage: str, record_id: int, reviewer: str) -> DecisionRow | None:
    """The newest decision row (possibly an undo back to undecided) of one reviewer, or None."""
    return session.scalars(
        select(DecisionRow)
        .where(
            DecisionRow.stage == stage,
            DecisionRow.record_id == record_id,
            DecisionRow.reviewer == reviewer,
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).first()


def assignments(session: Session, stage: str, round_: str | None = None) -> dict[int, list[str]]:
    """``record_id -> reviewers`` assigned at ``stage`` (optionally one round only)."""
    query = select(AssignmentRow.record_id, AssignmentRow.reviewer).where(
        AssignmentRow.stage == stage, AssignmentRow.active.is_(True)
    )
    if round_:
        query = query.where(AssignmentRow.round == round_)
    out: dict[int, list[str]] = {}
    for record_id, reviewer in session.execute(query.order_by(AssignmentRow.id)):
        out.setdefault(record_id, []).append(reviewer)
    return out


_ASSIGNED_TO = (
    select(AssignmentRow.record_id, AssignmentRow.round)
    .where(
        AssignmentRow.stage == bindparam("stage"),
        AssignmentRow.reviewer == bindparam("reviewer"),
        AssignmentRow.active.is_(True),
    )
    .order_by(AssignmentRow.round.desc(), AssignmentRow.position, AssignmentRow.id)
)


def assigned_to(session: Session, stage: str, reviewer: str) -> list[tuple[int, str]]:
    """``(record_id, round)`` of one reviewer's assignments, in queue order (one prebuilt
    statement: every screen reads a reviewer's whole assignment list)."""
    rows = core(session).execute(_ASSIGNED_TO, {"stage": stage, "reviewer": reviewer})
    return [(rid, round_) for rid, round_ in rows]


_DECISION_ROWS = (
    select(DecisionRow.id, DecisionRow.record_id, DecisionRow.decision)
    .where(DecisionRow.stage == bindparam("stage"), DecisionRow.reviewer == bindparam("reviewer"))
    .order_by(DecisionRow.id)
)


def decided_since(session: Session, stage: str, reviewer: str) -> dict[int, int]:
    """``record_id -> row id`` for each record ``reviewer`` has a live decision on at
    ``stage``: the row that took the record out of their queue, i.e. the first of the unbroken
    run of decided rows that ends at the current one. A changed mind (or an undo back to an
    earlier decision) continues the run, so the record keeps its place; an undo back to
    undecided ends it, and a new decision starts a new run. Records whose assignment is no
    longer active are included (callers keep the reviewer's own assigned records).

    :param session: an open session.
    :param stage: the stage.
    :param reviewer: whose decisions (only theirs are read).
    """
    since: dict[int, int] = {}
    rows = core(session).execute(_DECISION_ROWS, {"stage": stage, "reviewer": reviewer})
    for id_, record_id, decision in rows:
        if not decision:
            since.pop(record_id, None)
        elif record_id not in since:
            since[record_id] = id_
    return since


def is_assigned(session: Session, stage: str, record_id: int, reviewer: str) -> bool:
    """Whether ``record_id`` is actively assigned to ``reviewer`` at ``stage``."""
    return (
        session.scalar(
            select(AssignmentRow.id).where(
                AssignmentRow.stage == stage,
                AssignmentRow.record_id == record_id,
                AssignmentRow.reviewer == reviewer,
                AssignmentRow.active.is_(True),
            )
        )
        is not None
    )


def add_assignments(session: Session, rows: list[dict]) -> None:
    """Insert assignment rows (``stage``, ``record_id``, ``reviewer``, ``round``,
    ``position``); a row deactivated by an earlier move is reactivated instead of inserted
    twice."""
    if not rows:
        return
    keys = {(r["stage"], r["record_id"], r["reviewer"]) for r in rows}
    stages = {k[0] for k in keys}
    inactive = {
        (stage, rid, name): id_
        for id_, stage, rid, name in session.execute(
            select(
                AssignmentRow.id,
                AssignmentRow.stage,
                AssignmentRow.record_id,
                AssignmentRow.reviewer,
            ).where(AssignmentRow.stage.in_(stages), AssignmentRow.active.is_(False))
        )
        if (stage, rid, name) in keys
    }
    fresh = [r for r in rows if (r["stage"], r["record_id"], r["reviewer"]) not in inactive]
    for row in rows:
        id_ = inactive.get((row["stage"], row["record_id"], row["reviewer"]))
        if id_ is not None:
            session.execute(
                update(AssignmentRow)
                .where(AssignmentRow.id == id_)
                .values(active=True, round=row["round"], position=row["position"])
            )
    if fresh:
        session.execute(insert(AssignmentRow), [{**r, "active": True} for r in fresh])


def arbiter_settlements(session: Session, stage: str) -> dict[int, SettlementRow]:
    """``record_id -> newest settlement row`` at ``stage`` (a withdrawn settlement, decision
    ``""``, is none)."""
    latest = _latest_ids(SettlementRow, stage, (SettlementRow.record_id,))
    return {
        r.record_id: r
        for r in session.scalars(select(SettlementRow).where(SettlementRow.id.in_(latest)))
        if r.decision
    }


def fulltext_status(session: Session) -> dict[int, FulltextRow]:
    """``record_id -> newest full-text row`` (attached or not retrieved)."""
    latest = select(func.max(FulltextRow.id)).group_by(FulltextRow.record_id)
    return {
        r.record_id: r
        for r in session.scalars(select(FulltextRow).where(FulltextRow.id.in_(latest)))
    }


def notes(session: Session, stage: str, record_id: int) -> list[NoteRow]:
    """Every note and tag row on a record at a stage, oldest first."""
    return list(
        session.scalars(
            select(NoteRow)
            .where(NoteRow.stage == stage, NoteRow.record_id == record_id)
            .order_by(NoteRow.id)
        )
    )


def unit_state(
    config: ScreeningConfig,
    stage: str,
    record_id: int,
    reviewers: list[str],
    decided: dict[str, Decision],
    settlement: SettlementRow | Any | None,
) -> UnitState:
    """The status of one record from its assigned reviewers, their decisions and any settlement.

    Agreement settles a record when every assigned reviewer decided the same (include or
    exclude; where a reason is required to exclude, the same reason too); maybe is never
    agreement. An arbiter's settlement (anything with ``decision``, ``reason``, ``arbiter``
    and ``why``) overrides everything.
    """
    names = tuple(reviewers)
    if settlement is not None and settlement.decision:
        return UnitState(
            stage,
            record_id,
            "settled",
            names,
            Settlement(
                stage,
                record_id,
                settlement.decision,
                settlement.reason,
                "arbiter",
                settlement.arbiter,
                settlement.why,
            ),
        )
    calls = [decided[r] for r in reviewers if r in decided]
    if not reviewers or len(calls) < len(reviewers):
        return UnitState(stage, record_id, "pending", names)
    kinds = {c.decision for c in calls}
    if "maybe" in kinds:
        return UnitState(stage, record_id, "conflict", names, conflict="maybe")
    if len(kinds) > 1:
        return UnitState(stage, record_id, "conflict", names, conflict="decision")
    (decision,) = kinds
    reasons = {c.reason for c in calls}
    if decision == "exclude" and config.stage(stage).reason_required and len(reasons) > 1:
        return UnitState(stage, record_id, "conflict", names, conflict="reason")
    reason = calls[0].reason if len(reasons) == 1 else ""
    return UnitState(
        stage,
        record_id,
        "settled",
        names,
        Settlement(stage, record_id, decision, reason, "agreement"),
    )


def stage_states(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    decisions: dict[tuple[int, str], Decision] | None = None,
) -> dict[int, UnitState]:
    """The state of every assigned record at ``stage`` (``decisions``: the stage's current
    decisions when the caller already has them)."""
    assigned = assignments(session, stage)
    if decisions is None:
        decisions = current_decisions(session, stage)
    settled = arbiter_settlements(session, stage)
    by_record: dict[int, dict[str, Decision]] = {}
    for (record_id, reviewer), decision in decisions.items():
        by_record.setdefault(record_id, {})[reviewer] = decision
    return {
        rid: unit_state(config, stage, rid, names, by_record.get(rid, {}), settled.get(rid))
        for rid, names in assigned.items()
    }


def core(session: Session):
    """The connection of ``session``'s transaction, for prebuilt Core statements (after
    flushing anything the session holds, so they see it). A prebuilt statement executed on
    the connection costs a fraction of one built anew and run through the ORM session: the
    functions every decision calls use this."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def _unit_queries():
    stage, record_id = bindparam("stage"), bindparam("record_id")
    newer = aliased(DecisionRow)
    latest = (
        select(func.max(newer.id))
        .where(
            newer.stage == AssignmentRow.stage,
            newer.record_id == AssignmentRow.record_id,
            newer.reviewer == AssignmentRow.reviewer,
        )
        .correlate(AssignmentRow)
        .scalar_subquery()
    )
    calls = (
        select(
            AssignmentRow.reviewer,
            DecisionRow.id,
            DecisionRow.decision,
            DecisionRow.reason,
            DecisionRow.at,
        )
        .outerjoin(DecisionRow, DecisionRow.id == latest)
        .where(
            AssignmentRow.stage == stage,
            AssignmentRow.record_id == record_id,
            AssignmentRow.active.is_(True),
        )
        .order_by(AssignmentRow.id)
    )
    settlement = (
        select(
            SettlementRow.decision, SettlementRow.reason, SettlementRow.arbiter, SettlementRow.why
        )
        .where(SettlementRow.stage == stage, SettlementRow.record_id == record_id)
        .order_by(SettlementRow.id.desc())
        .limit(1)
    )
    newest = (
        select(DecisionRow.id)
        .where(
            DecisionRow.stage == stage,
            DecisionRow.record_id == record_id,
            DecisionRow.reviewer == bindparam("reviewer"),
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    )
    return calls, settlement, newest


_UNIT_CALLS, _UNIT_SETTLEMENT, _NEWEST_ROW = _unit_queries()


def record_state(
    session: Session, config: ScreeningConfig, stage: str, record_id: int
) -> UnitState:
    """The state of one record at ``stage`` (``pending`` with no reviewers if unassigned):
    its active assignments with each reviewer's live decision (as :func:`current_decisions`
    has them) and its newest settlement, in two prebuilt queries."""
    connection = core(session)
    params = {"stage": stage, "record_id": record_id}
    reviewers, decided = [], {}
    for reviewer, id_, decision, reason, at in connection.execute(_UNIT_CALLS, params):
        reviewers.append(reviewer)
        if decision:
            call = Decision(id_, stage, record_id, reviewer, decision, reason, _aware(at))
            decided[reviewer] = call
    latest = connection.execute(_UNIT_SETTLEMENT, params).first()
    return unit_state(config, stage, record_id, reviewers, decided, latest)


def current_row_id(session: Session, stage: str, record_id: int, reviewer: str) -> int | None:
    """The id of :func:`current_row` (one prebuilt query), or None."""
    params = {"stage": stage, "record_id": record_id, "reviewer": reviewer}
    return core(session).execute(_NEWEST_ROW, params).scalar()


def advances(config: ScreeningConfig, state: UnitState) -> bool:
    """True when a title/abstract state sends the record on to full text."""
    if state.status != "settled" or state.settlement is None:
        return False
    decision = state.settlement.decision
    return decision == "include" or (decision == "maybe" and config.settings.maybe_advances)


def stage_pool(
    session: Session, config: ScreeningConfig, stage: str, all_units: list[int]
) -> list[int]:
    """Records that enter ``stage``: every unit at title/abstract; at full text, those settled
    as include at title/abstract (or maybe, when ``maybe_advances``), whose report was not
    marked not retrieved."""
    if stage == STAGES[0]:
        return all_units
    states = stage_states(session, config, STAGES[0])
    missing = {
        rid for rid, row in fulltext_status(session).items() if row.status == "not_retrieved"
    }
    return [
        rid
        for rid in all_units
        if rid in states and advances(config, states[rid]) and rid not in missing
    ]
