"""The report's stopping table: each decision to stop (or go on) screening, with its evidence.

Read from the event log (``prioritise.stop``, ``prioritise.sample``), so the report shows what
the team saw when it decided: the random sample behind the statistical test, its p-value, the
estimate of relevant records left unseen, the heuristic, and how many records were left
unscreened (never excluded).
"""

from __future__ import annotations

from collections.abc import Sequence

from evimap.numbers import n_of
from evimap.report.tables import Table
from evimap.store.events import Event

COLUMNS = [
    "date",
    "stage",
    "decision",
    "by",
    "why",
    "settled",
    "relevant found",
    "left unscreened",
    "decided, not settled",
    "random sample",
    "test",
    "relevant left (interval)",
    "heuristic (no guarantee)",
]


def _test(test: dict | None) -> tuple[str, str, str]:
    if not test:
        return "no sample", "not run", ""
    sample = (
        f"{n_of(test['sample_relevant'], test['sample_size'])} relevant "
        f"of {test['urn']} unseen (look {test['look']})"
    )
    verdict = (
        f"p = {test['p_value']:.4f} vs {test['alpha']:.4f}: recall >= "
        f"{test['recall_target']:.0%} at {test['confidence']:.0%} confidence "
        + ("shown" if test["reject"] else "not shown")
    )
    left = (
        f"{test['remaining']:.1f} ({test['remaining_low']}-{test['remaining_high']})"
        if test["sample_size"]
        else ""
    )
    return sample, verdict, left


def stopping_table(events: Sequence[Event]) -> Table | None:
    """The stop decisions of the log as a report table, or None when there are none.

    :param events: the review's events (any kinds; only ``prioritise.stop`` are read).
    """
    rows = []
    for event in events:
        if event.kind != "prioritise.stop":
            continue
        d = event.details
        sample, verdict, left = _test(d.get("test"))
        heuristic = d.get("heuristic") or {}
        runs = ", ".join(f"{k} {v}" for k, v in (heuristic.get("runs") or {}).items())
        rows.append(
            {
                "date": event.at.date().isoformat(),
                "stage": d.get("stage", ""),
                "decision": d.get("decision", ""),
                "by": event.actor,
                "why": event.why,
                "settled": n_of(d.get("screened", 0), d.get("total", 0)),
                "relevant found": d.get("relevant", 0),
                "left unscreened": d.get("unscreened", 0),
                "decided, not settled": "" if d.get("pending") is None else d["pending"],
                "random sample": sample,
                "test": verdict,
                "relevant left (interval)": left,
                "heuristic (no guarantee)": (
                    f"exclusions in a row: {runs}; threshold {heuristic.get('threshold', '')}"
                    if runs
                    else ""
                ),
            }
        )
    if not rows:
        return None
    return Table(
        name="stopping",
        title="Stopping screening: the team's decisions and the evidence behind them",
        columns=COLUMNS,
        rows=rows,
        caption=(
            "Test: Callaghan & Müller-Hansen (2020), from a random sample of the records nobody "
            "had screened; records left unscreened were not excluded by any model."
        ),
        kind="stopping",
    )
