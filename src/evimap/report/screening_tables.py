"""The report's screening tables: outcomes per stage, exclusion reasons, and reviewer agreement.

Computed from ``review.screening`` as the report's viewer may see it: outcomes are settled
counts (the same for everyone); agreement covers every record both reviewers decided for owners
and arbiters, and the settled records only for anyone else while a stage is blind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evimap.members import Member
from evimap.numbers import n_of
from evimap.protocol.screening import STAGES
from evimap.report.tables import Table

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def screening_tables(review: Review, member: Member | None) -> list[Table]:
    """The screening tables of the report (empty when nothing was assigned for screening).

    :param review: the open review.
    :param member: the report's viewer.
    """
    screening = review.screening
    stages = []
    for stage in STAGES:
        progress = screening.progress(stage, member=member)
        if progress["records"]:
            stages.append((stage, progress))
    if not stages:
        return []
    outcome_rows = []
    reason_rows = []
    agreement_rows = []
    config = screening.config
    blind_note = False
    for stage, progress in stages:
        total = progress["records"]
        counts = {
            name: len(screening.outcomes(stage, name, member=member))
            for name in ("included", "excluded", "maybe")
        }
        outcome_rows.append(
            {
                "stage": STAGE_LABELS[stage],
                "records": total,
                "included": n_of(counts["included"], total),
                "excluded": n_of(counts["excluded"], total),
                "maybe": n_of(counts["maybe"], total),
                "not settled": n_of(progress["records_unsettled"], total),
            }
        )
        reasons: dict[str, int] = {}
        for outcome in screening.outcomes(stage, "excluded", member=member):
            reasons[outcome.reason] = reasons.get(outcome.reason, 0) + 1
        for code, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            reason_rows.append(
                {
                    "stage": STAGE_LABELS[stage],
                    "code": code,
                    "reason": config.reason_text(code) if code else "(no reason given)",
                    "records": n_of(n, counts["excluded"]),
                }
            )
        everything = progress.get("records_conflict") is not None
        blind_note = blind_note or not everything
        for pair in screening.agreement(stage, member=member):
            agreement_rows.append(
                {
                    "stage": STAGE_LABELS[stage],
                    "pair": f"{pair.rater_a} / {pair.rater_b}",
                    "records": pair.n,
                    "agreed": n_of(pair.agreed, pair.n),
                    "kappa": _fmt(pair.kappa),
                    "95% CI": f"{_fmt(pair.kappa_ci[0])} to {_fmt(pair.kappa_ci[1])}"
                    if pair.kappa_ci
                    else "",
                    "PABAK": _fmt(pair.pabak),
                    "AC1": _fmt(pair.ac1),
                }
            )
    tables = [
        Table(
            "screening_outcomes",
            "Screening outcomes per stage",
            ["stage", "records", "included", "excluded", "maybe", "not settled"],
            outcome_rows,
            "Records settled at each stage (by the reviewers' agreement or an arbiter), as n/N "
            "(%) of the records assigned at that stage.",
            "screening",
        ),
        Table(
            "screening_reasons",
            "Exclusion reasons",
            ["stage", "code", "reason", "records"],
            reason_rows,
            "Records settled as excluded, by reason (the criterion code; an inclusion criterion "
            "excludes a record that does not meet it: 'Not met'), as n/N (%) of the records "
            "excluded at that stage.",
            "screening",
        ),
        Table(
            "screening_agreement",
            "Agreement between reviewers",
            ["stage", "pair", "records", "agreed", "kappa", "95% CI", "PABAK", "AC1"],
            agreement_rows,
            "Over the records both reviewers decided"
            + (
                " and that are settled (the others stay blind to this report's reader)"
                if blind_note
                else ""
            )
            + ". kappa: Cohen (1960), SE of Fleiss, Cohen & Everitt (1969); PABAK: Byrt et al. "
            "(1993); AC1: Gwet (2008).",
            "screening",
        ),
    ]
    return tables
