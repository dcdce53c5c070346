"""Conflicts and arbitration: reviewers who differ (maybe counts) and the arbiter's settlement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.members import Action, Member
from evimap.protocol.screening import STAGES
from evimap.screening import ledger, locks, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import InvalidDecision, NotPermitted, ScreeningError
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models_screening import SettlementRow


def conflicts(session: Session, config: ScreeningConfig, stage: str) -> list[ledger.UnitState]:
    """Records in conflict at ``stage``, in record order (no blindness: callers check roles)."""
    states = ledger.stage_states(session, config, stage)
    return [states[rid] for rid in sorted(states) if states[rid].status == "conflict"]


def conflict_rows(session: Session, config: ScreeningConfig, stage: str) -> list[dict]:
    """:func:`conflicts` with each record's title and each reviewer's call (no blindness:
    callers check roles)."""
    found = conflicts(session, config, stage)
    calls = ledger.current_decisions(session, stage, [s.record_id for s in found])
    records = units.unit_records(session, [s.record_id for s in found])
    out = []
    for s in found:
        mine = {name: calls[(s.record_id, name)] for name in s.reviewers}
        out.append(
            {
                "record_id": s.record_id,
                "title": records[s.record_id].title,
                "conflict": s.conflict,
                "calls": {
                    name: c.decision + (f" ({c.reason})" if c.reason else "")
                    for name, c in mine.items()
                },
            }
        )
    return out


def settle(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    record_id: int,
    decision: str,
    *,
    member: Member,
    why: str,
    reason: str = "",
    batch: str = "",
) -> ledger.UnitState:
    """Settle a record at ``stage`` with the arbiter's decision and reason.

    :param decision: ``include`` or ``exclude`` (``maybe`` at title/abstract when
        ``maybe_advances``: it sends the record on to full text).
    :param why: the arbiter's reason in words (required).
    :param reason: the exclusion criterion code (required to exclude where the stage says so).
    :param batch: the decisions import this settlement belongs to (for its undo).
    :raises NotPermitted: unless ``member`` is an arbiter or owner.
    """
    if not member.may(Action.SETTLE):
        raise NotPermitted(f"{member.name} is a reviewer; only an arbiter or owner settles records")
    arbiter = member.name
    allowed = ["include", "exclude"]
    if stage == STAGES[0] and config.settings.maybe_advances:
        allowed.append("maybe")
    if decision not in allowed:
        raise InvalidDecision(f"a settlement at {stage} is one of {', '.join(allowed)}")
    config.check_decision(stage, decision, reason)
    if not why.strip():
        raise InvalidDecision("say why the record is settled this way (--why)")
    locks.lock_record(session, stage, record_id)
    state = ledger.record_state(session, config, stage, record_id)
    if not state.reviewers:
        raise ScreeningError(f"record {record_id} is not assigned at {stage}")
    previous = session.scalars(
        select(SettlementRow.id)
        .where(SettlementRow.stage == stage, SettlementRow.record_id == record_id)
        .order_by(SettlementRow.id.desc())
        .limit(1)
    ).first()
    row = SettlementRow(
        stage=stage,
        record_id=record_id,
        decision=decision,
        reason=reason,
        why=why.strip(),
        arbiter=arbiter,
        supersedes_id=previous,
    )
    session.add(row)
    session.flush()
    EventLog.append(
        session,
        Kind.SCREEN_SETTLE,
        actor=arbiter,
        subject=f"record:{record_id}",
        why=why.strip(),
        counts={"settled": 1},
        details={
            "stage": stage,
            "record_id": record_id,
            "decision": decision,
            "reason": reason,
            "was": state.status,
            "conflict": state.conflict,
            "settlement_id": row.id,
            **({"batch": batch} if batch else {}),
        },
    )
    return ledger.record_state(session, config, stage, record_id)


def withdraw(
    session: Session, stage: str, row: SettlementRow, *, actor: str, why: str
) -> SettlementRow:
    """Take back settlement ``row``: append a row restoring the settlement it superseded, or
    none (decision ``""``), logged as ``screen.settle`` with ``withdrawn``; the caller checked
    that ``actor`` may."""
    before = session.get(SettlementRow, row.supersedes_id) if row.supersedes_id else None
    new = SettlementRow(
        stage=stage,
        record_id=row.record_id,
        decision=before.decision if before else "",
        reason=before.reason if before else "",
        why=why,
        arbiter=actor,
        supersedes_id=row.id,
    )
    session.add(new)
    session.flush()
    EventLog.append(
        session,
        Kind.SCREEN_SETTLE,
        actor=actor,
        subject=f"record:{row.record_id}",
        why=why,
        counts={"withdrawn": 1},
        details={
            "stage": stage,
            "record_id": row.record_id,
            "decision": new.decision,
            "reason": new.reason,
            "withdrawn": row.id,
            "settlement_id": new.id,
        },
    )
    return new
