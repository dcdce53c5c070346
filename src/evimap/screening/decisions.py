"""Recording decisions, undos, notes and tags. Append-only: nothing is ever updated or deleted.

Each function works in the caller's transaction; the component gives every single decision its
own committed transaction, so a crash between two decisions loses neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evimap.members import Action, Member
from evimap.protocol.screening import STAGES
from evimap.screening import ledger, locks
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import InvalidDecision, NotAssigned, RecordSettled, ScreeningError
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import EventRow, utcnow
from evimap.store.models_screening import DecisionRow, NoteRow


@dataclass(frozen=True)
class Recorded:
    """A decision row as written: what the reviewer now holds on the record."""

    id: int
    stage: str
    record_id: int
    reviewer: str
    decision: str
    reason: str
    action: str


_INSERT_DECISION = insert(DecisionRow).returning(DecisionRow.id)
"""A decision row (prebuilt: a decision is the web app's most frequent write)."""


def _check_open(
    session: Session, config: ScreeningConfig, stage: str, record_id: int, member: Member
) -> None:
    """The record is assigned to ``member`` at ``stage``, not settled, and (at full text) its
    report was not marked not retrieved, and the stage is open."""
    member.require(Action.SCREEN)
    config.check_open(stage)
    state = ledger.record_state(session, config, stage, record_id)
    if member.name not in state.reviewers:  # its active assignments
        raise NotAssigned(f"record {record_id} is not assigned to {member.name} at {stage}")
    if state.status == "settled":
        raise RecordSettled(
            f"record {record_id} is settled at {stage}; only an arbiter can change it now"
        )
    if stage == STAGES[1]:
        status = ledger.fulltext_status(session).get(record_id)
        if status is not None and status.status == "not_retrieved":
            raise ScreeningError(f"the report of record {record_id} was marked not retrieved")


def record_decision(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    record_id: int,
    decision: str,
    *,
    member: Member,
    reason: str = "",
    action: str = "decide",
) -> Recorded:
    """Append ``member``'s decision on a record, with its event, in the caller's transaction.

    :raises InvalidDecision: for an option, reason or stage the protocol does not offer.
    :raises NotAssigned, RecordSettled: when the record is not the member's to decide.
    """
    config.check_decision(stage, decision, reason)
    reviewer = member.name
    locks.lock_unit(session, stage, record_id, reviewer)
    _check_open(session, config, stage, record_id, member)
    previous = ledger.current_row_id(session, stage, record_id, reviewer)
    row_id = (
        ledger.core(session)
        .execute(
            _INSERT_DECISION,
            {
                "stage": stage,
                "record_id": record_id,
                "reviewer": reviewer,
                "action": action,
                "decision": decision,
                "reason": reason,
                "supersedes_id": previous,
                "reverts_id": None,
                "at": utcnow(),
            },
        )
        .scalar_one()
    )
    EventLog.append(
        session,
        Kind.SCREEN_DECISION,
        actor=reviewer,
        subject=f"record:{record_id}",
        why=reason,
        counts={"decisions": 1},
        details={
            "stage": stage,
            "record_id": record_id,
            "decision": decision,
            "reason": reason,
            "decision_id": row_id,
            "action": action,
        },
    )
    return Recorded(row_id, stage, record_id, reviewer, decision, reason, action)


def record_batch(
    session: Session,
    stage: str,
    reviewer: str,
    decisions: dict[int, tuple[str, str]],
    *,
    action: str = "import",
) -> list[int]:
    """Append many decisions of one reviewer in one go, each with its ``screen.decision`` event,
    in the caller's transaction (a decisions file is one transaction).

    The caller has validated them (options, reasons, assignment, not settled): this is the
    bulk twin of :func:`record_decision`, which would cost a few queries per row.
    :param decisions: ``record_id -> (decision, reason)``.
    :returns: the ids of the rows written, in ``decisions`` order.
    """
    if not decisions:
        return []
    locks.lock_reviewer(session, stage, reviewer)
    latest = dict(
        session.execute(
            select(DecisionRow.record_id, func.max(DecisionRow.id))
            .where(DecisionRow.stage == stage, DecisionRow.reviewer == reviewer)
            .group_by(DecisionRow.record_id)
        ).all()
    )
    rows = [
        {
            "stage": stage,
            "record_id": rid,
            "reviewer": reviewer,
            "action": action,
            "decision": decision,
            "reason": reason,
            "supersedes_id": latest.get(rid),
            "reverts_id": None,
            "at": utcnow(),
        }
        for rid, (decision, reason) in decisions.items()
    ]
    written = (
        session.execute(
            insert(DecisionRow).returning(DecisionRow.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    session.execute(
        insert(EventRow),
        [
            {
                "at": row["at"],
                "actor": reviewer,
                "kind": Kind.SCREEN_DECISION.value,
                "subject": f"record:{row['record_id']}",
                "why": row["reason"],
                "counts": {"decisions": 1},
                "details": {
                    "stage": stage,
                    "record_id": row["record_id"],
                    "decision": row["decision"],
                    "reason": row["reason"],
                    "decision_id": decision_id,
                    "action": action,
                },
            }
            for row, decision_id in zip(rows, written, strict=True)
        ],
    )
    return list(written)


def undo_last(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    *,
    member: Member,
    record_id: int | None = None,
) -> Recorded:
    """Revert ``member``'s most recent decision not yet undone (on ``record_id`` if given).

    The undo is a new row restoring the state before that decision; repeated undos walk back
    through the member's decisions.
    :raises ScreeningError: when there is nothing to undo.
    """
    config.stage(stage)
    reviewer = member.name
    held: set[int] = set()
    if record_id is not None:
        locks.lock_unit(session, stage, record_id, reviewer)
        held.add(record_id)
    target = _undo_target(session, stage, reviewer, record_id)
    while target is not None and target.record_id not in held:
        # lock the record, then look again: another undo may have taken this one meanwhile
        locks.lock_unit(session, stage, target.record_id, reviewer)
        held.add(target.record_id)
        target = _undo_target(session, stage, reviewer, record_id)
    if target is None:
        raise ScreeningError(f"{reviewer} has no decision to undo at {stage}")
    _check_open(session, config, stage, target.record_id, member)
    return revert(session, stage, target, actor=reviewer)


def revert(session: Session, stage: str, target: DecisionRow, *, actor: str) -> Recorded:
    """Append an undo row restoring the state before decision row ``target`` (logged as
    ``screen.undo`` by ``actor``), in the caller's transaction; the caller checked it may."""
    reviewer = target.reviewer
    before = session.get(DecisionRow, target.supersedes_id) if target.supersedes_id else None
    current = ledger.current_row(session, stage, target.record_id, reviewer)
    row = DecisionRow(
        stage=stage,
        record_id=target.record_id,
        reviewer=reviewer,
        action="undo",
        decision=before.decision if before else "",
        reason=before.reason if before else "",
        supersedes_id=current.id if current else None,
        reverts_id=target.id,
    )
    session.add(row)
    session.flush()
    EventLog.append(
        session,
        Kind.SCREEN_UNDO,
        actor=reviewer,
        subject=f"record:{target.record_id}",
        counts={"undone": 1},
        details={
            "stage": stage,
            "record_id": target.record_id,
            "decision": row.decision,
            "reason": row.reason,
            "decision_id": row.id,
            "reverts": target.id,
            **({"by": actor} if actor != reviewer else {}),
        },
    )
    return Recorded(row.id, stage, target.record_id, reviewer, row.decision, row.reason, "undo")


def _undo_target(
    session: Session, stage: str, reviewer: str, record_id: int | None
) -> DecisionRow | None:
    """The reviewer's newest decision not yet undone (on ``record_id`` if given)."""
    query = select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.reviewer == reviewer)
    if record_id is not None:
        query = query.where(DecisionRow.record_id == record_id)
    rows = list(session.scalars(query.order_by(DecisionRow.id.desc())))
    reverted = {r.reverts_id for r in rows if r.action == "undo"}
    return next((r for r in rows if r.action != "undo" and r.id not in reverted), None)


def add_note(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    record_id: int,
    *,
    member: Member,
    text: str = "",
    tags: list[str] | None = None,
) -> int:
    """Append a note (``text``) or a new tag set (``tags``) of ``member`` on a record.

    Notes and tags are as private as decisions while the stage is blind.
    """
    config.stage(stage)
    reviewer = member.name
    if tags is None and not text.strip():
        raise InvalidDecision("a note needs some text")
    assigned = ledger.is_assigned(session, stage, record_id, reviewer)
    if not member.privileged and not assigned:
        raise NotAssigned(f"record {record_id} is not assigned to {reviewer} at {stage}")
    if not assigned and not ledger.record_state(session, config, stage, record_id).reviewers:
        raise ScreeningError(f"record {record_id} is not screened at {stage}")
    kind = "tags" if tags is not None else "note"
    clean = sorted({t.strip() for t in tags or [] if t.strip()})
    row = NoteRow(
        stage=stage,
        record_id=record_id,
        reviewer=reviewer,
        kind=kind,
        text=text.strip(),
        tags=clean,
    )
    session.add(row)
    session.flush()
    EventLog.append(
        session,
        Kind.SCREEN_TAGS if kind == "tags" else Kind.SCREEN_NOTE,
        actor=reviewer,
        subject=f"record:{record_id}",
        details={
            "stage": stage,
            "record_id": record_id,
            "text": row.text,
            "tags": clean,
            "note_id": row.id,
        },
    )
    return row.id
