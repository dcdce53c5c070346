"""Decisions in and out as CSV: evimap's own export, and exports of Rayyan, Covidence and
ASReview, so a review screened elsewhere can move over.

A row names its record by the ID it had in the source file (``source_record_id``), else by DOI;
its decision column may be evimap's ``decision``, ASReview's ``included`` / ``label_included``
(1/0), Covidence's list (give ``default_decision``), or Rayyan's ``notes`` field
(``RAYYAN-INCLUSION: {"Name"=>"Included"}``). The whole file is one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evimap.errors import Problem
from evimap.protocol.screening import STAGES
from evimap.records.normalise import normalise_doi
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.decisions import add_note, record_batch
from evimap.screening.errors import DecisionFileError, InvalidDecision
from evimap.store.events import EventLog
from evimap.store.models_screening import AssignmentRow

ID_COLUMNS = (
    "source_record_id",
    "key",
    "covidence #",
    "covidence_id",
    "record_id",
    "id",
    "pmid",
    "pubmedid",
    "accession number",
    "ut",
)
DOI_COLUMNS = ("doi",)
DECISION_COLUMNS = (
    "decision",
    "included",
    "label_included",
    "asreview_label",
    "label",
    "screening decision",
    "vote",
)
REASON_COLUMNS = ("reason", "exclusion_reason", "exclusion reason", "reasons", "exclusion reasons")
NOTE_COLUMNS = ("note", "comment", "comments")
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
_RAYYAN_VOTE = re.compile(r'"([^"]+)"\s*=>\s*"([^"]+)"')
_RAYYAN_REASONS = re.compile(r"RAYYAN-EXCLUSION-REASONS:\s*([^|]*)")


@dataclass
class ImportResult:
    """What a decisions import did."""

    file: str
    stage: str
    reviewer: str
    rows: int = 0
    decisions: int = 0
    unchanged: int = 0
    undecided: int = 0
    unmatched: list[int] = field(default_factory=list)
    by_decision: dict[str, int] = field(default_factory=dict)


def _pick(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in header:
            return header[name]
    return None


def _reason_code(config: ScreeningConfig, text: str) -> str | None:
    wanted = text.strip().lower()
    for code in config.reasons:
        if wanted in (code.lower(), config.reason_texts.get(code, "").strip().lower()):
            return code
    return None


def _rayyan(notes: str, reviewer: str) -> tuple[str, str]:
    """Decision word and reason text of ``reviewer`` in a Rayyan ``notes`` field."""
    votes = dict(_RAYYAN_VOTE.findall(notes.split("RAYYAN-INCLUSION:", 1)[-1].split("|")[0]))
    reasons = _RAYYAN_REASONS.search(notes)
    return votes.get(reviewer, ""), reasons.group(1).strip() if reasons else ""


def read_rows(
    path: Path, config: ScreeningConfig, reviewer: str, default_decision: str | None
) -> tuple[list[tuple[int, str, str, str, str, str]], list[Problem]]:
    """Parse a decisions CSV: ``(line, id, doi, decision, reason, note)`` rows and problems."""
    problems: list[Problem] = []
    out = []
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DecisionFileError([Problem(f"cannot read the file: {exc}", file=name)]) from None
    reader = csv.DictReader(text.splitlines())
    header = {c.strip().lower(): c for c in reader.fieldnames or []}
    id_col, doi_col = _pick(header, ID_COLUMNS), _pick(header, DOI_COLUMNS)
    decision_col, reason_col = _pick(header, DECISION_COLUMNS), _pick(header, REASON_COLUMNS)
    note_col = _pick(header, NOTE_COLUMNS)
    rayyan = decision_col is None and "RAYYAN-INCLUSION" in text
    rayyan_col = header.get("notes") if rayyan else None
    if id_col is None and doi_col is None:
        problems.append(
            Problem(
                "no record ID or DOI column (expected one of "
                f"{', '.join(ID_COLUMNS + DOI_COLUMNS)})",
                file=name,
                line=1,
            )
        )
    if decision_col is None and rayyan_col is None and default_decision is None:
        problems.append(
            Problem(
                f"no decision column (expected one of {', '.join(DECISION_COLUMNS)}, or Rayyan's "
                "notes); for a list that is all one decision give --decision",
                file=name,
                line=1,
            )
        )
    if problems:
        return [], problems
    for line, row in enumerate(reader, start=2):
        rid = (row.get(id_col) or "").strip() if id_col else ""
        doi = normalise_doi(row.get(doi_col) or "") if doi_col else ""
        reason_text = (row.get(reason_col) or "").strip() if reason_col else ""
        if decision_col:
            word = (row.get(decision_col) or "").strip()
        elif rayyan_col:
            word, rayyan_reason = _rayyan(row.get(rayyan_col) or "", reviewer)
            reason_text = reason_text or rayyan_reason
        else:
            word = ""
        if not word and default_decision:
            word = default_decision
        decision = DECISION_WORDS.get(word.lower(), "") if word else ""
        if word and not decision and word not in ("-1",):
            problems.append(
                Problem(
                    f"{word!r} is not a decision (include, exclude, maybe, 1, 0)",
                    file=name,
                    line=line,
                    field=decision_col or "notes",
                )
            )
            continue
        reason = ""
        if reason_text and decision == "exclude":
            first = re.split(r"[;,]", reason_text)[0]
            code = _reason_code(config, first)
            if code is None:
                problems.append(
                    Problem(
                        f"exclusion reason {first!r} is not a criterion code or text; codes are "
                        f"{', '.join(config.reasons)}",
                        file=name,
                        line=line,
                        field=reason_col,
                    )
                )
                continue
            reason = code
        if not rid and not doi:
            problems.append(Problem("no record ID and no DOI", file=name, line=line))
            continue
        note = (row.get(note_col) or "").strip() if note_col else ""
        out.append((line, rid, doi, decision, reason, note))
    return out, problems


def _assign_imported(
    session: Session, config: ScreeningConfig, stage: str, reviewer: str, targets: list[int]
) -> list[dict]:
    """Assign imported records to ``reviewer``; a record new to the stage also goes to as many
    other team reviewers as the stage's ``reviewers_per_record`` asks (team order), so a
    single reviewer's import does not settle it alone."""
    taken = ledger.assignments(session, stage)
    others = [n for n in config.screeners if n != reviewer]
    others = others[: max(config.stage(stage).reviewers_per_record - 1, 0)]
    position = (
        session.scalar(
            select(func.count()).select_from(AssignmentRow).where(AssignmentRow.stage == stage)
        )
        or 0
    )
    new: list[dict] = []
    for target in dict.fromkeys(targets):
        names = taken.get(target)
        wanted = [reviewer] if names else [reviewer, *others]
        for name in wanted:
            if names and name in names:
                continue
            new.append(
                {
                    "stage": stage,
                    "record_id": target,
                    "reviewer": name,
                    "round": "main",
                    "position": position + len(new),
                }
            )
        taken.setdefault(target, []).extend(wanted)
    return new


