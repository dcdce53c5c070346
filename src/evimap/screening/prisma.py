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
from evimap.store.events import Event, EventLog


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
    reason_labels: dict[str, str] = field(default_factory=dict)
    """How each reason counted above reads (:meth:`ScreeningConfig.reason_label`)."""
    other_identified: int = 0
    """Units identified by other methods (PRISMA's right-hand arm; not in the boxes above)."""
    other_records_excluded: int = 0
    other_sought: int = 0
    other_not_retrieved: int = 0
    other_assessed: int = 0
    other_excluded: int = 0
    other_excluded_by_reason: dict[str, int] = field(default_factory=dict)
    other_included: int = 0
    other_awaiting: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``other_*`` boxes only when other methods identified records)."""
        data = asdict(self)
        if not self.other_identified:
            data = {k: v for k, v in data.items() if not k.startswith("other_")}
        return data


def flow_from_states(
    config: ScreeningConfig,
    unit_count: int,
    title_abstract: dict[int, ledger.UnitState],
    full_text: dict[int, ledger.UnitState],
    fulltext_status: dict[int, str],
    other_ids: set[int] | frozenset[int] = frozenset(),
) -> ScreeningFlow:
    """The boxes from each record's state at both stages and its full-text status
    (``attached`` / ``not_retrieved``).

    ``other_ids`` are the units identified by other methods (citation searching...): they go
    through the same stages but are counted in the other-methods arm, whose boxes start at
    "reports sought" (those settled to advance at title/abstract).
    """
    arms = {}
    for arm, keep in (
        ("databases", lambda r: r not in other_ids),
        ("other", other_ids.__contains__),
    ):
        ta = {r: s for r, s in title_abstract.items() if keep(r)}
        ft = {r: s for r, s in full_text.items() if keep(r)}
        arms[arm] = _arm(config, ta, ft, fulltext_status)
    dbr, other = arms["databases"], arms["other"]
    screened = unit_count - len(other_ids)
    return ScreeningFlow(
        records_screened=screened,
        records_excluded=dbr["excluded"],
        records_awaiting=screened - dbr["settled"],
        reports_sought=dbr["sought"],
        reports_not_retrieved=dbr["not_retrieved"],
        reports_assessed=dbr["assessed"],
        reports_excluded=dbr["decided"] - dbr["included"],
        reports_excluded_by_reason=dbr["by_reason"],
        reports_awaiting=dbr["assessed"] - dbr["decided"],
        studies_included=dbr["included"],
        reason_labels={
            code: config.reason_label(code)
            for code in sorted({**dbr["by_reason"], **other["by_reason"]})
        },
        other_identified=len(other_ids),
        other_records_excluded=other["excluded"],
        other_sought=other["sought"],
        other_not_retrieved=other["not_retrieved"],
        other_assessed=other["assessed"],
        other_excluded=other["decided"] - other["included"],
        other_excluded_by_reason=other["by_reason"],
        other_included=other["included"],
        other_awaiting=len(other_ids) - other["settled"] + other["assessed"] - other["decided"],
    )


def _arm(
    config: ScreeningConfig,
    title_abstract: dict[int, ledger.UnitState],
    full_text: dict[int, ledger.UnitState],
    fulltext_status: dict[int, str],
) -> dict[str, Any]:
    """Counts of one arm (databases, or other methods)."""
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
    return {
        "settled": len(settled),
        "excluded": excluded,
        "sought": len(sought),
        "not_retrieved": len(not_retrieved),
        "assessed": len(assessed),
        "decided": decided,
        "included": included,
        "by_reason": dict(sorted(by_reason.items())),
    }


def screening_flow(session: Session, config: ScreeningConfig) -> ScreeningFlow:
    """The screening and eligibility boxes of the review as they stand now (from the tables)."""
    unit_ids = units.unit_ids(session)
    other = units.other_method_ids(EventLog.read(session, kind=units.OTHER_METHODS_KIND))
    return flow_from_states(
        config,
        len(unit_ids),
        ledger.stage_states(session, config, STAGES[0]),
        ledger.stage_states(session, config, STAGES[1]),
        {rid: row.status for rid, row in ledger.fulltext_status(session).items()},
        other & set(unit_ids),
    )


@dataclass(frozen=True)
class _Settled:
    decision: str
    reason: str
    arbiter: str
    why: str


def flow_from_events(
    events: list[Event],
    config: ScreeningConfig,
    unit_count: int,
    units_now: set[int] | None = None,
) -> ScreeningFlow:
    """The same boxes replayed from the event log alone (``screen.*``, ``fulltext.*`` and
    ``identify.other`` events, in order), so a report can count PRISMA from the log and get
    what the tables say.

    :param events: the review's events, oldest first.
    :param config: the screening configuration.
    :param unit_count: the number of records that entered screening.
    :param units_now: the screening units (other-methods records outside them are not counted).
    """
    other = units.other_method_ids(events)
    if units_now is not None:
        other &= units_now
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
    return flow_from_states(
        config, unit_count, states[STAGES[0]], states[STAGES[1]], fulltext, other
    )
