"""Build a review's report: tables, figures, PRISMA, checklist, HTML, workbook and exports.

:func:`compute_report` gathers everything from the review (computed, nothing typed in);
:func:`write_report` writes it to a folder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from evimap import __version__
from evimap.charting.agreement import FieldAgreement
from evimap.charting.codebook import Codebook
from evimap.charting.store import Study
from evimap.members import Member
from evimap.records import Record
from evimap.report.checklist import ChecklistItem, checklist_items
from evimap.report.consistency import (
    Consistency,
    check_numbers,
    consistency_markdown,
    load_paper_numbers,
)
from evimap.report.exports import to_bibtex, to_csv, to_ris
from evimap.report.prisma import PrismaCounts
from evimap.report.prisma_diagram import prisma_figure
from evimap.report.reported import BOXES
from evimap.report.screening_tables import screening_tables
from evimap.report.spec import GapMapSpec, ReportSpec, default_spec, load_report_spec
from evimap.report.stopping import stopping_table
from evimap.report.tables import Table, build_table
from evimap.report.workbook import write_workbook
from evimap.synthesis.citations import citation_labels, cite
from evimap.synthesis.gapmap import gap_map_figure, inline_svg, save_figure
from evimap.synthesis.narrative import narrative_markdown
from evimap.synthesis.recommendations import (
    CAVEAT,
    GAPS_FILE,
    RECOMMENDATIONS_FILE,
    Gap,
    Recommendation,
    explore,
    filter_values,
    load_gaps,
    load_recommendations,
)
from evimap.synthesis.tables import CrossTab, crosstab, field_labels

if TYPE_CHECKING:
    from evimap.review import Review

NUMERIC = {"n", "denominator", "percent", "n_of", "#"}


@dataclass
class ReportData:
    """Everything a report shows, computed from the review.

    :param included: THE included studies (record ids; ``review.included()``).
    :param studies: the charted included studies (empty before charting).
    :param screening: the screening tables (empty before screening).
    :param not_included: charted study keys that are not included studies (left out).
    :param member: whose view (event log and agreement follow the blindness rule).
    """

    title: str
    review: Review
    studies: list[Study]
    labels: dict[str, str]
    spec: ReportSpec
    tables: list[Table]
    prisma: PrismaCounts
    recommendations: list[Recommendation]
    gaps: list[Gap]
    checklist: list[ChecklistItem]
    primary: str
    agreement: list[FieldAgreement] = field(default_factory=list)
    second: str = ""
    consistency: Consistency | None = None
    included: list[int] = field(default_factory=list)
    screening: list[Table] = field(default_factory=list)
    not_included: list[str] = field(default_factory=list)
    codebook: Codebook | None = None
    member: Member | None = None

    def table(self, name: str) -> Table:
        """The table called ``name``."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


