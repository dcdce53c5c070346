"""A Markdown narrative of the synthesis: characteristics in numbers, then recommendations and
research gaps grouped by theme, each statement with its author-year citations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evimap.synthesis.citations import cite
from evimap.synthesis.recommendations import CAVEAT, Gap, Recommendation
from evimap.synthesis.tables import FrequencyTable

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|"})


def md(text: object) -> str:
    """Text as literal Markdown: emphasis, links, HTML and headings in data stay text."""
    return str(text).translate(_MARKDOWN)


def _grouped(items, theme_of):
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(theme_of(item), []).append(item)
    return groups


def frequency_sentence(table: FrequencyTable, top: int = 0) -> str:
    """``Of the 25 included studies, 12 (48.0%) United States, 3 (12.0%) Canada ...``."""
    rows = [r for r in table.rows if r.n] if not top else [r for r in table.rows if r.n][:top]
    parts = [f"{md(r.category)} {r.n} ({r.percent:.1f}%)" for r in rows]
    text = f"Of the {table.denominator} {md(table.denominator_label)}: " + "; ".join(parts) + "."
    if table.missing:
        text += f" {table.missing} had no value."
    return text


def narrative_markdown(
    *,
    title: str,
    labels: Mapping[str, str],
    tables: Sequence[FrequencyTable] = (),
    recommendations: Sequence[Recommendation] = (),
    gaps: Sequence[Gap] = (),
) -> str:
    """The narrative synthesis as Markdown.

    :param title: the document title.
    :param labels: study key -> author-year label (for citations).
    :param tables: frequency tables summarised one sentence each, under their label.
    :param recommendations: grouped by domain, then by source type.
    :param gaps: grouped by theme.
    """
    out = [f"# {md(title)}", ""]
    if tables:
        out += ["## Characteristics of the included studies", ""]
        for table in tables:
            out += [f"**{md(table.label)}.** {frequency_sentence(table)}", ""]
    if recommendations:
        out += ["## Clinical recommendations by domain", "", f"> {CAVEAT}", ""]
        for domain, recs in _grouped(recommendations, lambda r: r.domain).items():
            out += [f"### {md(domain)}", ""]
            for rec in recs:
                out.append(
                    f"- {md(rec.text)} {md(cite(rec.sources, labels))} — *{md(rec.source_type)}*."
                )
            out.append("")
    if gaps:
        out += ["## Research gaps reported by the included studies", ""]
        for theme, items in _grouped(gaps, lambda g: g.theme).items():
            out += [f"### {md(theme)}", ""]
            for gap in items:
                out.append(f"- {md(gap.text)} {md(cite(gap.sources, labels))}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
