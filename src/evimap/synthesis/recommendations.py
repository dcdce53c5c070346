"""The recommendations map: each clinical recommendation with its domain, the kind of source it
comes from, the studies behind it, and the ruptures, contexts and approaches it is for.

``recommendations.csv`` (in the review folder)::

    id,domain,recommendation,source_type,sources,rupture_types,contexts,approaches,strategy
    R01,Rupture recognition,"Maintain ...",Empirical,boritz2018;kline2018,withdrawal,,,

``sources``, ``rupture_types``, ``contexts`` and ``approaches`` are ``;``-separated lists.
``research_gaps.csv`` has ``id,theme,gap,sources``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evimap.csvtable import CsvError, read_csv
from evimap.errors import Problem, ReportError
from evimap.synthesis.citations import _sort_key

RECOMMENDATIONS_FILE = "recommendations.csv"
GAPS_FILE = "research_gaps.csv"
REQUIRED = ("id", "domain", "recommendation", "source_type", "sources")
LISTS = ("sources", "rupture_types", "contexts", "approaches")

CAVEAT = (
    "This map presents clinical recommendations as reported in the reviewed literature and is "
    "not a synthesis of evidence-based guidelines. Recommendations from empirical studies reflect "
    "how authors interpreted and discussed their findings, not direct empirical results; "
    "recommendations from theoretical and conceptual work are clinically oriented proposals that "
    "need empirical examination before they can be generalised. How often a recommendation recurs "
    "shows its prominence in the rupture-repair discourse, not its clinical effectiveness "
    "(after the note to Table 4 of López-Vásquez et al., 2026)."
)


@dataclass(frozen=True)
class Recommendation:
    """One mapped recommendation.

    :param id: its identifier (``R01``).
    :param domain: the domain it belongs to (``Rupture recognition``).
    :param text: the recommendation.
    :param source_type: the kind of source (``Empirical``, ``Theoretical-conceptual``...).
    :param sources: the study keys behind it.
    :param rupture_types: the rupture types it is for (empty: not specific).
    :param contexts: the clinical contexts it is for (``complex-trauma``...; empty: general).
    :param approaches: the therapeutic approaches it is framed in (empty: not specific).
    :param strategy: the repair strategy (``immediate``, ``expressive``...).
    """

    id: str
    domain: str
    text: str
    source_type: str
    sources: tuple[str, ...] = ()
    rupture_types: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    approaches: tuple[str, ...] = ()
    strategy: str = ""

    def matches(
        self,
        rupture: str | None = None,
        context: str | None = None,
        approach: str | None = None,
        include_general: bool = False,
    ) -> bool:
        """Whether the recommendation is for this rupture type, context and approach.

        :param include_general: also match when the recommendation names none, or says
            ``unspecified`` (it is general).
        """
        for wanted, values in (
            (rupture, self.rupture_types),
            (context, self.contexts),
            (approach, self.approaches),
        ):
            if wanted is None:
                continue
            have = {_slug(v) for v in values} - GENERAL
            for value in list(have):
                have |= EXPANDS.get(value, set())
            if not have and include_general:
                continue
            if _slug(wanted) not in have:
                return False
        return True


@dataclass(frozen=True)
class Gap:
    """A research gap reported by the included studies."""

    id: str
    theme: str
    text: str
    sources: tuple[str, ...] = field(default_factory=tuple)


#: Rupture-type / context / approach values that mean "not specific to one".
GENERAL = {"", "unspecified", "any", "all", "general", "not specified"}
#: Values that stand for several others.
EXPANDS = {"both": {"withdrawal", "confrontation"}}


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("_", " ").split())


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split(";") if p.strip())


def _read_csv(path: Path, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a CSV table (the line its row starts on)."""
    try:
        table = read_csv(path)
        table.require(required)
    except CsvError as exc:
        raise ReportError(str(exc)) from None
    return [(row.line, row.cells) for row in table.rows]


