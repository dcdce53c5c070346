"""Reading a decisions file: evimap's own export and the exports of Rayyan, Covidence and ASReview.

Each layout is recognised from its columns (see :func:`layout_of`) and read into
:class:`FileRow` items, one per decision (a Rayyan row with two reviewers' votes gives two):
who decided (or ``""`` when the file does not say), how the row names its record, the decision,
the reason and a note. Nothing here touches the store; :mod:`evimap.screening.transfer` matches
the rows to records and writes them.

The layouts, as their tools document them:

- **evimap** (``evimap decisions export``): ``record_id`` (evimap's id), ``source_record_id``,
  ``doi``, ``title``, ``year``, ``stage``, ``reviewer``, ``role``, ``kind`` (``decision`` or
  ``settlement``), ``decision``, ``reason``, ``why``, ``at``.
- **Rayyan** (``articles.csv``): ``key`` (Rayyan's id), ``title``, ``authors``, ``journal``,
  ``year``, ``pubmed_id``, ``doi``, ... and ``notes`` holding ``RAYYAN-INCLUSION: {"Name"=>
  "Included", "Other"=>"Excluded"} | RAYYAN-LABELS: ... | RAYYAN-EXCLUSION-REASONS: a,b``:
  one vote per collaborator.
- **Covidence** (one CSV per list: irrelevant, excluded, included): ``Title``, ``Authors``,
  ``Abstract``, ``Published Year``, ``Journal``, ``Accession Number`` (the source database's
  ID), ``DOI``, ``Covidence #`` (Covidence's own number, not a source ID), ``Notes``, ``Tags``.
  A list has no decision column: give the list's decision (``--decision``).
- **ASReview** (project export): the dataset's own columns, ``record_id`` (the dataset's own
  ``record_id`` when it had one, else ASReview's row number; never evimap's id), and the label
  in ``asreview_label`` (or ``included`` / ``label_included`` in older versions): ``1``
  relevant, ``0`` irrelevant, empty or ``-1`` not labelled; ``asreview_note`` holds the
  reviewer's note. Its ``record_id`` is read as a source ID, and a match by it must agree with
  the row's DOI or title (a row number matching a source ID by chance is refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evimap.csvtable import CsvRow, CsvTable
from evimap.errors import Problem
from evimap.records.normalise import normalise_doi, normalise_pmid, normalise_year
from evimap.screening.config import ScreeningConfig

LAYOUTS = ("evimap", "rayyan", "covidence", "asreview", "csv")
"""Layouts a decisions file may have (``csv``: any table with an ID or DOI and a decision)."""

SOURCE_ID_COLUMNS = (
    "source_record_id",
    "key",
    "accession number",
    "accession_number",
    "ut",
    "pmid",
    "pubmed_id",
    "pubmedid",
    "id",
)
PMID_COLUMNS = ("pmid", "pubmed_id", "pubmedid", "pubmed id")
"""Columns read as a PubMed id as well (matched against the records' PMIDs)."""
DOI_COLUMNS = ("doi",)
TITLE_COLUMNS = ("title", "primary_title")
YEAR_COLUMNS = ("year", "published year", "publication year", "py")
DECISION_COLUMNS = (
    "decision",
    "asreview_label",
    "included",
    "label_included",
    "final_included",
    "included_label",
    "included_final",
    "included_flag",
    "include",
    "label",
    "screening decision",
    "vote",
)
REASON_COLUMNS = (
    "reason",
    "exclusion_reason",
    "exclusion reason",
    "reasons",
    "exclusion reasons",
    "reason for exclusion",
)
NOTE_COLUMNS = ("note", "asreview_note", "comment", "comments")
REVIEWER_COLUMNS = ("reviewer", "reviewer name", "screener")
DECISION_WORDS = {
    "include": "include",
    "included": "include",
    "yes": "include",
    "y": "include",
    "1": "include",
    "true": "include",
    "relevant": "include",
    "exclude": "exclude",
    "excluded": "exclude",
    "no": "exclude",
    "n": "exclude",
    "0": "exclude",
    "false": "exclude",
    "irrelevant": "exclude",
    "maybe": "maybe",
    "unsure": "maybe",
    "undecided": "maybe",
    "?": "maybe",
}
NOT_LABELLED = ("-1",)
_RAYYAN_VOTE = re.compile(r'"([^"]+)"\s*=>\s*"([^"]+)"')
_RAYYAN_REASONS = re.compile(r"RAYYAN-EXCLUSION-REASONS:\s*([^|]*)")


@dataclass(frozen=True)
class FileRow:
    """One decision read from a file.

    :param line: the line its row starts on.
    :param reviewer: who decided, as the file says (``""``: the file does not say).
    :param evimap_id: evimap's record id (only from evimap's own layout).
    :param kind: ``decision``, or ``settlement`` for an arbiter's row.
    """

    line: int
    reviewer: str
    evimap_id: int | None
    source_id: str
    doi: str
    title: str
    year: int | None
    decision: str
    reason: str
    note: str
    kind: str = "decision"
    why: str = ""
    stage: str = ""
    pmid: str = ""

    @property
    def has_key(self) -> bool:
        """Whether the row names its record in any way evimap can match."""
        return bool(
            self.evimap_id is not None or self.source_id or self.pmid or self.doi or self.title
        )


def layout_of(table: CsvTable) -> str:
    """The layout of a decisions table (one of :data:`LAYOUTS`)."""
    if table.column("record_id") and table.column("stage") and table.column("reviewer"):
        return "evimap"
    if table.column("covidence #"):
        return "covidence"
    if any(c.strip().lower().startswith("asreview_") for c in table.columns):
        return "asreview"
    notes = table.column("notes")
    if notes and any("RAYYAN-INCLUSION" in r.get(notes) for r in table.rows):
        return "rayyan"
    if table.column("record_id") and table.column(*DECISION_COLUMNS[1:9]):
        return "asreview"
    return "csv"


def _is_records_export(table: CsvTable) -> bool:
    """Whether the table is ``evimap records --format csv`` (its ``id`` is evimap's id)."""
    return bool(
        table.column("id") and table.column("source_record_id") and table.column("source_database")
    )


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def reason_code(config: ScreeningConfig, text: str) -> str | None:
    """The reason code ``text`` names, or ``None``: by its code (``I4``), its criterion's text
    (``Focused on adult patients``), or its wording as evimap shows it (``Not met: Focused on
    adult patients``, ``I4 not met: Focused on adult patients``); case and spacing aside."""
    wanted = _words(text)
    for code in config.reasons:
        names = [code]
        criterion = config.criteria.get(code)
        if criterion is not None:
            names += [criterion.text, criterion.reason, criterion.reason_label]
        if wanted in {_words(name) for name in names}:
            return code
    return None


def first_reason(config: ScreeningConfig, text: str) -> tuple[str, str | None]:
    """The first reason of a cell that may list several (``;`` or ``,`` between them, as
    Rayyan writes them), and its code (``None`` when it names none). A reason whose own words
    hold a comma or semicolon is read whole: the longest run of pieces from the start that names
    a reason wins."""
    pieces = re.split(r"([;,])", text)
    best: tuple[str, str | None] = (pieces[0].strip(), None)
    for end in range(1, len(pieces) + 1, 2):
        candidate = "".join(pieces[:end]).strip()
        code = reason_code(config, candidate)
        if code is not None:
            best = (candidate, code)
    return best


def rayyan_votes(notes: str) -> tuple[dict[str, str], str]:
    """Each collaborator's vote, and the exclusion reasons text, of a Rayyan ``notes`` cell."""
    part = (
        notes.split("RAYYAN-INCLUSION:", 1)[-1].split("|")[0] if "RAYYAN-INCLUSION" in notes else ""
    )
    reasons = _RAYYAN_REASONS.search(notes)
    return dict(_RAYYAN_VOTE.findall(part)), reasons.group(1).strip() if reasons else ""


def read_decision_rows(
    table: CsvTable,
    config: ScreeningConfig,
    *,
    member_name: str | None,
    default_decision: str | None,
) -> tuple[str, list[FileRow], list[Problem]]:
    """The layout, decisions and problems of a decisions table.

    :param table: the table.
    :param config: the screening settings (reason codes).
    :param member_name: the name given for the whole file (``--as``), if any: of a Rayyan file,
        only that collaborator's votes are read.
    :param default_decision: the decision of rows without one (a Covidence list).
    """
    layout = layout_of(table)
    name = table.file
    problems: list[Problem] = []
    id_columns = SOURCE_ID_COLUMNS + (("record_id",) if layout == "asreview" else ())
    cols = {
        "id": table.column(*id_columns),
        "pmid": table.column(*PMID_COLUMNS),
        "doi": table.column(*DOI_COLUMNS),
        "title": table.column(*TITLE_COLUMNS),
        "year": table.column(*YEAR_COLUMNS),
        "decision": table.column(*DECISION_COLUMNS),
        "reason": table.column(*REASON_COLUMNS),
        "note": table.column(*NOTE_COLUMNS),
        "reviewer": table.column(*REVIEWER_COLUMNS),
        "kind": table.column("kind") if layout == "evimap" else None,
        "why": table.column("why"),
        "stage": table.column("stage"),
        "evimap": table.column("evimap_id")
        or (table.column("record_id") if layout == "evimap" else None)
        or (table.column("id") if _is_records_export(table) else None),
        "notes": table.column("notes") if layout == "rayyan" else None,
    }
    if not any(cols[k] for k in ("id", "pmid", "doi", "title", "evimap")):
        problems.append(
            Problem(
                "no column names the records (expected evimap_id for evimap's record ids, or "
                "an ID, DOI or title column: "
                f"{', '.join(SOURCE_ID_COLUMNS + DOI_COLUMNS + TITLE_COLUMNS)})",
                file=name,
                line=1,
            )
        )
    if cols["decision"] is None and cols["notes"] is None and default_decision is None:
        problems.append(
            Problem(
                f"no decision column (expected one of {', '.join(DECISION_COLUMNS)}, or Rayyan's "
                "notes); for a list that is all one decision give --decision",
                file=name,
                line=1,
            )
        )
    if problems:
        return layout, [], problems
    out: list[FileRow] = []
    for row in table.rows:
        for reviewer, word, reason_text in _votes(row, cols, member_name):
            parsed = _row(row, cols, config, reviewer, word, reason_text, default_decision, name)
            if isinstance(parsed, Problem):
                problems.append(parsed)
            elif parsed is not None:
                out.append(parsed)
    return layout, out, problems


def _votes(
    row: CsvRow, cols: dict[str, str | None], member_name: str | None
) -> list[tuple[str, str, str]]:
    """``(reviewer, decision word, reason text)`` of each vote a row holds."""
    reason_text = row.get(cols["reason"]).strip()
    if cols["decision"] is None and cols["notes"] is not None:
        votes, reasons = rayyan_votes(row.get(cols["notes"]))
        reason_text = reason_text or reasons
        if member_name is not None:
            votes = {member_name: votes[member_name]} if member_name in votes else {}
        return [(who, word, reason_text) for who, word in votes.items()] or [
            (member_name or "", "", reason_text)
        ]
    return [(row.get(cols["reviewer"]).strip(), row.get(cols["decision"]).strip(), reason_text)]


def _row(
    row: CsvRow,
    cols: dict[str, str | None],
    config: ScreeningConfig,
    reviewer: str,
    word: str,
    reason_text: str,
    default_decision: str | None,
    name: str,
) -> FileRow | Problem | None:
    line = row.line
    if not word and default_decision:
        word = default_decision
    decision = DECISION_WORDS.get(word.lower(), "") if word else ""
    if word and not decision and word not in NOT_LABELLED:
        return Problem(
            f"{word!r} is not a decision (include, exclude, maybe, 1, 0)",
            file=name,
            line=line,
            field=cols["decision"] or "notes",
        )
    reason = ""
    if reason_text and decision == "exclude":
        first, code = first_reason(config, reason_text)
        if code is None:
            return Problem(
                f"exclusion reason {first!r} is not a criterion code or text; codes are "
                f"{', '.join(config.reasons)}",
                file=name,
                line=line,
                field=cols["reason"] or "notes",
            )
        reason = code
    evimap_id: int | None = None
    raw_id = row.get(cols["evimap"]).strip()
    if raw_id:
        try:
            evimap_id = int(raw_id)
        except ValueError:
            return Problem(
                f"{raw_id!r} is not an evimap record id", file=name, line=line, field=cols["evimap"]
            )
    kind = row.get(cols["kind"]).strip().lower() or "decision"
    return FileRow(
        line=line,
        reviewer=reviewer,
        evimap_id=evimap_id,
        source_id=row.get(cols["id"]).strip(),
        doi=normalise_doi(row.get(cols["doi"])) or "",
        title=row.get(cols["title"]).strip(),
        year=normalise_year(row.get(cols["year"]).strip() or None),
        decision=decision,
        reason=reason,
        note=row.get(cols["note"]).strip(),
        kind=kind if kind in ("decision", "settlement") else "decision",
        why=row.get(cols["why"]).strip(),
        stage=row.get(cols["stage"]).strip(),
        pmid=normalise_pmid(row.get(cols["pmid"])),
    )
