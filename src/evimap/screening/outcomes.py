"""Where each record ends up at a stage, and THE definition of an included study.

**Included** (one definition, used by the report, ``evimap export --included``, charting,
``evimap records --outcome included`` and the PRISMA counts) means a screening unit that is

1. settled as *include* at the last screening stage (full text), by the reviewers' agreement
   or by an arbiter, whatever the way it was identified (databases or other methods, which
   are screened the same way); or
2. in a file imported as a set of studies already included outside evimap's screening
   (``import.role`` event with ``role = "included"``; ``review.imports.add(...,
   role="included")``), as the worked example imports the 25 studies of its paper.

The outcome of a record at a stage is what its settlement says (``included``, ``excluded`` with
the reason, ``maybe`` where an arbiter may advance a maybe), ``conflict`` while its reviewers
differ, ``pending`` while someone has not decided; ``todo`` is the viewer's own queue. A blind
viewer is never told ``conflict`` (it shows as ``pending``) and may not list conflicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.dedup import state as dedup_state
from evimap.members import Member
from evimap.protocol.screening import STAGES
from evimap.screening import ledger, units, view
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import InvalidDecision, UnknownReviewer
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import RecordRow, SourceFile

OUTCOMES: tuple[str, ...] = ("todo", "included", "excluded", "maybe", "conflict", "pending")
"""The outcomes ``evimap records --outcome`` lists."""

INCLUDED_ROLE = "included"
"""The ``import.role`` of a file of studies included outside evimap's screening."""


@dataclass(frozen=True)
class Outcome:
    """Where one record stands at a stage, as the viewer may see it.

    :param by: ``agreement`` or ``arbiter`` for a settled record, else ``""``.
    """

    record_id: int
    stage: str
    outcome: str
    reason: str = ""
    by: str = ""
    arbiter: str = ""
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


_SETTLED = {"include": "included", "exclude": "excluded", "maybe": "maybe"}


def stage_outcomes(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    outcome: str,
    viewer: Member | None,
    order: Callable[..., list[int]] | None = None,
) -> list[Outcome]:
    """The records with ``outcome`` at ``stage`` as ``viewer`` may see them, in record order
    (``todo``: in the viewer's queue order, as ``order``, prioritisation's hook, puts it).

    :raises InvalidDecision: for an unknown stage or outcome.
    :raises UnknownReviewer: for ``todo`` without a viewer.
    :raises NotPermitted: for ``conflict`` when the viewer may not see conflicts.
    """
    config.stage(stage)
    if outcome not in OUTCOMES:
        raise InvalidDecision(f"no outcome {outcome!r}; outcomes are {', '.join(OUTCOMES)}")
    if outcome == "todo":
        if viewer is None:
            raise UnknownReviewer("say whose to-do list: --as NAME (or EVIMAP_AS)")
        todo = view.queue(session, config, stage, viewer, order=order)
        return [Outcome(rid, stage, "todo") for rid in todo]
    if outcome == "conflict":
        view.require_overview(config, stage, viewer, "listing conflicts")
    states = ledger.stage_states(session, config, stage)
    out = []
    for rid in sorted(states):
        state = states[rid]
        shown = view.shown_status(config, state, viewer)
        if state.status == "settled" and state.settlement is not None:
            s = state.settlement
            name = _SETTLED.get(s.decision, s.decision)
            if name == outcome:
                out.append(Outcome(rid, stage, name, s.reason, s.by, s.arbiter, s.why))
        elif shown == outcome:
            out.append(Outcome(rid, stage, shown))
    return out


def included_role_records(session: Session) -> list[int]:
    """Record ids of files imported with ``role = "included"`` (the last role logged for a
    file wins)."""
    roles: dict[str, str] = {}
    for event in EventLog.read(session, kind=Kind.IMPORT_ROLE):
        roles[str(event.details.get("sha256"))] = str(event.details.get("role", "search"))
    wanted = [sha for sha, role in roles.items() if role == INCLUDED_ROLE]
    if not wanted:
        return []
    query = (
        select(RecordRow.id)
        .join(SourceFile, SourceFile.id == RecordRow.source_file_id)
        .where(SourceFile.sha256.in_(wanted))
        .order_by(RecordRow.id)
    )
    return list(session.scalars(query))


def included_ids(session: Session, config: ScreeningConfig) -> list[int]:
    """THE included studies: the unit ids described in this module's docstring, in order.

    Settled outcomes are not blind, so this needs no viewer.
    """
    last = STAGES[-1]
    unit_set = set(units.unit_ids(session))
    found = {
        rid
        for rid, state in ledger.stage_states(session, config, last).items()
        if state.status == "settled"
        and state.settlement is not None
        and state.settlement.decision == "include"
    }
    kept_of = dedup_state.unit_of_records(session)
    for rid in included_role_records(session):
        found.add(kept_of.get(rid, rid))
    return sorted(rid for rid in found if rid in unit_set)


def why_not_included(session: Session, config: ScreeningConfig, record_id: int) -> str:
    """Why a record is not an included study, in words (for charting's refusal)."""
    if not units.unit_exists(session, record_id):
        kept = dedup_state.unit_of_records(session).get(record_id)
        if kept is not None:
            return f"it is a duplicate of record {kept}"
        return "it was removed before screening"
    for stage in reversed(STAGES):
        state = ledger.record_state(session, config, stage, record_id)
        if not state.reviewers:
            continue
        if state.status == "settled" and state.settlement is not None:
            how = (
                "by the reviewers' agreement"
                if state.settlement.by == "agreement"
                else (f"by {state.settlement.arbiter}")
            )
            return f"it was settled as {state.settlement.decision} at {stage} {how}"
        return f"it is not settled at {stage} yet"
    return "it has not been screened"