def load_recommendations(
    path: str | Path, known: Iterable[str] | None = None
) -> list[Recommendation]:
    """Read ``recommendations.csv``.

    :param path: the file.
    :param known: study keys that exist; a source outside them is an error naming its line.
    :raises ReportError: naming file and line.
    """
    path = Path(path)
    rows = _read_csv(path, REQUIRED)
    keys = set(known) if known is not None else None
    problems = []
    out = []
    for line, row in rows:
        sources = _split(row.get("sources"))
        if keys is not None:
            for key in sources:
                if key not in keys:
                    problems.append(Problem(f"unknown study {key!r}", str(path), line, "sources"))
        for column in ("id", "domain", "recommendation", "source_type"):
            if not (row.get(column) or "").strip():
                problems.append(Problem("is empty", str(path), line, column))
        out.append(
            Recommendation(
                id=(row.get("id") or "").strip(),
                domain=(row.get("domain") or "").strip(),
                text=(row.get("recommendation") or "").strip(),
                source_type=(row.get("source_type") or "").strip(),
                sources=sources,
                rupture_types=_split(row.get("rupture_types")),
                contexts=_split(row.get("contexts")),
                approaches=_split(row.get("approaches")),
                strategy=(row.get("strategy") or "").strip(),
            )
        )
    if problems:
        raise ReportError("\n".join(str(p) for p in problems))
    return out


def load_gaps(path: str | Path, known: Iterable[str] | None = None) -> list[Gap]:
    """Read ``research_gaps.csv`` (``id,theme,gap,sources``).

    :param path: the file.
    :param known: study keys that exist; an unknown source is an error.
    """
    path = Path(path)
    rows = _read_csv(path, ("id", "theme", "gap", "sources"))
    keys = set(known) if known is not None else None
    problems = []
    out = []
    for line, row in rows:
        sources = _split(row.get("sources"))
        if keys is not None:
            problems += [
                Problem(f"unknown study {k!r}", str(path), line, "sources")
                for k in sources
                if k not in keys
            ]
        out.append(Gap(row["id"].strip(), row["theme"].strip(), row["gap"].strip(), sources))
    if problems:
        raise ReportError("\n".join(str(p) for p in problems))
    return out


def explore(
    recommendations: Iterable[Recommendation],
    labels: Mapping[str, str],
    *,
    rupture: str | None = None,
    context: str | None = None,
    approach: str | None = None,
    include_general: bool = False,
) -> list[dict[str, Any]]:
    """The recommendations for a rupture type, context and approach, as rows to print.

    Each row: id, domain, recommendation, source_type, sources (author-year, in order),
    n_sources, rupture_types, contexts, approaches, strategy, and the study keys.

    :param recommendations: the map.
    :param labels: study key -> author-year label.
    :param rupture: ``withdrawal`` or ``confrontation`` (others as the map names them).
    :param context: e.g. ``complex-trauma``, ``cultural``, ``telepsychotherapy``.
    :param approach: a therapeutic approach as the map names it.
    :param include_general: also list recommendations that name no rupture/context/approach.
    """
    rows = []
    for rec in recommendations:
        if not rec.matches(rupture, context, approach, include_general):
            continue
        names = sorted((labels.get(k, k) for k in rec.sources), key=_sort_key)
        rows.append(
            {
                "id": rec.id,
                "domain": rec.domain,
                "recommendation": rec.text,
                "source_type": rec.source_type,
                "sources": names,
                "n_sources": len(rec.sources),
                "rupture_types": list(rec.rupture_types),
                "contexts": list(rec.contexts),
                "approaches": list(rec.approaches),
                "strategy": rec.strategy,
                "keys": list(rec.sources),
            }
        )
    return rows


def filter_values(recommendations: Iterable[Recommendation]) -> dict[str, list[str]]:
    """The values each filter can take, in first-seen order (for the HTML table's selects)."""
    out: dict[str, list[str]] = {
        "domain": [],
        "source_type": [],
        "rupture_types": [],
        "contexts": [],
        "approaches": [],
    }
    for rec in recommendations:
        for name, values in (
            ("domain", (rec.domain,)),
            ("source_type", (rec.source_type,)),
            ("rupture_types", rec.rupture_types),
            ("contexts", rec.contexts),
            ("approaches", rec.approaches),
        ):
            for v in values:
                if v not in out[name]:
                    out[name].append(v)
    return out