def compute_report(
    review: Review,
    *,
    paper_numbers: str | Path | None = None,
    reviewer: str | None = None,
    member: Member | None = None,
) -> ReportData:
    """Compute the report of a review at whatever stage it is: the PRISMA counts
    (``review.prisma()``) always; the screening tables once records were assigned; the
    charting, synthesis tables, recommendations and gap maps once included studies are charted.

    :param review: the open review.
    :param paper_numbers: a paper_numbers.toml to check the published numbers against.
    :param reviewer: whose charting to report (default: the primary reviewer).
    :param member: whose view of the event log and agreement (``None``: no one).
    """
    prisma = review.prisma()
    included = review.included(member=member)
    charting = review.charting
    charted = charting.reviewers()
    folder = review.folder
    codebook = charting.codebook if charted or charting.codebook_path.is_file() else None
    studies: list[Study] = []
    not_included: list[str] = []
    primary = ""
    if charted:
        primary = reviewer or charting.primary_reviewer()
        keep = set(included)
        kept_of = _kept_of(review)
        dropped: list[Study] = []
        for study in charting.studies(primary):
            unit = kept_of.get(study.record_id, study.record_id)
            (studies if unit in keep else dropped).append(study)
        not_included = [s.key for s in dropped]
    labels = citation_labels({s.key: s.record for s in studies if s.record is not None})
    keys = [s.key for s in studies]
    recommendations: list[Recommendation] = []
    gaps: list[Gap] = []
    if studies and (folder / RECOMMENDATIONS_FILE).is_file():
        recommendations = load_recommendations(folder / RECOMMENDATIONS_FILE, keys)
    if studies and (folder / GAPS_FILE).is_file():
        gaps = load_gaps(folder / GAPS_FILE, keys)
    if codebook is not None:
        spec = load_report_spec(folder, codebook)
    else:
        spec = default_spec(Codebook([]))
    tables = (
        [build_table(t, studies, codebook, labels, recommendations, gaps) for t in spec.tables]
        if studies and codebook is not None
        else []
    )
    others = [r for r in charted if r != primary]
    agreement: list[FieldAgreement] = []
    second = ""
    if primary and len(others) == 1:
        second = others[0]
        agreement = charting.agreement(primary, second)
    consistency = None
    if paper_numbers is not None:
        numbers = load_paper_numbers(paper_numbers)
        consistency = check_numbers(numbers, studies, prisma, BOXES.get)
    if prisma.known("total_studies") and prisma["total_studies"] != len(included):
        prisma.notes.append(
            f"{len(included)} studies are recorded as included in the review; the diagram's "
            f"total comes from {prisma.source.get('total_studies', 'the counts')}."
        )
    data = ReportData(
        title=spec.title or review.protocol.title,
        review=review,
        studies=studies,
        labels=labels,
        spec=spec,
        tables=tables,
        prisma=prisma,
        recommendations=recommendations,
        gaps=gaps,
        checklist=checklist_items(folder),
        primary=primary,
        agreement=agreement,
        second=second,
        consistency=consistency,
        included=included,
        screening=screening_tables(review, member),
        not_included=not_included,
        codebook=codebook,
        member=member,
    )
    if studies:
        for gap in spec.gapmaps:
            data.tables.append(crosstab_table(gap, gap_map_table(gap, data)))
    stopping = stopping_table(review.events.read(prefix="prioritise.", member=member))
    if stopping is not None:
        data.tables.append(stopping)
    return data


def _kept_of(review: Review) -> dict[int, int]:
    from evimap.dedup.state import unit_of_records

    with review.store.read() as session:
        return unit_of_records(session)


def included_records(data: ReportData) -> list[tuple[int, Record]]:
    """``(id, record)`` of the included studies (the one definition), in id order."""
    from evimap.screening.units import unit_records

    with data.review.store.read() as session:
        found = unit_records(session, data.included)
    return [(rid, found[rid]) for rid in data.included if rid in found]


def crosstab_table(spec: GapMapSpec, table: CrossTab) -> Table:
    """A gap map's cross-tab as a report table (one row per row category, a column each)."""
    rows = table.to_rows()
    return Table(
        spec.name,
        spec.title or f"{table.row_label} by {table.column_label}",
        [table.row_label, *table.columns, "total"],
        rows,
        f"Cells: number of distinct {table.unit}, one of which may count in several cells; "
        f"total: distinct {table.unit} in the row.",
        "crosstab",
    )


def gap_map_table(spec: GapMapSpec, data: ReportData):
    """The cross-tab behind a gap map."""
    if spec.source == "recommendations":
        return crosstab(
            data.recommendations,
            lambda r: (
                [getattr(r, spec.rows)]
                if isinstance(getattr(r, spec.rows), str)
                else list(getattr(r, spec.rows))
            ),
            lambda r: (
                [getattr(r, spec.columns)]
                if isinstance(getattr(r, spec.columns), str)
                else list(getattr(r, spec.columns))
            ),
            lambda r: r.sources,
            row_label=spec.rows,
            column_label=spec.columns,
            unit="studies",
        )
    codebook = data.codebook or Codebook([])
    rows = codebook.field(spec.rows).choices if spec.rows in codebook else ()
    columns = codebook.field(spec.columns).choices if spec.columns in codebook else ()
    return crosstab(
        data.studies,
        field_labels(spec.rows),
        field_labels(spec.columns),
        lambda s: [s.key],
        row_order=rows,
        column_order=columns,
        row_label=spec.rows,
        column_label=spec.columns,
    )


