"""The report's tables, computed from the charted studies by the synthesis engine, as rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evimap.charting.codebook import Codebook
from evimap.charting.store import Study
from evimap.csvtable import write_csv
from evimap.numbers import n_of, percent
from evimap.report.consistency import _matches
from evimap.report.spec import TableSpec
from evimap.synthesis.recommendations import Gap, Recommendation, explore
from evimap.synthesis.tables import FrequencyTable, frequency, study_value


@dataclass
class Table:
    """A computed table: named columns and rows of plain values.

    :param name: file/sheet name.
    :param title: the heading.
    :param columns: column names in order.
    :param rows: one dict a row.
    :param caption: what the percentages are of.
    :param kind: the spec kind it came from.
    :param frequencies: the frequency tables behind it (frequency kind).
    """

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    caption: str = ""
    kind: str = ""
    frequencies: list[FrequencyTable] = field(default_factory=list)

    def write_csv(self, path: str | Path) -> None:
        """Write the table as CSV (UTF-8, header row; formula-safe cells)."""
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_csv(
                ({c: _cell(row.get(c)) for c in self.columns} for row in self.rows),
                self.columns,
                handle,
            )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(v.get("text", str(v)) if isinstance(v, dict) else str(v) for v in value)
    return value


def _population(studies: Sequence[Study], where: Mapping[str, Any]) -> list[Study]:
    return [s for s in studies if _matches(s, dict(where))]


def frequency_table(spec: TableSpec, studies: Sequence[Study], codebook: Codebook) -> Table:
    """A frequency table (one part, or several stacked with their own denominators)."""
    parts = spec.parts or [
        {
            "field": spec.field,
            "label": spec.label,
            "filter": spec.filter,
            "denominator_label": spec.denominator_label,
        }
    ]
    rows: list[dict[str, Any]] = []
    freqs = []
    stacked = len(parts) > 1
    category = "category" if stacked else (spec.label or spec.field)
    for part in parts:
        name = part["field"]
        f = codebook.field(name) if name in codebook else None
        population = _population(studies, part.get("filter") or {})
        where = part.get("filter") or {}
        label = part.get("denominator_label") or (
            "included studies"
            if not where
            else "studies with " + ", ".join(f"{k} = {v}" for k, v in where.items())
        )
        table = frequency(
            population,
            name,
            label=part.get("label") or (f.label if f else name),
            choices=f.choices if f else (),
            include_empty=spec.include_empty,
            order=spec.order,
            denominator_label=label,
        )
        freqs.append(table)
        for r in table.rows:
            row = {category: r.category, "n": r.n, "denominator": table.denominator}
            row["percent"] = r.percent
            row["n_of"] = n_of(r.n, table.denominator)
            row["studies"] = "; ".join(r.studies)
            if stacked:
                row = {"variable": table.label, **row}
            rows.append(row)
        if not table.multi:
            if table.missing:
                row = {category: "(no value)", "n": table.missing}
                row |= _share(table.missing, table.denominator)
                rows.append({"variable": table.label, **row} if stacked else row)
            row = {category: "Total", "n": table.denominator}
            row |= _share(table.denominator, table.denominator)
            rows.append({"variable": table.label, **row} if stacked else row)
    columns = (["variable"] if stacked else []) + [
        category,
        "n",
        "denominator",
        "percent",
        "n_of",
        "studies",
    ]
    caption = spec.caption or " ".join(t.caption for t in freqs)
    return Table(spec.name, spec.title, columns, rows, caption, "frequency", freqs)


def _share(n: int, denominator: int) -> dict[str, Any]:
    return {
        "denominator": denominator,
        "percent": percent(n, denominator),
        "n_of": n_of(n, denominator),
        "studies": "",
    }


def listing_table(spec: TableSpec, studies: Sequence[Study], labels: Mapping[str, str]) -> Table:
    """One row per study with the spec's columns (``citation`` is the author-year label)."""
    columns = [c.get("label") or c["field"] for c in spec.columns]
    ordered = sorted(studies, key=lambda s: labels.get(s.key, s.key).lower())
    rows = []
    for study in ordered:
        row: dict[str, Any] = {}
        for column, label in zip(spec.columns, columns, strict=True):
            name = column["field"]
            if name == "citation":
                row[label] = labels.get(study.key, study.key)
            elif name == "key":
                row[label] = study.key
            else:
                value = study_value(study, name)
                row[label] = "Not reported" if value in (None, "", []) else _cell(value)
        rows.append(row)
    return Table(spec.name, spec.title, columns, rows, spec.caption, "listing")


