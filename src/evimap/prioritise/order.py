"""The order of a reviewer's queue: stopping samples first, then the newest ranking.

Reads the store only (no model, no scikit-learn), so the screening queue can call it on every
key press. The ranking read is the viewer's own: it was learned from their own decisions and
settled records (see :mod:`evimap.prioritise.live`), never from a co-reviewer's unsettled ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.store.models_prioritise import RankingOrderRow, RankingRow, SampleRoundRow


@dataclass(frozen=True)
class Shown:
    """Why a record stands where it does in a reviewer's queue.

    :param source: ``sample`` (drawn for the stopping test), ``ranking`` or ``assignment``.
    :param ranking_id: the newest ranking of the reviewer, if any.
    :param position: the record's 1-based place in that ranking.
    """

    source: str
    ranking_id: int | None
    position: int | None


def newest_ranking(session: Session, stage: str, reviewer: str) -> tuple[int, list[int]] | None:
    """``(ranking id, record ids best first)`` of the reviewer's newest ranking, or None."""
    row = session.execute(
        select(RankingRow.id, RankingOrderRow.record_ids)
        .join(RankingOrderRow, RankingOrderRow.ranking_id == RankingRow.id)
        .where(RankingRow.stage == stage, RankingRow.reviewer == reviewer)
        .order_by(RankingRow.id.desc())
        .limit(1)
    ).first()
    return (row[0], [int(r) for r in row[1]]) if row else None


def sampled(session: Session, stage: str) -> list[int]:
    """Records drawn for the stage's open stopping round, in the drawn order."""
    row = session.scalars(
        select(SampleRoundRow)
        .where(SampleRoundRow.stage == stage, SampleRoundRow.closed.is_(False))
        .order_by(SampleRoundRow.id.desc())
        .limit(1)
    ).first()
    return [int(r) for r in row.record_ids[: row.drawn]] if row else []


def apply(
    session: Session,
    stage: str,
    viewer: str,
    ids: list[int],
    first: Iterable[int] = (),
) -> list[int]:
    """``ids`` (a queue in assignment order) in prioritised order.

    :param session: an open session.
    :param stage: the stage.
    :param viewer: whose queue it is.
    :param ids: the records, in assignment order.
    :param first: records that keep their place at the front (the pilot round).
    """
    keep_first = set(first)
    front = [rid for rid in ids if rid in keep_first]
    rest = [rid for rid in ids if rid not in keep_first]
    wanted = set(rest)
    out = list(front)
    taken = set(front)
    for rid in sampled(session, stage):
        if rid in wanted and rid not in taken:
            out.append(rid)
            taken.add(rid)
    newest = newest_ranking(session, stage, viewer)
    if newest is not None:
        for rid in newest[1]:
            if rid in wanted and rid not in taken:
                out.append(rid)
                taken.add(rid)
    out.extend(rid for rid in rest if rid not in taken)
    return out


def shown(session: Session, stage: str, viewer: str, record_id: int) -> Shown:
    """What placed ``record_id`` in the viewer's queue (for the record of a decision)."""
    newest = newest_ranking(session, stage, viewer)
    ranking_id = newest[0] if newest else None
    if record_id in set(sampled(session, stage)):
        return Shown("sample", ranking_id, None)
    if newest is not None:
        try:
            return Shown("ranking", ranking_id, newest[1].index(record_id) + 1)
        except ValueError:
            pass
    return Shown("assignment", ranking_id, None)
