"""Sampling rounds for the stopping test, the team's stop decision, and the stop status.

A round freezes the stage as it stands: the records nobody has decided (the urn) are put in a
seeded random order, and the team screens them one look at a time. The test reads only settled
records (agreement or arbiter), so it reveals nothing a blind reviewer may not see. Records
decided but not yet settled are in neither the urn nor the relevant count: settling them can
only raise recall, so the guarantee holds once they are settled, and until then the status
says so (``settle_pending``) instead of "the team may stop".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from evimap.errors import PrioritiseError
from evimap.members import Member
from evimap.prioritise.live import RELEVANT, StopStatus, log_event, open_round
from evimap.prioritise.stopping import check_sample, first_look_size, look_alpha
from evimap.protocol.prioritise import PrioritiseSettings
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import NotPermitted
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models_prioritise import SampleRoundRow

DECISIONS = ("stop", "continue")

ADVICE = {
    "no_sample": "no random sample drawn yet: draw one when the team thinks it has found "
    "nearly every relevant record (for example once the heuristic is reached)",
    "screen_look": "keep screening the sample: the test reads a look once its records are "
    "settled, in the drawn order",
    "draw_next": "not shown at this look: draw the next look",
    "settle_pending": "shown for the records settled, but records decided by one reviewer "
    "are still waiting for the other or the arbiter: settle them before stopping (until "
    "then the guarantee does not cover them)",
    "may_stop": "shown: the team may stop with the stated guarantee",
    "stopped": "the team decided to stop screening this stage",
    "all_drawn": "every unseen record has been drawn: screen the rest of the sample",
}
"""What each stop state (``StopStatus.state``) tells the team, in the words both the CLI and
the web app use."""


def outcomes(session: Session, config: ScreeningConfig, stage: str) -> dict[str, Any]:
    """The stage's pool, settled labels (1/0) and records nobody has decided."""
    pool = ledger.stage_pool(session, config, stage, units.unit_ids(session))
    decided = {rid for rid, _ in ledger.current_decisions(session, stage)}
    settled: dict[int, int] = {}
    for rid, state in ledger.stage_states(session, config, stage).items():
        if state.status == "settled" and state.settlement is not None:
            value = RELEVANT.get(state.settlement.decision)
            if value is not None:
                settled[rid] = value
    unseen = [rid for rid in pool if rid not in decided and rid not in settled]
    pending = [rid for rid in pool if rid in decided and rid not in settled]
    return {"pool": pool, "settled": settled, "unseen": unseen, "pending": pending}


def _require_lead(member: Member, what: str) -> None:
    if not member.privileged:
        raise NotPermitted(f"{what} is for an owner or arbiter; {member.name} is a reviewer")