def sums_table(spec: TableSpec, studies: Sequence[Study]) -> Table:
    """Sums of number fields over the filtered studies, each with n and % of the total."""
    population = _population(studies, spec.filter)

    def total(names: Sequence[str]) -> int | float:
        return sum(
            v
            for s in population
            for name in names
            if isinstance(v := study_value(s, name), int | float) and not isinstance(v, bool)
        )

    denominator = int(total(spec.total.get("fields") or []))
    label = spec.label or "category"
    rows = []
    for row in spec.rows:
        n = total(row.get("fields") or [])
        rows.append({label: row["label"], "n": n} | _share(n, denominator) | {"studies": ""})
        contributing = [
            s.key
            for s in population
            if any(
                isinstance(study_value(s, f), int | float) and study_value(s, f)
                for f in row.get("fields") or []
            )
        ]
        rows[-1]["studies"] = "; ".join(contributing)
    rows.append(
        {label: spec.total.get("label", "Total"), "n": denominator}
        | _share(denominator, denominator)
    )
    caption = spec.caption or (
        f"Percentages of {denominator} {spec.denominator_label or 'in total'} "
        f"({len(population)} studies)."
    )
    columns = [label, "n", "denominator", "percent", "n_of", "studies"]
    return Table(spec.name, spec.title, columns, rows, caption, "sums")


def recommendations_table(
    spec: TableSpec,
    recommendations: Sequence[Recommendation],
    labels: Mapping[str, str],
    included: int,
) -> Table:
    """The recommendations map: domain, recommendation, source type, sources (author-year),
    and n and % of the included studies behind each."""
    rows = []
    for row in explore(recommendations, labels):
        rows.append(
            {
                "id": row["id"],
                "domain": row["domain"],
                "recommendation": row["recommendation"],
                "source_type": row["source_type"],
                "sources": "; ".join(row["sources"]),
                "n": row["n_sources"],
                "denominator": included,
                "percent": percent(row["n_sources"], included),
                "rupture_types": "; ".join(row["rupture_types"]),
                "contexts": "; ".join(row["contexts"]),
                "approaches": "; ".join(row["approaches"]),
                "strategy": row["strategy"],
                "keys": "; ".join(row["keys"]),
            }
        )
    columns = [
        "id",
        "domain",
        "recommendation",
        "source_type",
        "sources",
        "n",
        "denominator",
        "percent",
        "rupture_types",
        "contexts",
        "approaches",
        "strategy",
        "keys",
    ]
    caption = spec.caption or "n: number of included studies behind each recommendation."
    return Table(spec.name, spec.title, columns, rows, caption, "recommendations")


def gaps_table(
    spec: TableSpec, gaps: Sequence[Gap], labels: Mapping[str, str], included: int
) -> Table:
    """Research gaps with their theme, the studies that report them, n and % of included."""
    rows = [
        {
            "id": g.id,
            "theme": g.theme,
            "gap": g.text,
            "sources": "; ".join(sorted(labels.get(k, k) for k in g.sources)),
            "n": len(g.sources),
            "denominator": included,
            "percent": percent(len(g.sources), included),
        }
        for g in gaps
    ]
    caption = spec.caption or (
        f"n: included studies reporting the gap; percent of the {included} included studies."
    )
    columns = ["id", "theme", "gap", "sources", "n", "denominator", "percent"]
    return Table(spec.name, spec.title, columns, rows, caption, "gaps")


def build_table(
    spec: TableSpec,
    studies: Sequence[Study],
    codebook: Codebook,
    labels: Mapping[str, str],
    recommendations: Sequence[Recommendation],
    gaps: Sequence[Gap],
) -> Table:
    """Compute the table a spec describes."""
    if spec.kind == "frequency":
        return frequency_table(spec, studies, codebook)
    if spec.kind == "listing":
        return listing_table(spec, studies, labels)
    if spec.kind == "sums":
        return sums_table(spec, studies)
    if spec.kind == "recommendations":
        return recommendations_table(spec, recommendations, labels, len(studies))
    return gaps_table(spec, gaps, labels, len(studies))
