"""The PRISMA 2020 screening and eligibility boxes, counted from the screening tables, or
replayed from the event log alone (:func:`flow_from_events`).

The tables are append-only and every row of them is logged as an event in the same
transaction, with the details needed to replay it; a test checks both ways agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from evimap.protocol.screening import STAGES
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig
from evimap.store.events import Event


@dataclass(frozen=True)
class ScreeningFlow:
    """Counts of the PRISMA flow diagram's screening and eligibility boxes.

    ``*_awaiting`` counts records not yet settled at that stage (a finished review has 0).
    """

    records_screened: int
    records_excluded: int
    records_awaiting: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: int
    reports_excluded_by_reason: dict[str, int]
    reports_awaiting: int
    studies_included: int
    reason_texts: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def flow_from_states(
    config: ScreeningConfig,
    unit_count: int,
    title_abstract: dict[int, ledger.UnitState],
    full_text: dict[int, ledger.UnitState],
    fulltext_status: dict[int, str],
) -> ScreeningFlow:
    """The boxes from each record's state at both stages and its full-text status
    (``attached`` / ``not_retrieved``)."""
    settled = [s for s in title_abstract.values() if s.status == "settled"]
    excluded = sum(1 for s in settled if s.settlement and s.settlement.decision == "exclude")
    sought = sorted(s.record_id for s in settled if ledger.advances(config, s))
    not_retrieved = {r for r in sought if fulltext_status.get(r) == "not_retrieved"}
    assessed = [r for r in sought if r not in not_retrieved]
    by_reason: dict[str, int] = {}
    included = 0
    decided = 0
    for rid in assessed:
        state = full_text.get(rid)
        if state is None or state.status != "settled" or state.settlement is None:
            continue
        decided += 1
        if state.settlement.decision == "include":
            included += 1
        else:
            reason = state.settlement.reason or "unspecified"
            by_reason[reason] = by_reason.get(reason, 0) + 1
    return ScreeningFlow(
        records_screened=unit_count,
        records_excluded=excluded,
        records_awaiting=unit_count - len(settled),
        reports_sought=len(sought),
        reports_not_retrieved=len(not_retrieved),
        reports_assessed=len(assessed),
        reports_excluded=decided - included,
        reports_excluded_by_reason=dict(sorted(by_reason.items())),
        reports_awaiting=len(assessed) - decided,
        studies_included=included,
        reason_texts={code: config.reason_texts.get(code, code) for code in by_reason},
    )


def screening_flow(session: Session, config: ScreeningConfig) -> ScreeningFlow:
    """The screening and eligibility boxes of the review as they stand now (from the tables)."""
    return flow_from_states(
        config,
        len(units.unit_ids(session)),
        ledger.stage_states(session, config, STAGES[0]),
        ledger.stage_states(session, config, STAGES[1]),
        {rid: row.status for rid, row in ledger.fulltext_status(session).items()},
    )


@dataclass(frozen=True)
class _Settled:
    decision: str
    reason: str
    arbiter: str
    why: str


def flow_from_events(
    events: list[Event], config: ScreeningConfig, unit_count: int
) -> ScreeningFlow:
    """The same boxes replayed from the event log alone (``screen.*`` and ``fulltext.*``
    events, in order), so a report can count PRISMA from the log and get what the tables say.

    :param events: the review's events, oldest first.
    :param config: the screening configuration.
    :param unit_count: the number of records that entered screening.
    """
    assigned: dict[str, dict[int, list[str]]] = {stage: {} for stage in STAGES}
    decided: dict[str, dict[tuple[int, str], ledger.Decision]] = {stage: {} for stage in STAGES}
    # events hold details of the screening tables' rows; see evimap.screening.gate for moves
    settled: dict[str, dict[int, _Settled]] = {stage: {} for stage in STAGES}
    fulltext: dict[int, str] = {}
    for event in events:
        details = event.details
        stage = details.get("stage", "")
        if event.kind in ("screen.assign", "screen.import"):
            for name, ids in (details.get("assigned") or {}).items():
                for rid in ids:
                    assigned[stage].setdefault(rid, []).append(name)
        elif event.kind == "screen.move":
            for moved_stage, names in (details.get("unassigned") or {}).items():
                for name, ids in names.items():
                    for rid in ids:
                        held = assigned[moved_stage].get(rid, [])
                        if name in held:
                            held.remove(name)
                        if not held:
                            assigned[moved_stage].pop(rid, None)
            for moved_stage, names in (details.get("assigned") or {}).items():
                for name, ids in names.items():
                    for rid in ids:
                        assigned[moved_stage].setdefault(rid, []).append(name)
        elif event.kind in ("screen.decision", "screen.undo"):
            key = (details["record_id"], event.actor)
            if details["decision"]:
                decided[stage][key] = ledger.Decision(
                    details["decision_id"],
                    stage,
                    key[0],
                    event.actor,
                    details["decision"],
                    details["reason"],
                    event.at,
                )
            else:
                decided[stage].pop(key, None)
        elif event.kind == "screen.settle":
            if details["decision"]:
                settled[stage][details["record_id"]] = _Settled(
                    details["decision"], details["reason"], event.actor, event.why
                )
            else:  # a settlement withdrawn (an undone decisions import)
                settled[stage].pop(details["record_id"], None)
        elif event.kind == "fulltext.attach":
            fulltext[details["record_id"]] = "attached"
        elif event.kind == "fulltext.not_retrieved":
            fulltext[details["record_id"]] = "not_retrieved"
    states = {}
    for stage in STAGES:
        by_record: dict[int, dict[str, ledger.Decision]] = {}
        for (rid, name), decision in decided[stage].items():
            by_record.setdefault(rid, {})[name] = decision
        states[stage] = {
            rid: ledger.unit_state(
                config, stage, rid, names, by_record.get(rid, {}), settled[stage].get(rid)
            )
            for rid, names in assigned[stage].items()
        }
    return flow_from_states(config, unit_count, states[STAGES[0]], states[STAGES[1]], fulltext)
