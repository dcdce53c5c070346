"""The PRISMA 2020 screening and eligibility boxes, counted from the screening tables.

Those tables are append-only and every row of them is logged as an event in the same
transaction, so these counts always agree with the event log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from evimap.protocol.screening import STAGES
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig


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


def screening_flow(session: Session, config: ScreeningConfig) -> ScreeningFlow:
    """The screening and eligibility boxes of the review as they stand now."""
    all_units = units.unit_ids(session)
    title_abstract = ledger.stage_states(session, config, STAGES[0])
    settled = [s for s in title_abstract.values() if s.status == "settled"]
    excluded = sum(1 for s in settled if s.settlement and s.settlement.decision == "exclude")
    sought = sorted(s.record_id for s in settled if ledger.advances(config, s))
    fulltext = ledger.fulltext_status(session)
    not_retrieved = {r for r in sought if r in fulltext and fulltext[r].status == "not_retrieved"}
    assessed = [r for r in sought if r not in not_retrieved]
    full = ledger.stage_states(session, config, STAGES[1])
    by_reason: dict[str, int] = {}
    included = 0
    decided = 0
    for rid in assessed:
        state = full.get(rid)
        if state is None or state.status != "settled" or state.settlement is None:
            continue
        decided += 1
        if state.settlement.decision == "include":
            included += 1
        else:
            reason = state.settlement.reason or "unspecified"
            by_reason[reason] = by_reason.get(reason, 0) + 1
    return ScreeningFlow(
        records_screened=len(all_units),
        records_excluded=excluded,
        records_awaiting=len(all_units) - len(settled),
        reports_sought=len(sought),
        reports_not_retrieved=len(not_retrieved),
        reports_assessed=len(assessed),
        reports_excluded=decided - included,
        reports_excluded_by_reason=dict(sorted(by_reason.items())),
        reports_awaiting=len(assessed) - decided,
        studies_included=included,
        reason_texts={code: config.reason_texts.get(code, code) for code in by_reason},
    )
