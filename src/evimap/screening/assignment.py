"""Who screens what: dual, split with an overlap for calibration, and a pilot round. Seeded.

Assigning is idempotent: records that already have reviewers at a stage keep them, so the same
call adds the records that reached the stage since (e.g. new full-text reports).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from evimap.members import Action, Member
from evimap.screening import ledger, units
from evimap.screening.agreement import pairwise
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import NotPermitted, ScreeningError
from evimap.store.events import EventLog
from evimap.store.kinds import Kind


@dataclass(frozen=True)
class AssignmentResult:
    """What an assignment call added."""

    stage: str
    round: str
    records: int
    assignments: int
    per_reviewer: dict[str, int]
    pilot_agreement: list[dict] = field(default_factory=list)
    """Agreement of each reviewer pair on the finished pilot, reported with the main round."""


def plan_pilot(
    unit_ids: list[int], reviewers: list[str], size: int, seed: int
) -> list[tuple[int, str]]:
    """A seeded sample of ``size`` records, each given to every reviewer."""
    rng = random.Random(f"pilot:{seed}")
    sample = sorted(rng.sample(unit_ids, min(size, len(unit_ids))))
    return [(rid, name) for rid in sample for name in reviewers]


def plan_main(
    unit_ids: list[int],
    reviewers: list[str],
    per_record: int,
    mode: str,
    overlap: float,
    seed: int,
) -> list[tuple[int, str]]:
    """``(record_id, reviewer)`` pairs for the main round.

    ``dual``: each record goes to ``per_record`` reviewers (all of them when there are no more),
    rotating so the load is even. ``split``: a seeded ``overlap`` share of the records goes to
    ``per_record`` reviewers, every other record to one reviewer, in rotation.
    """
    if not reviewers:
        raise ScreeningError(
            "no reviewers to assign to: add [[screening.reviewers]] to review.toml"
        )
    n = len(reviewers)
    per_record = min(per_record, n)
    rng = random.Random(f"main:{seed}")
    order = list(unit_ids)
    rng.shuffle(order)
    shared = set(order[: round(overlap * len(order))]) if mode == "split" else set(order)
    pairs: list[tuple[int, str]] = []
    turn = 0
    for rid in order:
        k = per_record if rid in shared else 1
        pairs.extend((rid, reviewers[(turn + j) % n]) for j in range(k))
        turn += k
    pairs.sort()
    return pairs


def assign(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    *,
    member: Member,
    round_: str = "main",
    mode: str | None = None,
    overlap: float | None = None,
    pilot: int | None = None,
    seed: int | None = None,
) -> AssignmentResult:
    """Assign the unassigned records of ``stage`` to the reviewers, in the caller's transaction.

    :param round_: ``pilot`` (a sample everybody screens) or ``main``.
    :param mode, overlap, pilot, seed: override ``[screening.assignment]``.
    :raises NotPermitted: unless ``member`` is an owner or arbiter.
    :raises ScreeningError: for a main round while a configured pilot is not finished.
    """
    config.stage(stage)
    if not member.may(Action.ASSIGN):
        raise NotPermitted(
            f"{member.name} is a reviewer; assigning records needs an owner or arbiter"
        )
    actor = member.name
    settings = config.settings.assignment
    mode = mode or settings.mode
    overlap = settings.overlap if overlap is None else overlap
    pilot = settings.pilot if pilot is None else pilot
    seed = settings.seed if seed is None else seed
    reviewers = config.screeners
    if not reviewers:
        raise ScreeningError(
            "no reviewers to assign to: add [[screening.reviewers]] to review.toml"
        )
    if round_ not in ("pilot", "main"):
        raise ScreeningError(f"round must be pilot or main, not {round_!r}")
    pool = ledger.stage_pool(session, config, stage, units.unit_ids(session))
    taken = ledger.assignments(session, stage)
    free = [rid for rid in pool if rid not in taken]
    pilot_agreement: list[dict] = []
    if round_ == "pilot":
        if ledger.assignments(session, stage, "pilot"):
            raise ScreeningError(f"the {stage} pilot is already assigned")
        pairs = plan_pilot(free, reviewers, pilot, seed)
    else:
        _check_pilot_done(session, config, stage, pilot)
        pilot_agreement = pilot_pairs(session, stage)
        pairs = plan_main(
            free, reviewers, config.stage(stage).reviewers_per_record, mode, overlap, seed
        )
    position = len(taken)
    rows = []
    for i, (rid, name) in enumerate(pairs):
        rows.append(
            {
                "stage": stage,
                "record_id": rid,
                "reviewer": name,
                "round": round_,
                "position": position + i,
            }
        )
    per_reviewer = {name: sum(1 for _, n in pairs if n == name) for name in reviewers}
    ledger.add_assignments(session, rows)
    result = AssignmentResult(
        stage,
        round_,
        len({rid for rid, _ in pairs}),
        len(pairs),
        per_reviewer,
        pilot_agreement,
    )
    EventLog.append(
        session,
        Kind.SCREEN_ASSIGN,
        actor=actor,
        subject=stage,
        counts={"records": result.records, "assignments": result.assignments},
        details={
            "stage": stage,
            "round": round_,
            "mode": mode,
            "overlap": overlap,
            "seed": seed,
            "per_reviewer": per_reviewer,
            "pilot_agreement": result.pilot_agreement,
            "assigned": {name: [rid for rid, n in pairs if n == name] for name in reviewers},
        },
    )
    return result


def pilot_pairs(session: Session, stage: str) -> list[dict]:
    """Agreement of each reviewer pair over the pilot records both decided (empty without a
    pilot)."""
    pilot_records = ledger.assignments(session, stage, "pilot")
    if not pilot_records:
        return []
    calls = ledger.current_decisions(session, stage, list(pilot_records))
    return [
        pair.to_dict()
        for pair in pairwise({k: c.decision for k, c in calls.items()}, stage, "pilot")
    ]


def _check_pilot_done(session: Session, config: ScreeningConfig, stage: str, pilot: int) -> None:
    if pilot <= 0:
        return
    pilot_records = ledger.assignments(session, stage, "pilot")
    if not pilot_records:
        raise ScreeningError(
            f"the protocol asks for a pilot of {pilot} records at {stage}: assign the pilot round "
            "first (`evimap assign --round pilot`)"
        )
    decided = ledger.current_decisions(session, stage, list(pilot_records))
    waiting = sum(
        1 for rid, names in pilot_records.items() for n in names if (rid, n) not in decided
    )
    if waiting:
        raise ScreeningError(
            f"the {stage} pilot is not finished ({waiting} decisions to go); finish it and "
            "report its agreement before the main round"
        )
