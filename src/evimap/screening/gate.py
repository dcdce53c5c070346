"""Stage gates: the screened units may not change under the reviewers' feet.

Once records are assigned for screening, a dedup run, a merge confirmed from the dedup queue,
an undo of dedup, or applying the removal rules would change which records are screening units
(:mod:`evimap.screening.units`). Those verbs call :func:`refuse_unless_forced` first and are
refused unless forced. Forced, they call :func:`move_to_units` in the same transaction, after
the change: every active assignment on a record that is no longer a unit is deactivated, and

- when the record was merged into another (the kept record of its cluster), its assignments,
  its reviewers' current decisions, its arbiter's settlement, its notes and its full-text status
  move to the kept record, wherever the kept record does not already have its own (the kept
  record's own screening stands);
- when the record was removed before screening, its screening simply stops counting.

Nothing is deleted: moved decisions, settlements and notes are new rows, each logged as the usual
``screen.decision`` (``action = "move"``), ``screen.settle``, ``screen.note`` / ``screen.tags``
and ``fulltext.*`` events (so ``evimap verify`` can replay them), and one
``screen.move`` event names every record moved or voided, so the PRISMA counts replayed from the
log and the tables agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from evimap.dedup import state as dedup_state
from evimap.errors import StageLocked
from evimap.screening import ledger, locks, units
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    NoteRow,
    SettlementRow,
)


def assignments_in_use(session: Session) -> dict[str, int]:
    """Active assignments per stage (empty when screening has not started)."""
    query = (
        select(AssignmentRow.stage, func.count())
        .where(AssignmentRow.active.is_(True))
        .group_by(AssignmentRow.stage)
    )
    return {stage: n for stage, n in session.execute(query)}


def assigned_record_ids(session: Session) -> set[int]:
    """Records with an active assignment at any stage."""
    query = select(AssignmentRow.record_id).where(AssignmentRow.active.is_(True))
    return set(session.scalars(query))


def refuse_unless_forced(session: Session, what: str, force: bool) -> None:
    """Raise :class:`~evimap.errors.StageLocked` when records are assigned and not ``force``.

    :param session: the caller's session.
    :param what: the change, for the message (``"re-running dedup"``).
    :param force: the caller's ``force`` flag.
    """
    if force:
        return
    used = assignments_in_use(session)
    if used:
        counts = ", ".join(f"{n} at {stage}" for stage, n in sorted(used.items()))
        raise StageLocked(
            f"records are assigned for screening ({counts}); {what} would change which records "
            "are screened. Use --force (force=True) to do it anyway: each record's assignments, "
            "decisions and settlement move to the record kept for it, and the log says so"
        )


@dataclass
class MoveSummary:
    """What :func:`move_to_units` moved: records whose screening moved to a kept record, and
    records whose screening stopped counting (removed before screening)."""

    moved: list[dict[str, Any]] = field(default_factory=list)
    voided: list[dict[str, Any]] = field(default_factory=list)
    decisions: int = 0
    settlements: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "moved": self.moved,
            "voided": self.voided,
            "decisions": self.decisions,
            "settlements": self.settlements,
        }


def move_to_units(session: Session, *, actor: str, cause: str) -> MoveSummary:
    """Move screening off records that stopped being units (see the module docstring).

    :param session: the transaction of the change that moved the units.
    :param actor: who forced the change.
    :param cause: the change (``dedup.run``, ``dedup.undo``, ``dedup.merge``,
        ``removals.apply``).
    """
    summary = MoveSummary()
    locks.lock_all(session)
    unit_set = set(units.unit_ids(session))
    stale = [
        row
        for row in session.scalars(
            select(AssignmentRow).where(AssignmentRow.active.is_(True)).order_by(AssignmentRow.id)
        )
        if row.record_id not in unit_set
    ]
    if not stale:
        return summary
    kept_of = dedup_state.unit_of_records(session)
    assigned: dict[str, dict[str, list[int]]] = {}
    unassigned: dict[str, dict[str, list[int]]] = {}
    by_record: dict[tuple[str, int], list[AssignmentRow]] = {}
    for row in stale:
        by_record.setdefault((row.stage, row.record_id), []).append(row)
    for (stage, old), rows in sorted(by_record.items()):
        target = kept_of.get(old)
        if target not in unit_set:
            target = None
        session.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id.in_([r.id for r in rows]))
            .values(active=False)
        )
        for row in rows:
            unassigned.setdefault(stage, {}).setdefault(row.reviewer, []).append(old)
        if target is None:
            summary.voided.append({"stage": stage, "record_id": old})
            continue
        holders = set(ledger.assignments(session, stage).get(target, []))
        new_rows = [
            {
                "stage": stage,
                "record_id": target,
                "reviewer": r.reviewer,
                "round": r.round,
                "position": r.position,
            }
            for r in rows
            if r.reviewer not in holders
        ]
        session.flush()
        ledger.add_assignments(session, new_rows)
        for r in new_rows:
            assigned.setdefault(stage, {}).setdefault(r["reviewer"], []).append(target)
        moved = _move_screening(session, stage, old, target, [r.reviewer for r in rows], actor)
        summary.decisions += moved["decisions"]
        summary.settlements += moved["settlements"]
        summary.moved.append({"stage": stage, "from": old, "to": target, **moved})
    _move_fulltext(session, summary.moved, actor)
    EventLog.append(
        session,
        Kind.SCREEN_MOVE,
        actor=actor,
        subject=cause,
        why=f"{cause} changed the screened records after assignment (forced)",
        counts={
            "moved": len(summary.moved),
            "voided": len(summary.voided),
            "decisions": summary.decisions,
            "settlements": summary.settlements,
        },
        details={
            "cause": cause,
            "moves": [{k: m[k] for k in ("stage", "from", "to")} for m in summary.moved],
            "voided": summary.voided,
            "assigned": assigned,
            "unassigned": unassigned,
        },
    )
    return summary


def _move_screening(
    session: Session, stage: str, old: int, target: int, reviewers: list[str], actor: str
) -> dict[str, int]:
    """Copy ``old``'s current decisions (per reviewer), settlement and notes at ``stage`` to
    ``target`` where ``target`` has none of its own."""
    decisions = 0
    for reviewer in reviewers:
        row = ledger.current_row(session, stage, old, reviewer)
        if row is None or not row.decision:
            continue
        held = ledger.current_row(session, stage, target, reviewer)
        if held is not None and held.decision:
            continue
        new = DecisionRow(
            stage=stage,
            record_id=target,
            reviewer=reviewer,
            action="move",
            decision=row.decision,
            reason=row.reason,
            supersedes_id=held.id if held else None,
        )
        session.add(new)
        session.flush()
        EventLog.append(
            session,
            Kind.SCREEN_DECISION,
            actor=reviewer,
            subject=f"record:{target}",
            why=row.reason,
            counts={"decisions": 1},
            details={
                "stage": stage,
                "record_id": target,
                "decision": row.decision,
                "reason": row.reason,
                "decision_id": new.id,
                "action": "move",
                "moved_from": old,
                "by": actor,
            },
        )
        decisions += 1
    settlements = 0
    settled = ledger.arbiter_settlements(session, stage)
    if old in settled and target not in settled:
        source = settled[old]
        previous = session.scalars(
            select(SettlementRow.id)
            .where(SettlementRow.stage == stage, SettlementRow.record_id == target)
            .order_by(SettlementRow.id.desc())
            .limit(1)
        ).first()
        new_settlement = SettlementRow(
            stage=stage,
            record_id=target,
            decision=source.decision,
            reason=source.reason,
            why=f"{source.why} (moved from record {old})",
            arbiter=source.arbiter,
            supersedes_id=previous,
        )
        session.add(new_settlement)
        session.flush()
        EventLog.append(
            session,
            Kind.SCREEN_SETTLE,
            actor=source.arbiter,
            subject=f"record:{target}",
            why=new_settlement.why,
            counts={"settled": 1},
            details={
                "stage": stage,
                "record_id": target,
                "decision": source.decision,
                "reason": source.reason,
                "settlement_id": new_settlement.id,
                "moved_from": old,
                "by": actor,
            },
        )
        settlements += 1
    for note in ledger.notes(session, stage, old):
        copy = NoteRow(
            stage=stage,
            record_id=target,
            reviewer=note.reviewer,
            kind=note.kind,
            text=note.text,
            tags=list(note.tags),
        )
        session.add(copy)
        session.flush()
        EventLog.append(
            session,
            Kind.SCREEN_TAGS if note.kind == "tags" else Kind.SCREEN_NOTE,
            actor=note.reviewer,
            subject=f"record:{target}",
            details={
                "stage": stage,
                "record_id": target,
                "text": copy.text,
                "tags": list(copy.tags),
                "note_id": copy.id,
                "moved_from": old,
                "by": actor,
            },
        )
    return {"decisions": decisions, "settlements": settlements}


def _move_fulltext(session: Session, moves: list[dict[str, Any]], actor: str) -> None:
    status = ledger.fulltext_status(session)
    done: set[int] = set()
    for move in moves:
        old, target = move["from"], move["to"]
        if old not in status or target in status or target in done:
            continue
        source = status[old]
        row = FulltextRow(
            record_id=target,
            status=source.status,
            sha256=source.sha256,
            path=source.path,
            original_name=source.original_name,
            size=source.size,
            why=source.why,
            actor=actor,
        )
        session.add(row)
        session.flush()
        done.add(target)
        EventLog.append(
            session,
            Kind.FULLTEXT_ATTACH if source.status == "attached" else Kind.FULLTEXT_NOT_RETRIEVED,
            actor=actor,
            subject=f"record:{target}",
            why=source.why,
            details={
                "record_id": target,
                "moved_from": old,
                "path": source.path,
                "sha256": source.sha256,
                "original_name": source.original_name,
                "size": source.size,
                "fulltext_id": row.id,
            },
        )
