"""Agreement of every reviewer pair at a screening stage, with :mod:`evimap.agreement`'s
statistics (the one kappa of evimap)."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from evimap.agreement import Agreement, agreement

__all__ = ["Agreement", "pairwise"]


def pairwise(
    calls: dict[tuple[int, str], str], stage: str = "", round_: str = ""
) -> list[Agreement]:
    """Agreement of every reviewer pair over the records both decided.

    :param calls: ``(record_id, reviewer) -> decision``.
    :param stage: the stage, kept on each result.
    :param round_: the round (``pilot``, ``main`` or ``all``), kept on each result.
    """
    by_reviewer: dict[str, dict[int, str]] = {}
    for (rid, name), decision in calls.items():
        by_reviewer.setdefault(name, {})[rid] = decision
    out = []
    for a, b in combinations(sorted(by_reviewer), 2):
        both = sorted(set(by_reviewer[a]) & set(by_reviewer[b]))
        if both:
            result = agreement(
                [by_reviewer[a][r] for r in both], [by_reviewer[b][r] for r in both], a, b
            )
            out.append(replace(result, stage=stage, round=round_))
    return out