def import_decisions(
    session: Session,
    config: ScreeningConfig,
    path: str | Path,
    stage: str,
    *,
    reviewer: str,
    default_decision: str | None = None,
    skip_unmatched: bool = False,
) -> ImportResult:
    """Record ``reviewer``'s decisions from a CSV file at ``stage``, in the caller's transaction.

    Records not yet assigned to the reviewer are assigned (main round; see
    :func:`_assign_imported`). Rows whose decision is
    already the current one are left alone, so importing a file twice adds nothing.
    :raises DecisionFileError: listing every bad row (nothing is written).
    """
    config.stage(stage)
    config.role(reviewer)
    path = Path(path)
    rows, problems = read_rows(path, config, reviewer, default_decision)
    by_id, by_doi = units.unit_index(session)
    result = ImportResult(str(path), stage, reviewer)
    matched: list[tuple[int, list[int], str, str, str]] = []
    pool = None
    if stage == STAGES[1]:
        pool = set(ledger.stage_pool(session, config, stage, units.unit_ids(session)))
    for line, rid, doi, decision, reason, note in rows:
        result.rows += 1
        targets = by_id.get(rid) if rid else None
        targets = targets or (by_doi.get(doi) if doi else None)
        if not targets:
            if skip_unmatched:
                result.unmatched.append(line)
                continue
            problems.append(
                Problem(
                    f"no record with source ID {rid!r}" + (f" or DOI {doi}" if doi else ""),
                    file=str(path),
                    line=line,
                )
            )
            continue
        if pool is not None and not set(targets) <= pool:
            problems.append(
                Problem(
                    "the record has not reached full text (settle it as include at title/abstract)",
                    file=str(path),
                    line=line,
                )
            )
            continue
        if decision:
            try:
                config.check_decision(stage, decision, reason)
            except InvalidDecision as exc:
                problems.append(Problem(str(exc), file=str(path), line=line))
                continue
        matched.append((line, targets, decision, reason, note))
    current = ledger.current_decisions(session, stage)
    states = ledger.stage_states(session, config, stage, current)
    wanted: dict[int, tuple[str, str]] = {}  # the last row naming a record wins
    for line, targets, decision, reason, _note in matched:
        if not decision:
            continue
        for target in targets:
            held = current.get((target, reviewer))
            if held and (held.decision, held.reason) == (decision, reason):
                wanted.pop(target, None)
                continue
            state = states.get(target)
            if state is not None and state.status == "settled":
                problems.append(
                    Problem(
                        f"record {target} is settled at {stage}; only an arbiter can change it now",
                        file=str(path),
                        line=line,
                    )
                )
                continue
            wanted[target] = (decision, reason)
    if problems:
        raise DecisionFileError(problems)
    new = _assign_imported(
        session, config, stage, reviewer, [t for _, targets, *_ in matched for t in targets]
    )
    if new:
        session.execute(insert(AssignmentRow), new)
    for _, targets, decision, _reason, note in matched:
        if note:
            for target in targets:
                add_note(session, config, stage, target, reviewer=reviewer, text=note)
        if not decision:
            result.undecided += 1
        else:
            result.unchanged += sum(1 for t in targets if t not in wanted)
    record_batch(session, stage, reviewer, wanted, action="import")
    result.decisions = len(wanted)
    for decision, _ in wanted.values():
        result.by_decision[decision] = result.by_decision.get(decision, 0) + 1
    EventLog.append(
        session,
        "screen.import",
        actor=reviewer,
        subject=path.name,
        counts={
            "rows": result.rows,
            "decisions": result.decisions,
            "unchanged": result.unchanged,
            "unmatched": len(result.unmatched),
            **result.by_decision,
        },
        details={
            "stage": stage,
            "file": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "assigned": {
                name: [a["record_id"] for a in new if a["reviewer"] == name]
                for name in dict.fromkeys(a["reviewer"] for a in new)
            },
        },
    )
    return result