def draw(
    session: Session,
    config: ScreeningConfig,
    settings: PrioritiseSettings,
    stage: str,
    member: Member,
    seed: int | None = None,
) -> SampleRoundRow:
    """Start a round (or draw its next look) and log it as ``prioritise.sample``.

    :param session: the transaction.
    :param config: the screening settings.
    :param settings: the ``[prioritise]`` settings (target, confidence, seed).
    :param stage: the stage.
    :param member: the owner or arbiter drawing.
    :param seed: the seed of the round's random order (default: review.toml's).
    """
    config.stage(stage)
    _require_lead(member, "drawing a sample for the stopping test")
    actor = member.name
    stop = settings.stopping
    row = open_round(session, stage)
    if row is None:
        state = outcomes(session, config, stage)
        urn = state["unseen"]
        if not urn:
            raise PrioritiseError(f"every record at {stage} has been screened: nothing to sample")
        used = settings.seed if seed is None else seed
        order = np.random.default_rng(used).permutation(len(urn))
        relevant_before = sum(state["settled"].values())
        alpha = 1 - stop.confidence
        size = first_look_size(len(urn), relevant_before, stop.recall_target, look_alpha(alpha, 1))
        row = SampleRoundRow(
            stage=stage,
            seed=used,
            total=len(state["pool"]),
            relevant_before=relevant_before,
            record_ids=[int(urn[i]) for i in order],
            look_size=size,
            drawn=0,
            recall_target=stop.recall_target,
            confidence=stop.confidence,
            closed=False,
            actor=actor,
        )
        session.add(row)
        session.flush()
    if row.drawn >= len(row.record_ids):
        raise PrioritiseError(f"round {row.id} has drawn every unseen record already")
    start = row.drawn
    row.drawn = min(len(row.record_ids), start + row.look_size)
    session.flush()
    log_event(
        session,
        Kind.PRIORITISE_SAMPLE,
        actor,
        stage,
        round=row.id,
        seed=row.seed,
        total=row.total,
        urn=len(row.record_ids),
        relevant_before=row.relevant_before,
        look=-(-row.drawn // row.look_size),
        look_size=row.look_size,
        drawn=row.drawn,
        record_ids=[int(r) for r in row.record_ids[start : row.drawn]],
        recall_target=row.recall_target,
        confidence=row.confidence,
    )
    return row


def _round_dict(row: SampleRoundRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "seed": row.seed,
        "total": row.total,
        "urn": len(row.record_ids),
        "relevant_before": row.relevant_before,
        "look_size": row.look_size,
        "drawn": row.drawn,
        "recall_target": row.recall_target,
        "confidence": row.confidence,
        "actor": row.actor,
    }


def _runs(session: Session, stage: str, names: list[str]) -> dict[str, int]:
    """Each reviewer's exclusions in a row at the end of their current decisions."""
    calls = ledger.current_decisions(session, stage)
    out = {}
    for name in names:
        mine = sorted((d.id, d.decision) for (_, who), d in calls.items() if who == name)
        run = 0
        for _, decision in reversed(mine):
            if decision != "exclude":
                break
            run += 1
        out[name] = run
    return out


def status(
    session: Session,
    config: ScreeningConfig,
    settings: PrioritiseSettings,
    stage: str,
    viewer: Member | None,
) -> StopStatus:
    """Where the stage stands for stopping, as ``viewer`` may see it.

    :param session: an open session.
    :param config: the screening settings.
    :param settings: the ``[prioritise]`` settings.
    :param stage: the stage.
    :param viewer: who asks (a reviewer sees their own heuristic run only; no one sees none).
    """
    config.stage(stage)
    state = outcomes(session, config, stage)
    settled = state["settled"]
    stop = settings.stopping
    if viewer is None:
        names: list[str] = []
    else:
        names = config.screeners if viewer.privileged else [viewer.name]
    privileged = viewer is not None and viewer.privileged
    result = StopStatus(
        stage=stage,
        total=len(state["pool"]),
        screened=len(settled),
        relevant=sum(settled.values()),
        unseen=len(state["unseen"]),
        # how many a co-reviewer has decided is the lead's to see (as the team's progress)
        pending=len(state["pending"]) if privileged else None,
        heuristic={
            "threshold": stop.heuristic_run,
            "runs": _runs(session, stage, names),
            "note": "a heuristic without a guarantee: its recall depends on the set and model",
        },
    )
    result.heuristic["fired"] = {
        name: run >= stop.heuristic_run for name, run in result.heuristic["runs"].items()
    }
    row = open_round(session, stage)
    alpha = 1 - stop.confidence
    if row is None:
        result.next_look = (
            first_look_size(
                len(state["unseen"]), result.relevant, stop.recall_target, look_alpha(alpha, 1)
            )
            if state["unseen"]
            else 0
        )
        last = last_decision(session, stage)
        result.decided = last
        result.state = "stopped" if last and last["decision"] == "stop" else "no_sample"
    else:
        drawn = [int(r) for r in row.record_ids[: row.drawn]]
        labels: list[int] = []
        for rid in drawn:  # the settled prefix of the drawn order is a random sample
            if rid not in settled:
                break
            labels.append(settled[rid])
        result.round = {
            **_round_dict(row),
            "screened": len(labels),
            "settled": sum(rid in settled for rid in drawn),
        }
        result.next_look = min(row.look_size, len(row.record_ids) - row.drawn)
        result.decided = last_decision(session, stage)
        test = check_sample(
            total=row.total,
            urn=len(row.record_ids),
            relevant_before=row.relevant_before,
            sample=labels,
            look_size=row.look_size,
            target=row.recall_target,
            confidence=row.confidence,
        )
        result.test = test.to_dict()
        if test.reject:
            waiting = len(state["pending"])
            result.state = "settle_pending" if waiting else "may_stop"
        elif len(labels) < len(drawn):
            result.state = "screen_look"
        elif result.next_look:
            result.state = "draw_next"
        else:
            result.state = "all_drawn"
    result.advice = ADVICE[result.state]
    return result


def stop_decisions(session: Session, stage: str) -> list[dict[str, Any]]:
    """The team's decisions to stop (or go on) screening ``stage``, oldest first, from the
    event log (``prioritise.stop``): who, when, what, why, whether the guarantee held, the
    test's look and p-value then, and the records settled and left unscreened."""
    out = []
    for event in EventLog.read(session, kind=Kind.PRIORITISE_STOP):
        details = event.details
        if details.get("stage") != stage:
            continue
        test = details.get("test") or {}
        out.append(
            {
                "decision": details.get("decision"),
                "by": event.actor,
                "at": event.at.isoformat(),
                "why": event.why,
                "guarantee": bool(details.get("guarantee")),
                "look": test.get("look"),
                "p_value": test.get("p_value"),
                "unscreened": details.get("unscreened"),
                "screened": details.get("screened"),
                "total": details.get("total"),
            }
        )
    return out


def last_decision(session: Session, stage: str) -> dict[str, Any] | None:
    """The team's latest decision on ``stage`` (:func:`stop_decisions`); None before any."""
    decisions = stop_decisions(session, stage)
    return decisions[-1] if decisions else None


def decide(
    session: Session,
    config: ScreeningConfig,
    settings: PrioritiseSettings,
    stage: str,
    decision: str,
    member: Member,
    why: str = "",
) -> dict[str, Any]:
    """Log the team's decision to stop (or go on) screening a stage, with the evidence.

    Stopping closes the open round; the records left unscreened stay unscreened: no record is
    ever excluded by this.

    :param decision: ``stop`` or ``continue``.
    :param member: the owner or arbiter deciding.
    :param why: the team's reasons in words.
    """
    if decision not in DECISIONS:
        raise PrioritiseError(f"decision {decision!r}: use one of {', '.join(DECISIONS)}")
    _require_lead(member, "the decision to stop screening")
    actor = member.name
    current = status(session, config, settings, stage, member)
    details = {
        "decision": decision,
        "guarantee": current.state == "may_stop",
        "unscreened": current.unseen,
        **current.to_dict(),
    }
    if config.stage(stage).blind:
        # every reviewer reads the log: a run of exclusions would tell them another reviewer's
        # unsettled calls, so the log keeps the heuristic's threshold only
        details["heuristic"] = {
            "threshold": settings.stopping.heuristic_run,
            "note": "reviewers' runs are not logged while the stage is blind",
        }
    row = open_round(session, stage)
    if decision == "stop" and row is not None:
        row.closed = True
        session.flush()
    EventLog.append(
        session,
        Kind.PRIORITISE_STOP,
        actor=actor,
        subject=f"stage:{stage}",
        why=why,
        counts={
            "unscreened": details["unscreened"],
            "screened": details["screened"],
            "pending": details["pending"],
        },
        details=details,
    )
    return details
