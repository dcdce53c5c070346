"""The order of a reviewer's queue: stopping samples first, then the newest ranking.

Reads the store only (no model, no scikit-learn), so the screening queue can call it on every
key press. The ranking read is the viewer's own: it was learned from their own decisions and
settled records (see :mod:`evimap.prioritise.live`), never from a co-reviewer's unsettled ones.

A stored ranking's order never changes (a retrain stores a new ranking under a new id), nor
does a stopping round's urn (only how many of it are drawn). :class:`QueueOrder` keeps each,
read once, under its row's id and creation time; every use still reads which ranking is the
newest and how many records are drawn (one indexed row each), so a key press no longer reads
and decodes a list of every record in the reviewer's queue, twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from evimap.screening.ledger import core
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


@dataclass(frozen=True)
class Ranked:
    """A stored order (a ranking's, best first; or a stopping round's urn, in drawn order).

    :param id: the row's id (a ranking's, or the round's).
    :param ids: the record ids in order.
    :param place: each record's 0-based place in ``ids``.
    """

    id: int
    ids: tuple[int, ...]
    place: dict[int, int] = field(repr=False)

    @classmethod
    def of(cls, id_: int, record_ids: Iterable) -> Ranked:
        """The order of row ``id_`` from its stored list (JSON numbers)."""
        ids = tuple(int(r) for r in record_ids)
        place: dict[int, int] = {}
        for i, rid in enumerate(ids):
            place.setdefault(rid, i)
        return cls(id_, ids, place)


@dataclass(frozen=True)
class Sample:
    """The records drawn so far in a stage's open stopping round.

    :param urn: the round's whole urn, in its drawn order.
    :param drawn: how many of the urn have been handed to the team.
    """

    urn: Ranked
    drawn: int

    @property
    def ids(self) -> tuple[int, ...]:
        """The drawn records, in the drawn order."""
        return self.urn.ids[: self.drawn]

    def __contains__(self, record_id: int) -> bool:
        return self.urn.place.get(record_id, self.drawn) < self.drawn


_NEWEST_RANKING = (
    select(RankingRow.id, RankingRow.at)
    .join(RankingOrderRow, RankingOrderRow.ranking_id == RankingRow.id)
    .where(RankingRow.stage == bindparam("stage"), RankingRow.reviewer == bindparam("reviewer"))
    .order_by(RankingRow.id.desc())
    .limit(1)
)
_RANKING_ORDER = select(RankingOrderRow.record_ids).where(
    RankingOrderRow.ranking_id == bindparam("id")
)
_OPEN_ROUND = (
    select(SampleRoundRow.id, SampleRoundRow.at, SampleRoundRow.drawn)
    .where(SampleRoundRow.stage == bindparam("stage"), SampleRoundRow.closed.is_(False))
    .order_by(SampleRoundRow.id.desc())
    .limit(1)
)
_URN = select(SampleRoundRow.record_ids).where(SampleRoundRow.id == bindparam("id"))


class QueueOrder:
    """The prioritised order of one review's queues, with the stored orders it reads kept in
    memory (see the module). Safe to share between threads.

    :param keep: orders kept at most (one per reviewer and stage is the working set); past it
        the cache starts again.
    """

    def __init__(self, keep: int = 256):
        self._keep = keep
        self._orders: dict[tuple, Ranked] = {}
        self._lock = threading.Lock()

    def _kept(self, session: Session, key: tuple, statement, id_: int) -> Ranked:
        with self._lock:
            found = self._orders.get(key)
        if found is None:
            found = Ranked.of(id_, core(session).execute(statement, {"id": id_}).scalar_one())
            with self._lock:
                if len(self._orders) >= self._keep:
                    self._orders = {}
                self._orders[key] = found
        return found

    def newest(self, session: Session, stage: str, reviewer: str) -> Ranked | None:
        """The reviewer's newest ranking (best first), or None.

        :param session: an open session.
        :param stage: the stage.
        :param reviewer: whose ranking.
        """
        params = {"stage": stage, "reviewer": reviewer}
        row = core(session).execute(_NEWEST_RANKING, params).first()
        if row is None:
            return None
        return self._kept(session, ("ranking", row.id, row.at), _RANKING_ORDER, row.id)

    def sample(self, session: Session, stage: str) -> Sample | None:
        """The stage's open stopping round (its drawn records), or None.

        :param session: an open session.
        :param stage: the stage.
        """
        row = core(session).execute(_OPEN_ROUND, {"stage": stage}).first()
        if row is None:
            return None
        return Sample(self._kept(session, ("round", row.id, row.at), _URN, row.id), row.drawn)

    def sampled(self, session: Session, stage: str) -> tuple[int, ...]:
        """Records drawn for the stage's open stopping round, in the drawn order."""
        sample = self.sample(session, stage)
        return sample.ids if sample is not None else ()

    def lead(self, session: Session, stage: str, viewer: str) -> Iterator[int]:
        """The records :meth:`apply` puts first after the pilot round, in that order: those
        drawn for the stopping test, then the viewer's newest ranking (they may repeat, and
        include records no longer to decide). Read lazily, in the caller's session."""
        yield from self.sampled(session, stage)
        newest = self.newest(session, stage, viewer)
        if newest is not None:
            yield from newest.ids

    def apply(
        self,
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
        for rid in self.lead(session, stage, viewer):
            if rid in wanted and rid not in taken:
                out.append(rid)
                taken.add(rid)
        out.extend(rid for rid in rest if rid not in taken)
        return out

    def shown(self, session: Session, stage: str, viewer: str, record_id: int) -> Shown:
        """What placed ``record_id`` in the viewer's queue (for the record of a decision)."""
        newest = self.newest(session, stage, viewer)
        ranking_id = newest.id if newest else None
        sample = self.sample(session, stage)
        if sample is not None and record_id in sample:
            return Shown("sample", ranking_id, None)
        if newest is not None and record_id in newest.place:
            return Shown("ranking", ranking_id, newest.place[record_id] + 1)
        return Shown("assignment", ranking_id, None)
