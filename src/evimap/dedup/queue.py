"""The review queue: pairs scored in the band below the threshold, for a person to settle.

A reviewer confirms a pair (its two clusters merge) or rejects it (it never merges, nor comes
back after a rerun). Each decision is one transaction with its event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.dedup import state
from evimap.errors import EvimapError
from evimap.records import Record
from evimap.store import EventLog
from evimap.store.kinds import Kind
from evimap.store.models_dedup import DedupDecision, DedupMember, DedupPair
from evimap.store.records import iter_records

CONFIRM = "confirm"
REJECT = "reject"


class QueueError(EvimapError):
    """A queue pair does not exist or cannot be decided."""


@dataclass
class QueueItem:
    """A pair awaiting review, with both records; ``flag`` says why a pair that must not merge
    on its own is shown (``collection-doi``, ``pmid-conflict``, ``thesis-listing``; see
    :mod:`evimap.dedup.compat`)."""

    pair_id: int
    probability: float
    a: tuple[int, Record]
    b: tuple[int, Record]
    flag: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the pair."""

        def side(item: tuple[int, Record]) -> dict[str, Any]:
            rid, r = item
            return {
                "record_id": rid,
                "database": r.source_database,
                "source_record_id": r.source_record_id,
                "title": r.title,
                "authors": "; ".join(a.display() for a in r.authors[:3]),
                "year": r.year,
                "source_title": r.source_title,
                "volume": r.volume,
                "pages": r.pages,
                "doi": r.doi,
            }

        return {
            "pair_id": self.pair_id,
            "probability": round(self.probability, 4),
            "flag": self.flag,
            "a": side(self.a),
            "b": side(self.b),
        }


def decisions(session: Session) -> dict[tuple[int, int], str]:
    """The latest decision on each pair, keyed ``(smaller id, larger id)``."""
    out: dict[tuple[int, int], str] = {}
    for row in session.scalars(select(DedupDecision).order_by(DedupDecision.id)):
        out[tuple(sorted((row.record_a, row.record_b)))] = row.decision
    return out


def pending(session: Session) -> list[QueueItem]:
    """Queued pairs of the active run with no decision yet, whose records are still apart,
    most probable first."""
    run = state.active_run(session)
    if run is None:
        return []
    decided = decisions(session)
    cluster = dict(
        session.execute(
            select(DedupMember.record_id, DedupMember.cluster_id).where(
                DedupMember.run_id == run.id
            )
        ).all()
    )
    rows = session.scalars(
        select(DedupPair)
        .where(DedupPair.run_id == run.id, DedupPair.status == "queued")
        .order_by(DedupPair.probability.desc(), DedupPair.id)
    ).all()
    rows = [
        r
        for r in rows
        if tuple(sorted((r.record_a, r.record_b))) not in decided
        and cluster.get(r.record_a) != cluster.get(r.record_b)
    ]
    ids = {r.record_a for r in rows} | {r.record_b for r in rows}
    records = dict(iter_records(session, ids=ids)) if ids else {}
    return [
        QueueItem(
            r.id,
            r.probability,
            (r.record_a, records[r.record_a]),
            (r.record_b, records[r.record_b]),
            "" if r.rule == "splink" else r.rule,
        )
        for r in rows
    ]


def decide(
    session: Session,
    pair_id: int,
    decision: str,
    *,
    actor: str = "",
    why: str = "",
    database_order: Sequence[str] = (),
) -> dict[str, Any]:
    """Record a reviewer's decision on a queued pair; a confirmation merges the two clusters.

    :param session: the open transaction.
    :param pair_id: the pair's id in the queue.
    :param decision: ``confirm`` or ``reject``.
    :param actor: who decided.
    :param why: the reviewer's note.
    :param database_order: databases in the protocol's order (choosing the kept member).
    :returns: the event's counts (the state after the decision).
    """
    if decision not in (CONFIRM, REJECT):
        raise QueueError(f"decision must be {CONFIRM!r} or {REJECT!r}, not {decision!r}")
    pair = session.get(DedupPair, pair_id)
    run = state.active_run(session)
    if pair is None or run is None or pair.run_id != run.id:
        raise QueueError(
            f"no pair {pair_id} in the review queue; list it with `evimap dedup "
            "review REVIEW --list`"
        )
    session.add(
        DedupDecision(
            record_a=pair.record_a, record_b=pair.record_b, decision=decision, actor=actor, why=why
        )
    )
    details: dict[str, Any] = {
        "pair_id": pair_id,
        "records": [pair.record_a, pair.record_b],
        "probability": pair.probability,
    }
    if decision == CONFIRM:
        first = state.cluster_of_record(session, run.id, pair.record_a)
        second = state.cluster_of_record(session, run.id, pair.record_b)
        if first is not None and second is not None and first.id != second.id:
            moved = state.cluster_members(session, second.id)
            for member in session.scalars(
                select(DedupMember).where(DedupMember.cluster_id == second.id)
            ):
                member.cluster_id = first.id
            session.flush()
            state.drop_cluster(session, second.id)
            state.rewrite_cluster(
                session, first, state.cluster_members(session, first.id), database_order
            )
            details.update(
                {"cluster_id": first.id, "merged_cluster": second.id, "moved_records": moved}
            )
    pair.status = "confirmed" if decision == CONFIRM else "rejected"
    session.flush()
    counts = state.state(session)
    kind = Kind.DEDUP_MERGE if decision == CONFIRM else Kind.DEDUP_REJECT
    EventLog.append(
        session,
        kind,
        actor=actor,
        subject=f"pair {pair_id}",
        why=why,
        counts=counts,
        details=details,
    )
    return counts
