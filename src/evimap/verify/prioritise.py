"""Replaying the stopping test's samples against ``prioritise_rounds``.

- ``prioritise.sample`` -> a round's settings (stage, seed, pool, look size, target,
  confidence, who drew it) and the records drawn so far, in order;
- ``prioritise.stop`` with decision ``stop`` -> the stage's open round is closed.

The rankings (``prioritise_rankings``, ``prioritise_orders``, ``prioritise_shown``) are not
replayed: they are the model's working state, recomputed from the decisions, and no event
describes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.store.events import Event
from evimap.store.kinds import Kind
from evimap.store.models_prioritise import SampleRoundRow
from evimap.verify.base import Mismatch, Verification, of_kinds

_SETTINGS = (
    "stage",
    "seed",
    "total",
    "relevant_before",
    "look_size",
    "recall_target",
    "confidence",
)


def check_rounds(session: Session, events: list[Event], result: Verification) -> None:
    """Each sampling round holds what its ``prioritise.sample`` events drew, and is closed
    exactly when a ``prioritise.stop`` event stopped its stage while it was open."""
    want: dict[int, dict[str, Any]] = {}
    last: dict[int, int] = {}
    open_at: dict[str, int] = {}
    for event in of_kinds(events, Kind.PRIORITISE_SAMPLE, Kind.PRIORITISE_STOP):
        d = event.details
        if event.kind == Kind.PRIORITISE_STOP:
            stage = d.get("stage") or event.subject.removeprefix("stage:")
            if d.get("decision") == "stop" and stage in open_at:
                round_id = open_at.pop(stage)
                want[round_id]["closed"] = True
                last[round_id] = event.id
            continue
        round_id = int(d["round"])
        entry = want.setdefault(
            round_id,
            {
                **{k: d.get(k) for k in _SETTINGS},
                "actor": event.actor,
                "drawn": [],
                "closed": False,
            },
        )
        entry["drawn"] += [int(r) for r in d.get("record_ids", [])]
        entry["urn"] = d.get("urn")
        last[round_id] = event.id
        open_at[d["stage"]] = round_id
    table = SampleRoundRow.__tablename__
    rows = list(session.scalars(select(SampleRoundRow).order_by(SampleRoundRow.id)))
    result.rows[table] = len(rows)
    for row in rows:
        expected = want.get(row.id)
        if expected is None:
            result.problems.append(
                Mismatch(table, row.id, None, f"round {row.id} has no prioritise.sample event")
            )
            continue
        got = {
            **{k: getattr(row, k) for k in _SETTINGS},
            "actor": row.actor,
            "drawn": [int(r) for r in row.record_ids[: row.drawn]],
            "closed": bool(row.closed),
            "urn": len(row.record_ids),
        }
        for column, value in expected.items():
            if got[column] != value:
                shown = "records drawn" if column == "drawn" else column
                result.problems.append(
                    Mismatch(
                        table,
                        row.id,
                        last[row.id],
                        f"{shown} is {got[column]!r} but the log says {value!r}",
                    )
                )
    for round_id in sorted(set(want) - {r.id for r in rows}):
        result.problems.append(
            Mismatch(table, None, last[round_id], f"round {round_id} of the log is not in {table}")
        )


CHECKS = ((check_rounds, (Kind.PRIORITISE_SAMPLE, Kind.PRIORITISE_STOP)),)
"""Each check with the event kinds it replays."""