def equations(review: Review) -> list[dict[str, str]]:
    """The search equation as run in each database of the protocol (``review.search``), with
    the translator's warnings; the protocol's text where it cannot be parsed."""
    from evimap.errors import SearchError, SearchSyntaxError

    try:
        rows = review.search.per_database()
    except (SearchError, SearchSyntaxError) as exc:
        text = review.protocol.search.equation
        return [
            {"database": db, "text": text, "note": f"as written in the protocol ({exc})"}
            for db in review.protocol.search.databases
        ]
    return [
        {
            "database": row["database"],
            "text": row["text"],
            "note": "; ".join(row["warnings"])
            or (f"written in {row['syntax']} syntax" if row["syntax"] else "as written"),
        }
        for row in rows
    ]


def _reference(study: Study) -> str:
    r = study.record
    if r is None:
        return study.key
    authors = ", ".join(a.display() for a in r.authors)
    bits = [f"{authors} ({r.year})." if r.year else f"{authors}.", f"{r.title}."]
    source = r.source_title
    if r.volume:
        source += f", {r.volume}"
        if r.issue:
            source += f"({r.issue})"
    if r.pages:
        source += f", {r.pages}"
    bits.append(source + ".")
    return " ".join(b for b in bits if b.strip("."))


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def render_html(data: ReportData, prisma_svg: str, gapmaps: Sequence[dict[str, Any]]) -> str:
    """The self-contained HTML report (inline SVG, CSS and a small filtering script)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evimap.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    review = data.review
    prisma_rows = data.prisma.rows(known_only=True)
    grouped_recs: dict[str, list] = {}
    for rec in data.recommendations:
        grouped_recs.setdefault(rec.domain, []).append(
            (rec.text, cite(rec.sources, data.labels), rec.source_type)
        )
    grouped_gaps: dict[str, list] = {}
    for gap in data.gaps:
        grouped_gaps.setdefault(gap.theme, []).append((gap.text, cite(gap.sources, data.labels)))
    wording = {
        "database_results": "records identified from databases",
        "records_screened": "records screened",
    }
    summary = [
        f"{data.prisma[box]} {words}" for box, words in wording.items() if data.prisma.known(box)
    ]
    summary.append(f"{len(data.included)} studies included")
    return template.render(
        version=__version__,
        title=data.title,
        protocol=review.protocol,
        equations=equations(review),
        prisma_svg=Markup(inline_svg(prisma_svg)),
        prisma_rows=prisma_rows,
        prisma_summary=summary,
        charting={
            "primary": data.primary,
            "second": data.second,
            "verified": data.agreement[0].studies if data.agreement else 0,
            "agreement": [a.to_dict() for a in data.agreement],
            "note": data.spec.notes.get("charting", ""),
        },
        codebook=list(data.codebook or []),
        studies=data.studies,
        included=len(data.included),
        not_included=data.not_included,
        screening=data.screening,
        tables=data.tables,
        numeric=NUMERIC,
        cell=_cell,
        fmt=_fmt,
        gapmap_figures=[{**g, "svg": Markup(inline_svg(g["svg"]))} for g in gapmaps],
        caveat=CAVEAT,
        recommendations=data.recommendations,
        recommendation_domains=sorted({r.domain for r in data.recommendations}),
        recommendation_rows=explore(data.recommendations, data.labels),
        filters=filter_values(data.recommendations),
        gaps=data.gaps,
        narrative_recommendations=list(grouped_recs.items()),
        narrative_gaps=list(grouped_gaps.items()),
        bibliography=sorted(
            (
                {
                    "citation": data.labels.get(s.key, s.key),
                    "reference": _reference(s),
                    "doi": s.record.doi if s.record else "",
                }
                for s in data.studies
            ),
            key=lambda b: b["citation"].lower(),
        ),
        checklist=data.checklist,
        consistency=data.consistency,
        events=[
            {**e.to_dict(), "at": e.at.strftime("%Y-%m-%d %H:%M:%S")}
            for e in review.events.read(member=data.member)
        ],
        viewer=data.member.name if data.member else "",
    )


def _checklist_table(items: Sequence[ChecklistItem]) -> Table:
    rows = [i.to_dict() for i in items]
    return Table(
        "prisma_scr_checklist",
        "PRISMA-ScR checklist (Tricco et al., 2018)",
        list(rows[0].keys()),
        rows,
        "Where this report and the review's manuscript address each of the 22 items.",
        "checklist",
    )


def _prisma_table(prisma: PrismaCounts) -> Table:
    return Table(
        "prisma",
        "PRISMA 2020 flow counts",
        ["label", "box", "n", "share", "source", "quote"],
        prisma.rows(),
        "Each box in the PRISMA 2020 diagram's words (box: the template's field name, as in "
        "prisma.json); share: n/N (%) of the box it comes out of; source: events, reported or "
        "derived; empty n: not known.",
        "prisma",
    )


def _charting_table(data: ReportData) -> Table:
    keys = [s.key for s in data.studies]
    rows = (
        data.review.charting.export_rows(data.primary, basis=False, keys=keys)
        if data.primary
        else []
    )
    columns = list(rows[0].keys()) if rows else ["key"]
    return Table(
        "charting",
        f"Charted values ({data.primary})",
        columns,
        rows,
        "One row per study; multi-valued cells are ';'-separated, quotes as JSON.",
        "charting",
    )


def write_report(data: ReportData, out: str | Path) -> dict[str, Path]:
    """Write the report files into ``out`` and return them by name.

    Writes ``report.html``, ``prisma.svg``, ``prisma.png``, ``prisma.json``, ``workbook.xlsx``,
    ``included.ris``, ``included.bib``, ``included.csv``, ``narrative.md``, ``checklist.json``,
    ``tables/*.csv``, ``figures/*.svg|png`` and, with paper numbers, ``consistency.md``.

    :param data: the computed report.
    :param out: the folder (created if needed).
    """
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    files: dict[str, Path] = {}

    figure = prisma_figure(data.prisma)
    prisma_svg = save_figure(figure, out / "prisma.svg", out / "prisma.png")
    files["prisma.svg"], files["prisma.png"] = out / "prisma.svg", out / "prisma.png"
    (out / "prisma.json").write_text(
        json.dumps(data.prisma.to_template(), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    files["prisma.json"] = out / "prisma.json"

    gapmaps = []
    for spec in data.spec.gapmaps:
        table = gap_map_table(spec, data)
        if not table.rows or not table.columns:
            continue
        svg_path = out / "figures" / f"{spec.name}.svg"
        png_path = out / "figures" / f"{spec.name}.png"
        svg = save_figure(gap_map_figure(table, spec.title), svg_path, png_path)
        files[f"figures/{spec.name}.svg"], files[f"figures/{spec.name}.png"] = svg_path, png_path
        gapmaps.append({"name": spec.name, "title": spec.title or spec.name, "svg": svg})

    for table in [*data.screening, *data.tables]:
        path = out / "tables" / f"{table.name}.csv"
        table.write_csv(path)
        files[f"tables/{table.name}.csv"] = path

    records = included_records(data)
    for name, writer in (
        ("included.ris", to_ris),
        ("included.bib", to_bibtex),
        ("included.csv", to_csv),
    ):
        (out / name).write_text(writer(records), encoding="utf-8")
        files[name] = out / name

    narrative = narrative_markdown(
        title=f"Narrative synthesis: {data.title}",
        labels=data.labels,
        tables=[f for t in data.tables for f in t.frequencies],
        recommendations=data.recommendations,
        gaps=data.gaps,
    )
    (out / "narrative.md").write_text(narrative, encoding="utf-8")
    files["narrative.md"] = out / "narrative.md"

    (out / "checklist.json").write_text(
        json.dumps([i.to_dict() for i in data.checklist], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    files["checklist.json"] = out / "checklist.json"

    if data.consistency is not None:
        (out / "consistency.md").write_text(
            consistency_markdown(data.consistency), encoding="utf-8"
        )
        files["consistency.md"] = out / "consistency.md"

    sheets = [
        *data.screening,
        *data.tables,
        _prisma_table(data.prisma),
        _checklist_table(data.checklist),
        _charting_table(data),
    ]
    if data.consistency is not None:
        rows = [c.to_dict() for c in data.consistency.checks]
        sheets.append(
            Table("consistency", "Consistency with the paper", list(rows[0]), rows, "", "")
        )
    write_workbook(sheets, out / "workbook.xlsx")
    files["workbook.xlsx"] = out / "workbook.xlsx"

    html = render_html(data, prisma_svg, gapmaps)
    (out / "report.html").write_text(html, encoding="utf-8")
    files["report.html"] = out / "report.html"
    return files
