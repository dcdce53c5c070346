"""Which tables and gap maps a review's report holds: ``report.toml`` beside review.toml, or
by default one frequency table per single/multi codebook field.

``report.toml``::

    [[table]]
    name = "countries"               # tables/countries.csv, a sheet of workbook.xlsx
    title = "Country of the first author"
    kind = "frequency"               # frequency | listing | sums | recommendations | gaps
    field = "country"                # frequency: the field counted
    label = "Country"
    filter = { article_type = "empirical" }   # count among these studies only (denominator)
    denominator_label = "empirical studies"
    parts = [ { field = ..., label = ..., filter = {...} }, ... ]  # several counts, one table
    include_empty = false            # list choices no study has (n = 0)
    columns = [ { field = "citation", label = "Reference" }, ... ]  # listing
    rows = [ { label = "Depression", fields = ["n_dx_depression"] }, ... ]  # sums
    total = { label = "Total participants", fields = ["participant_count"] }  # sums

    [notes]
    charting = "..."                 # a remark printed in the report's charting section

    [[gapmap]]
    name = "gapmap_recommendations"
    title = "..."
    source = "recommendations"       # recommendations (bubble: studies behind) | studies
    rows = "domain"
    columns = "source_type"
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evimap.charting.codebook import Codebook
from evimap.errors import Problem, ReportError
from evimap.tomlfile import load_toml

REPORT_FILE = "report.toml"
KINDS = ("frequency", "listing", "sums", "recommendations", "gaps")
_TABLE_KEYS = {
    "name",
    "title",
    "kind",
    "field",
    "label",
    "filter",
    "denominator_label",
    "parts",
    "include_empty",
    "columns",
    "rows",
    "total",
    "caption",
    "order",
}


@dataclass
class TableSpec:
    """One table of the report (see the module docstring)."""

    name: str
    kind: str
    title: str = ""
    field: str = ""
    label: str = ""
    filter: dict[str, Any] = dataclasses.field(default_factory=dict)
    denominator_label: str = ""
    parts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    include_empty: bool = False
    columns: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    total: dict[str, Any] = dataclasses.field(default_factory=dict)
    caption: str = ""
    order: str = "count"


@dataclass
class GapMapSpec:
    """One evidence-gap map."""

    name: str
    rows: str
    columns: str
    source: str = "studies"
    title: str = ""


@dataclass
class ReportSpec:
    """Tables and gap maps of a report."""

    tables: list[TableSpec] = dataclasses.field(default_factory=list)
    gapmaps: list[GapMapSpec] = dataclasses.field(default_factory=list)
    title: str = ""
    notes: dict[str, str] = dataclasses.field(default_factory=dict)


def default_spec(codebook: Codebook) -> ReportSpec:
    """A listing of studies, one frequency table per categorical field, the recommendations."""
    tables = [
        TableSpec(
            "included_studies",
            "listing",
            "Included studies",
            columns=[{"field": "citation", "label": "Reference"}]
            + [
                {"field": f.name, "label": f.label}
                for f in codebook
                if f.type in ("single", "text") and f.group == "content"
            ][:4],
        )
    ]
    for f in codebook:
        if f.categorical:
            tables.append(TableSpec(f.name, "frequency", f.label, field=f.name, label=f.label))
    tables.append(TableSpec("recommendations", "recommendations", "Recommendations map"))
    return ReportSpec(tables, [GapMapSpec("gapmap", "domain", "source_type", "recommendations")])


def load_report_spec(folder: str | Path, codebook: Codebook) -> ReportSpec:
    """The review's report.toml, else :func:`default_spec`.

    :param folder: the review folder.
    :param codebook: the codebook (fields named in report.toml must exist in it).
    :raises ReportError: naming file and key for every problem.
    """
    path = Path(folder) / REPORT_FILE
    if not path.is_file():
        return default_spec(codebook)
    data = load_toml(path, lambda problem: ReportError(str(problem)))
    problems: list[str] = []
    known = set(codebook.names()) | {"citation", "key", "year", "source_title", "title"}

    def bad(where: str, message: str) -> None:
        problems.append(str(Problem(message, file=str(path), field=where)))

    tables = []
    for i, entry in enumerate(data.get("table") or []):
        where = f"table[{i}] {entry.get('name', '')}".strip()
        for key in sorted(set(entry) - _TABLE_KEYS):
            bad(where, f"{key!r} is not a table key (a typo?)")
        if entry.get("kind") not in KINDS:
            bad(where, f"kind must be one of {', '.join(KINDS)}")
            continue
        if not entry.get("name"):
            bad(where, "name is missing")
            continue
        names = [entry.get("field")] if entry.get("field") else []
        names += [p.get("field") for p in entry.get("parts") or []]
        names += [c.get("field") for c in entry.get("columns") or []]
        for row in [*(entry.get("rows") or []), entry.get("total") or {}]:
            names += row.get("fields") or []
        for part in [entry, *(entry.get("parts") or [])]:
            names += list((part.get("filter") or {}).keys())
        for name in names:
            if name not in known:
                bad(where, f"no codebook field {name!r}")
        tables.append(TableSpec(**{k: v for k, v in entry.items() if k in _TABLE_KEYS}))
    gapmaps = []
    for i, entry in enumerate(data.get("gapmap") or []):
        where = f"gapmap[{i}]"
        try:
            gapmaps.append(GapMapSpec(**entry))
        except TypeError as exc:
            bad(where, str(exc))
    notes = data.get("notes") or {}
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        bad("notes", 'must be a table of texts (section = "...")')
        notes = {}
    if problems:
        raise ReportError("\n".join(problems))
    return ReportSpec(tables, gapmaps, data.get("title", ""), notes)
