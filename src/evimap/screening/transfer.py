"""Decisions in as one undoable batch: match each row of a decisions file to a record, check
who made it, and record it (a reviewer's decision, or an arbiter's settlement).

**Matching**, in this order, the first key that finds a record wins: evimap's record id (only
in evimap's own export), the ID the record had in its source file, the PubMed ID (a ``pmid``
or ``pubmed_id`` column: Rayyan's and ASReview's exports of PubMed records), the DOI, then the
normalised title with the year. A key that finds several records is an error listing them (never a
decision on each); a row that matches nothing is an error with its line, or, with
``skip_unmatched``, skipped and reported (rows naming no record at all included).

**Who**: with a member given (``--as``), the whole file is theirs and a row naming someone else
is refused. Without one, every row's ``reviewer`` (or each Rayyan collaborator) must be on the
team. A row by an arbiter or owner settles the record (``screen.settle``) instead of adding a
third reviewer's vote.

**Batch**: the file is one transaction; its events carry a ``batch`` id, and
:func:`undo_import` takes the whole batch back (decisions still current are reverted,
settlements withdrawn; anything changed since stays).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evimap.csvtable import CsvError, read_csv
from evimap.dedup import state as dedup_state
from evimap.dedup.normalise import norm_title
from evimap.errors import Problem
from evimap.members import Action, Member
from evimap.protocol.screening import STAGES
from evimap.records.normalise import normalise_doi
from evimap.screening import conflicts, decisions, ledger, locks, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.decision_file import FileRow, read_decision_rows
from evimap.screening.errors import DecisionFileError, InvalidDecision, ScreeningError
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import RecordRow
from evimap.store.models_screening import AssignmentRow, DecisionRow, SettlementRow


@dataclass
class ImportResult:
    """What a decisions import did.

    :param batch: the batch id (``review.screening.undo_import(batch, ...)`` takes it back).
    :param unmatched: rows skipped with ``skip_unmatched``: ``{"line": n, "why": ...}``.
    """

    file: str
    stage: str
    layout: str = ""
    reviewers: list[str] = field(default_factory=list)
    batch: str = ""
    rows: int = 0
    decisions: int = 0
    settlements: int = 0
    unchanged: int = 0
    undecided: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    by_decision: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class UndoResult:
    """What undoing a decisions import did."""

    batch: str
    reverted: int = 0
    withdrawn: int = 0
    changed_since: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


class Matcher:
    """Finds the screening unit a file row names (see the module docstring).

    :param session: the caller's session.
    """

    def __init__(self, session: Session):
        unit_of = dedup_state.unit_of_records(session)
        self.units = set(units.unit_ids(session))
        self.unit_of = unit_of
        self.by_id: dict[str, set[int]] = defaultdict(set)
        self.by_doi: dict[str, set[int]] = defaultdict(set)
        self.by_pmid: dict[str, set[int]] = defaultdict(set)
        self.by_title: dict[tuple[str, int | None], set[int]] = defaultdict(set)
        self.dois_of: dict[int, set[str]] = defaultdict(set)
        self.titles_of: dict[int, set[str]] = defaultdict(set)
        query = select(
            RecordRow.id,
            RecordRow.source_record_id,
            RecordRow.pmid,
            RecordRow.doi,
            RecordRow.title,
            RecordRow.year,
        ).order_by(RecordRow.id)
        for rid, source_id, pmid, doi, title, year in session.execute(query):
            uid = unit_of.get(rid, rid)
            if uid not in self.units:
                continue
            if source_id:
                self.by_id[str(source_id).strip()].add(uid)
            if pmid:
                self.by_pmid[pmid].add(uid)
            clean = normalise_doi(doi) or (doi or "").lower()
            if clean:
                self.by_doi[clean].add(uid)
                self.dois_of[uid].add(clean)
            key = norm_title(title)
            if key:
                self.by_title[(key, year)].add(uid)
                self.by_title[(key, None)].add(uid)
                self.titles_of[uid].add(key)

    def match(self, row: FileRow) -> tuple[list[int], str]:
        """``(units, how)``: one unit when matched, several when ambiguous, none when not."""
        if row.evimap_id is not None:
            uid = self.unit_of.get(row.evimap_id, row.evimap_id)
            if uid in self.units:
                return [uid], "evimap id"
        for how, found in (
            ("source ID", self.by_id.get(row.source_id) if row.source_id else None),
            ("PubMed ID", self.by_pmid.get(row.pmid) if row.pmid else None),
            ("DOI", self.by_doi.get(row.doi) if row.doi else None),
            (
                "title and year",
                self.by_title.get((norm_title(row.title), row.year)) if row.title else None,
            ),
        ):
            if found:
                return sorted(found), how
        return [], ""

    def disagrees(self, row: FileRow, unit: int) -> str:
        """Why a match by id is doubtful: the row's DOI or title belongs to another record
        (``""`` when nothing disagrees)."""
        if row.doi and self.dois_of.get(unit) and row.doi not in self.dois_of[unit]:
            return f"DOI {sorted(self.dois_of[unit])[0]}, the row {row.doi}"
        title = norm_title(row.title)
        known = self.titles_of.get(unit)
        if title and known and not any(title in t or t in title for t in known):
            return "another title"
        return ""

    @staticmethod
    def describe(row: FileRow) -> str:
        """How a row names its record, for messages."""
        parts = []
        if row.evimap_id is not None:
            parts.append(f"record_id {row.evimap_id}")
        if row.source_id:
            parts.append(f"source ID {row.source_id!r}")
        if row.pmid and row.pmid != row.source_id:
            parts.append(f"PubMed ID {row.pmid}")
        if row.doi:
            parts.append(f"DOI {row.doi}")
        if row.title:
            title = row.title if len(row.title) <= 60 else row.title[:57] + "..."
            parts.append(f"title {title!r}" + (f" ({row.year})" if row.year else ""))
        return " or ".join(parts) or "nothing"


@dataclass
class _Matched:
    row: FileRow
    target: int
    member: Member


def import_decisions(
    session: Session,
    config: ScreeningConfig,
    team: dict[str, Member],
    path: str | Path,
    stage: str,
    *,
    member: Member | None,
    default_decision: str | None = None,
    skip_unmatched: bool = False,
) -> ImportResult:
    """Record the decisions of a file at ``stage`` in the caller's transaction.

    Records not yet assigned to a deciding reviewer are assigned to them (main round; a record
    new to the stage also goes to as many other reviewers as the stage asks, so one
    reviewer's import does not settle it alone). Rows whose decision is already the current
    one are left alone, so importing a file twice adds nothing.

    :param team: the team by name.
    :param member: whose file it is (``None``: every row names its reviewer).
    :raises DecisionFileError: listing every bad row (nothing is written).
    """
    config.stage(stage)
    path = Path(path)
    try:
        table = read_csv(path, encoding="utf-8")
    except CsvError as exc:
        raise DecisionFileError(exc.problems) from None
    layout, rows, problems = read_decision_rows(
        table,
        config,
        member_name=member.name if member else None,
        default_decision=default_decision,
    )
    result = ImportResult(str(path), stage, layout)
    matcher = Matcher(session)
    pool = None
    if stage == STAGES[1]:
        pool = set(ledger.stage_pool(session, config, stage, units.unit_ids(session)))
    matched: list[_Matched] = []
    for row in rows:
        result.rows += 1
        who = _who(row, member, team, path, problems)
        if who is None:
            continue
        if row.stage and row.stage != stage:
            problems.append(
                Problem(
                    f"the row is for stage {row.stage}; import it with --stage {row.stage}",
                    file=str(path),
                    line=row.line,
                )
            )
            continue
        targets, how = matcher.match(row) if row.has_key else ([], "")
        if len(targets) > 1:
            problems.append(
                Problem(
                    f"its {how} matches {len(targets)} records "
                    f"({', '.join(str(t) for t in targets)}); name one (e.g. by record_id)",
                    file=str(path),
                    line=row.line,
                )
            )
            continue
        if not targets:
            why = (
                "names no record (no ID, DOI or title)"
                if not row.has_key
                else f"matches no record by {Matcher.describe(row)}"
            )
            if skip_unmatched:
                result.unmatched.append({"line": row.line, "why": why})
            else:
                problems.append(Problem(why, file=str(path), line=row.line))
            continue
        target = targets[0]
        doubt = matcher.disagrees(row, target) if how in ("evimap id", "source ID") else ""
        if doubt:
            problems.append(
                Problem(
                    f"its {how} names record {target}, which has {doubt}: is the file from "
                    "another review, or its IDs another tool's numbering?",
                    file=str(path),
                    line=row.line,
                )
            )
            continue
        if pool is not None and target not in pool:
            problems.append(
                Problem(
                    f"record {target} has not reached full text (settle it as include at "
                    "title/abstract)",
                    file=str(path),
                    line=row.line,
                )
            )
            continue
        if row.decision:
            try:
                if who.privileged:
                    _check_settlement(config, stage, row)
                else:
                    config.check_decision(stage, row.decision, row.reason)
            except InvalidDecision as exc:
                problems.append(Problem(str(exc), file=str(path), line=row.line))
                continue
        matched.append(_Matched(row, target, who))
    plan = _plan(session, config, stage, matched, path, problems, result)
    if problems:
        raise DecisionFileError(problems)
    _write(session, config, stage, path, matched, plan, result, member)
    return result


def _who(
    row: FileRow,
    member: Member | None,
    team: dict[str, Member],
    path: Path,
    problems: list[Problem],
) -> Member | None:
    """The member a row's decision belongs to, or ``None`` (with a problem noted)."""
    named = row.reviewer
    if member is not None:
        if named and named != member.name:
            problems.append(
                Problem(
                    f"the row is by {named}, not by {member.name}: a file imported --as "
                    f"{member.name} holds only {member.name}'s decisions",
                    file=str(path),
                    line=row.line,
                    field="reviewer",
                )
            )
            return None
        return member
    if not named:
        problems.append(
            Problem(
                "the row does not say whose decision it is: add a reviewer column or give --as",
                file=str(path),
                line=row.line,
            )
        )
        return None
    if named not in team:
        listing = ", ".join(f"{m.name} ({m.role})" for m in team.values()) or "nobody"
        problems.append(
            Problem(
                f"{named!r} is not on the team ({listing})",
                file=str(path),
                line=row.line,
                field="reviewer",
            )
        )
        return None
    return team[named]


def _check_settlement(config: ScreeningConfig, stage: str, row: FileRow) -> None:
    allowed = ["include", "exclude"]
    if stage == STAGES[0] and config.settings.maybe_advances:
        allowed.append("maybe")
    if row.decision not in allowed:
        raise InvalidDecision(f"a settlement at {stage} is one of {', '.join(allowed)}")
    config.check_decision(stage, row.decision, row.reason)


@dataclass
class _Plan:
    decisions: dict[str, dict[int, tuple[str, str]]] = field(default_factory=dict)
    settlements: dict[int, tuple[_Matched, str]] = field(default_factory=dict)


def _plan(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    matched: list[_Matched],
    path: Path,
    problems: list[Problem],
    result: ImportResult,
) -> _Plan:
    """What to write: each reviewer's new decisions (the last row naming a record wins) and
    each arbiter's settlements; decisions equal to the current ones are left out."""
    current = ledger.current_decisions(session, stage)
    states = ledger.stage_states(session, config, stage, current)
    screened_here = {i.target for i in matched if not i.member.privileged}
    plan = _Plan()
    for item in matched:
        row, target, who = item.row, item.target, item.member
        if not row.decision:
            result.undecided += 1
            continue
        if who.privileged:
            state = states.get(target)
            if (state is None or not state.reviewers) and target not in screened_here:
                problems.append(
                    Problem(
                        f"record {target} is not assigned at {stage}; an arbiter settles "
                        "records the reviewers screened",
                        file=str(path),
                        line=row.line,
                    )
                )
                continue
            if (
                state is not None
                and state.status == "settled"
                and state.settlement is not None
                and (state.settlement.decision, state.settlement.reason)
                == (row.decision, row.reason)
            ):
                result.unchanged += 1
                plan.settlements.pop(target, None)
                continue
            why = row.why or row.note or f"settled by the decisions file {path.name}"
            plan.settlements[target] = (item, why)
            continue
        mine = plan.decisions.setdefault(who.name, {})
        held = current.get((target, who.name))
        if held and (held.decision, held.reason) == (row.decision, row.reason):
            mine.pop(target, None)
            result.unchanged += 1
            continue
        state = states.get(target)
        if state is not None and state.status == "settled":
            problems.append(
                Problem(
                    f"record {target} is settled at {stage}; only an arbiter can change it now",
                    file=str(path),
                    line=row.line,
                )
            )
            continue
        mine[target] = (row.decision, row.reason)
    return plan


def _assign_imported(
    session: Session, config: ScreeningConfig, stage: str, reviewer: str, targets: list[int]
) -> list[dict]:
    """Assignment rows giving ``targets`` to ``reviewer``; a record new to the stage also goes
    to as many other team reviewers as the stage's ``reviewers_per_record`` asks (team
    order)."""
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


def _write(
    session: Session,
    config: ScreeningConfig,
    stage: str,
    path: Path,
    matched: list[_Matched],
    plan: _Plan,
    result: ImportResult,
    member: Member | None,
) -> None:
    batch = uuid.uuid4().hex[:12]
    result.batch = batch
    sha = hashlib.sha256(path.read_bytes()).hexdigest()

    def log(who: Member, counts: dict[str, int], details: dict[str, Any]) -> None:
        """One ``screen.import`` event per reviewer of the file, all with the batch id."""
        EventLog.append(
            session,
            Kind.SCREEN_IMPORT,
            actor=who.name,
            subject=path.name,
            counts=counts,
            details={
                "stage": stage,
                "batch": batch,
                "file": str(path),
                "sha256": sha,
                "layout": result.layout,
                "imported_by": member.name if member else "",
                **details,
            },
        )

    screeners = [m for m in dict.fromkeys(i.member for i in matched) if not m.privileged]
    arbiters = [m for m in dict.fromkeys(i.member for i in matched) if m.privileged]
    result.reviewers = [m.name for m in screeners + arbiters]
    for who in screeners:
        mine = [i for i in matched if i.member == who]
        new = _assign_imported(session, config, stage, who.name, [i.target for i in mine])
        ledger.add_assignments(session, new)
        for item in mine:
            if item.row.note:
                decisions.add_note(
                    session, config, stage, item.target, member=who, text=item.row.note
                )
        wanted = plan.decisions.get(who.name, {})
        ids = decisions.record_batch(session, stage, who.name, wanted, action="import")
        result.decisions += len(ids)
        counts: dict[str, int] = {}
        for decision, _ in wanted.values():
            counts[decision] = counts.get(decision, 0) + 1
            result.by_decision[decision] = result.by_decision.get(decision, 0) + 1
        log(
            who,
            {"rows": len(mine), "decisions": len(ids), **counts},
            {
                "decision_ids": ids,
                "assigned": {
                    name: [a["record_id"] for a in new if a["reviewer"] == name]
                    for name in dict.fromkeys(a["reviewer"] for a in new)
                },
            },
        )
    for who in arbiters:
        ids = []
        for target, (item, why) in plan.settlements.items():
            if item.member != who:
                continue
            conflicts.settle(
                session,
                config,
                stage,
                target,
                item.row.decision,
                member=who,
                why=why,
                reason=item.row.reason,
                batch=batch,
            )
            ids.append(_latest_settlement(session, stage, target))
            result.by_decision[item.row.decision] = result.by_decision.get(item.row.decision, 0) + 1
        result.settlements += len(ids)
        log(
            who,
            {"rows": sum(1 for i in matched if i.member == who), "settlements": len(ids)},
            {"settlement_ids": ids},
        )


def _latest_settlement(session: Session, stage: str, record_id: int) -> int:
    return session.scalars(
        select(SettlementRow.id)
        .where(SettlementRow.stage == stage, SettlementRow.record_id == record_id)
        .order_by(SettlementRow.id.desc())
        .limit(1)
    ).one()


def undo_import(session: Session, batch: str, *, member: Member) -> UndoResult:
    """Take back a decisions import (in the caller's transaction): each decision of the batch
    that is still current is reverted to what it replaced; each settlement still current is
    withdrawn. Logged as ``screen.import_undo``.

    :param batch: the batch id an import returned.
    :param member: who undoes it: one of the batch's own reviewers (for their own batch) or an
        owner or arbiter.
    :raises ScreeningError: for an unknown batch, or one already undone.
    :raises NotPermitted: for a reviewer undoing someone else's decisions.
    """
    events = [
        e
        for e in EventLog.read(session, kind=Kind.SCREEN_IMPORT)
        if e.details.get("batch") == batch
    ]
    if not events:
        raise ScreeningError(f"no decisions import with batch id {batch!r}")
    undone = [
        e
        for e in EventLog.read(session, kind=Kind.SCREEN_IMPORT_UNDO)
        if e.details.get("batch") == batch
    ]
    if undone:
        raise ScreeningError(f"the decisions import {batch} was undone already")
    owners = {e.actor for e in events}
    if owners != {member.name}:
        member.require(Action.UNDO_IMPORT)
    stage = events[0].details["stage"]
    settled = [
        row.record_id
        for e in events
        for sid in e.details.get("settlement_ids") or []
        if (row := session.get(SettlementRow, sid)) is not None
    ]
    locks.lock_batch(session, stage, sorted(owners), settled)
    result = UndoResult(batch)
    for event in events:
        for decision_id in event.details.get("decision_ids") or []:
            row = session.get(DecisionRow, decision_id)
            if row is None:
                continue
            current = ledger.current_row(session, stage, row.record_id, row.reviewer)
            if current is None or current.id != row.id:
                result.changed_since += 1
                continue
            decisions.revert(session, stage, row, actor=member.name)
            result.reverted += 1
        for settlement_id in event.details.get("settlement_ids") or []:
            row = session.get(SettlementRow, settlement_id)
            if row is None:
                continue
            if _latest_settlement(session, stage, row.record_id) != row.id:
                result.changed_since += 1
                continue
            conflicts.withdraw(
                session, stage, row, actor=member.name, why=f"undo of decisions import {batch}"
            )
            result.withdrawn += 1
    EventLog.append(
        session,
        Kind.SCREEN_IMPORT_UNDO,
        actor=member.name,
        subject=batch,
        counts={
            "reverted": result.reverted,
            "withdrawn": result.withdrawn,
            "changed_since": result.changed_since,
        },
        details={"stage": stage, "batch": batch, "reviewers": sorted(owners)},
    )
    return result
