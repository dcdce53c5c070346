"""Where one record stands in the order a reviewer is served their records: the "record 37
of 400", back and forward of a screen (the web page and the terminal screen).

A screen serves the reviewer's next record to decide (:func:`evimap.screening.view.queue`),
and back and forward walk the same order (:func:`evimap.screening.view.served`), so what a
reviewer navigates is what they screen. Without prioritisation that is the assignment order.
With it, the records already decided come first, in the order the reviewer decided them (back
from the next record is the one just decided; a changed mind keeps its place; an undo back to
undecided returns the record to the queue), then the queue in the order it will be served
(pilot round, records drawn for the stopping test, the newest ranking learned from the
reviewer's own decisions), then records closed without their decision. A co-reviewer's
unsettled decisions never move a reviewer's records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from evimap.members import Member
from evimap.screening import view
from evimap.screening.config import ScreeningConfig


@dataclass(frozen=True)
class Navigation:
    """Where a record stands in the order its reviewer is served their records.

    :param stage: the stage.
    :param record_id: the record shown: the one asked for, else the next to decide, else the
        first served (None when nothing is assigned).
    :param position: its 1-based place in the served order (None if not the reviewer's).
    :param assigned: how many records the reviewer has at the stage.
    :param to_do: how many are still to decide.
    :param back: the record served before it (None at the start).
    :param forward: the record served after it (None at the end).
    :param next_todo: the first record still to decide, other than ``record_id``.
    """

    stage: str
    record_id: int | None
    position: int | None
    assigned: int
    to_do: int
    back: int | None
    forward: int | None
    next_todo: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def navigation(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    viewer: Member,
    record_id: int | None = None,
    *,
    order: Callable[..., list[int]] | None = None,
) -> Navigation:
    """Where ``record_id`` (default: the next to decide) stands in ``viewer``'s served order.

    :param record_id: the record on screen.
    :param order: prioritisation's hook; None: assignment order.
    """
    mine = view.served(session, config, stage, viewer, order=order)
    if record_id is None:
        record_id = mine.todo[0] if mine.todo else (mine.order[0] if mine.order else None)
    place = {rid: i for i, rid in enumerate(mine.order)}
    at = place.get(record_id) if record_id is not None else None
    later = (rid for rid in mine.todo if rid != record_id)
    return Navigation(
        stage=stage,
        record_id=record_id,
        position=None if at is None else at + 1,
        assigned=len(mine.order),
        to_do=len(mine.todo),
        back=mine.order[at - 1] if at else None,
        forward=mine.order[at + 1] if at is not None and at + 1 < len(mine.order) else None,
        next_todo=next(later, None),
    )
