"""``review.screening``: every screening step as a Python method, for every shell.

Each write is its own committed transaction (a decision, an undo, a settlement), or one
transaction for a batch (an assignment, a decisions file). Every read takes ``as_reviewer`` and
applies the blindness rule of :mod:`evimap.screening.view` in the core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evimap.screening import (
    assignment,
    conflicts,
    decisions,
    fulltext,
    ledger,
    transfer,
    units,
    view,
)
from evimap.screening.agreement import Agreement, pairwise
from evimap.screening.config import ScreeningConfig
from evimap.screening.highlight import Span, highlight
from evimap.screening.prisma import ScreeningFlow, flow_from_events, screening_flow
from evimap.store.events import Event, EventLog

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review


class Screening:
    """Screening of one review (``review.screening``).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review

    @property
    def config(self) -> ScreeningConfig:
        """The screening settings (``[screening]`` of review.toml plus the criteria)."""
        return ScreeningConfig.from_protocol(self._review.protocol)

    # -- writes -----------------------------------------------------------------------------

    def assign(
        self,
        stage: str,
        *,
        as_reviewer: str,
        round: str = "main",
        mode: str | None = None,
        overlap: float | None = None,
        pilot: int | None = None,
        seed: int | None = None,
    ) -> assignment.AssignmentResult:
        """Give the stage's unassigned records to the reviewers (owner or arbiter only).

        :param stage: ``title_abstract`` or ``full_text``.
        :param as_reviewer: who assigns.
        :param round: ``pilot`` (a seeded sample every reviewer screens) or ``main``.
        :param mode: ``dual`` or ``split`` (default from review.toml).
        :param overlap: share screened by several reviewers in ``split`` mode.
        :param pilot: pilot size (records).
        :param seed: seed of the random choices.
        """
        with self._review.store.transaction() as session:
            return assignment.assign(
                session,
                self.config,
                stage,
                actor=as_reviewer,
                round_=round,
                mode=mode,
                overlap=overlap,
                pilot=pilot,
                seed=seed,
            )

    def decide(
        self,
        stage: str,
        record_id: int,
        decision: str,
        *,
        as_reviewer: str,
        reason: str = "",
        note: str = "",
    ) -> decisions.Recorded:
        """Record one decision, committed before this returns.

        :param stage: ``title_abstract`` or ``full_text``.
        :param record_id: the record.
        :param decision: ``include``, ``exclude`` or ``maybe``.
        :param as_reviewer: the reviewer deciding.
        :param reason: exclusion criterion code (required to exclude at full text).
        :param note: an optional note kept with it.
        """
        with self._review.store.transaction() as session:
            done = decisions.record_decision(
                session,
                self.config,
                stage,
                record_id,
                decision,
                reviewer=as_reviewer,
                reason=reason,
            )
            if note.strip():
                decisions.add_note(
                    session, self.config, stage, record_id, reviewer=as_reviewer, text=note
                )
            return done

    def undo(
        self, stage: str, *, as_reviewer: str, record_id: int | None = None
    ) -> decisions.Recorded:
        """Undo the reviewer's latest decision (on ``record_id`` if given); a new row, never a
        delete.

        :param stage: the stage.
        :param as_reviewer: the reviewer.
        :param record_id: only undo on this record.
        """
        with self._review.store.transaction() as session:
            return decisions.undo_last(
                session, self.config, stage, reviewer=as_reviewer, record_id=record_id
            )

    def note(self, stage: str, record_id: int, text: str, *, as_reviewer: str) -> int:
        """Add a note to a record (hidden from other reviewers while the stage is blind).

        :param stage: the stage.
        :param record_id: the record.
        :param text: the note.
        :param as_reviewer: its author.
        """
        with self._review.store.transaction() as session:
            return decisions.add_note(
                session, self.config, stage, record_id, reviewer=as_reviewer, text=text
            )

    def tag(self, stage: str, record_id: int, tags: list[str], *, as_reviewer: str) -> int:
        """Set the reviewer's tags on a record (replacing their earlier tag set).

        :param stage: the stage.
        :param record_id: the record.
        :param tags: the tags.
        :param as_reviewer: whose tags.
        """
        with self._review.store.transaction() as session:
            return decisions.add_note(
                session, self.config, stage, record_id, reviewer=as_reviewer, tags=tags
            )

    def settle(
        self,
        stage: str,
        record_id: int,
        decision: str,
        *,
        as_reviewer: str,
        why: str,
        reason: str = "",
    ) -> ledger.UnitState:
        """An arbiter (or owner) settles a record with a decision and a reason.

        :param stage: the stage.
        :param record_id: the record.
        :param decision: ``include`` or ``exclude`` (``maybe`` if ``maybe_advances``).
        :param as_reviewer: the arbiter.
        :param why: the reason in words.
        :param reason: the exclusion criterion code.
        """
        with self._review.store.transaction() as session:
            return conflicts.settle(
                session,
                self.config,
                stage,
                record_id,
                decision,
                arbiter=as_reviewer,
                why=why,
                reason=reason,
            )

    def attach_fulltext(
        self, record_id: int, pdf: str | Path, *, as_reviewer: str
    ) -> dict[str, Any]:
        """Attach a record's full-text PDF, copied to ``fulltext/<sha256>.pdf``.

        :param record_id: a record settled as include at title/abstract.
        :param pdf: the PDF file.
        :param as_reviewer: who attaches it.
        """
        with self._review.store.transaction() as session:
            row = fulltext.attach(
                session, self.config, self._review.folder, record_id, pdf, actor=as_reviewer
            )
            return {
                "record_id": record_id,
                "path": row.path,
                "sha256": row.sha256,
                "size": row.size,
                "original_name": row.original_name,
            }

    def mark_not_retrieved(self, record_id: int, *, as_reviewer: str, why: str = "") -> None:
        """Mark a sought report as not retrieved (PRISMA "reports not retrieved").

        :param record_id: the record.
        :param as_reviewer: who marks it.
        :param why: e.g. "not available from the library or the authors".
        """
        with self._review.store.transaction() as session:
            fulltext.mark_not_retrieved(session, self.config, record_id, actor=as_reviewer, why=why)

    def import_decisions(
        self,
        path: str | Path,
        stage: str,
        *,
        as_reviewer: str,
        default_decision: str | None = None,
        skip_unmatched: bool = False,
    ) -> transfer.ImportResult:
        """Import a reviewer's decisions from CSV (evimap, Rayyan, Covidence, ASReview) in one
        transaction.

        :param path: the CSV file.
        :param stage: the stage the decisions belong to.
        :param as_reviewer: whose decisions they are.
        :param default_decision: the decision of rows that have none (a Covidence list).
        :param skip_unmatched: leave out rows matching no record instead of failing.
        """
        with self._review.store.transaction() as session:
            return transfer.import_decisions(
                session,
                self.config,
                path,
                stage,
                reviewer=as_reviewer,
                default_decision=default_decision,
                skip_unmatched=skip_unmatched,
            )

    # -- reads (all filtered by the blindness rule) ---------------------------------------------

    def record(self, stage: str, record_id: int, *, as_reviewer: str) -> view.RecordView:
        """A record at a stage as ``as_reviewer`` may see it.

        :param stage: the stage.
        :param record_id: the record.
        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            return view.record_view(session, self.config, stage, record_id, as_reviewer)

    def queue(self, stage: str, *, as_reviewer: str, todo_only: bool = True) -> list[int]:
        """The reviewer's records at a stage, in order (by default only those to decide).

        :param stage: the stage.
        :param as_reviewer: the reviewer.
        :param todo_only: leave out decided and settled records.
        """
        with self._review.store.read() as session:
            return view.queue(session, self.config, stage, as_reviewer, todo_only=todo_only)

    def next(self, stage: str, *, as_reviewer: str) -> view.RecordView | None:
        """The reviewer's next record to decide, or None when done.

        :param stage: the stage.
        :param as_reviewer: the reviewer.
        """
        todo = self.queue(stage, as_reviewer=as_reviewer)
        return self.record(stage, todo[0], as_reviewer=as_reviewer) if todo else None

    def progress(self, stage: str, *, as_reviewer: str) -> dict[str, Any]:
        """How far the viewer (and, for owners and arbiters, the team) is at a stage.

        :param stage: the stage.
        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            return view.progress(session, self.config, stage, as_reviewer)

    def decisions(self, stage: str, *, as_reviewer: str) -> list[dict[str, Any]]:
        """Current decisions at a stage the viewer may see (also the export's rows).

        :param stage: the stage.
        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            return view.visible_decisions(session, self.config, stage, as_reviewer)

    export_decisions = decisions

    def history(self, stage: str, record_id: int, *, as_reviewer: str) -> list[dict[str, Any]]:
        """Every decision row on a record (undos, changed minds) the viewer may see.

        :param stage: the stage.
        :param record_id: the record.
        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            return view.history(session, self.config, stage, record_id, as_reviewer)

    def conflicts(self, stage: str, *, as_reviewer: str) -> list[dict[str, Any]]:
        """Records in conflict at a stage with each reviewer's call (owners and arbiters, or
        anyone when the stage is not blind).

        :param stage: the stage.
        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            config = self.config
            view.require_overview(config, stage, as_reviewer, "the conflict list")
            found = conflicts.conflicts(session, config, stage)
            calls = ledger.current_decisions(session, stage, [s.record_id for s in found])
            records = units.unit_records(session, [s.record_id for s in found])
            return [
                {
                    "record_id": s.record_id,
                    "title": records[s.record_id].title,
                    "conflict": s.conflict,
                    "calls": {
                        name: (
                            calls[(s.record_id, name)].decision
                            + (
                                f" ({calls[(s.record_id, name)].reason})"
                                if calls[(s.record_id, name)].reason
                                else ""
                            )
                        )
                        for name in s.reviewers
                    },
                }
                for s in found
            ]

    def agreement(
        self, stage: str, *, as_reviewer: str, round: str | None = None
    ) -> list[Agreement]:
        """Agreement of each reviewer pair at a stage over the records both decided.

        :param stage: the stage.
        :param as_reviewer: the viewer (owner or arbiter while the stage is blind).
        :param round: ``pilot`` or ``main`` only (default: both).
        """
        with self._review.store.read() as session:
            config = self.config
            view.require_overview(config, stage, as_reviewer, "agreement")
            records = ledger.assignments(session, stage, round) if round else None
            calls = ledger.current_decisions(session, stage, list(records) if records else None)
            if round and not records:
                calls = {}
        return pairwise({k: c.decision for k, c in calls.items()}, stage, round or "all")

    def missing_fulltext(self, *, as_reviewer: str) -> list[dict[str, Any]]:
        """Reports sought (settled include at title/abstract) with no PDF and not marked not
        retrieved.

        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            config = self.config
            config.role(as_reviewer)
            states = ledger.stage_states(session, config, "title_abstract")
            have = ledger.fulltext_status(session)
            wanted = sorted(
                r for r, s in states.items() if ledger.advances(config, s) and r not in have
            )
            records = units.unit_records(session, wanted)
            return [
                {
                    "record_id": r,
                    "title": records[r].title,
                    "doi": records[r].doi,
                    "year": records[r].year,
                }
                for r in wanted
            ]

    def flow(self, *, as_reviewer: str) -> ScreeningFlow:
        """The PRISMA screening and eligibility boxes (settled counts only, so nothing blind).

        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            config = self.config
            config.role(as_reviewer)
            return screening_flow(session, config)

    def flow_from_log(self, *, as_reviewer: str) -> ScreeningFlow:
        """The same PRISMA boxes replayed from the event log alone (a cross-check of
        :meth:`flow`; reports that count from the log get the same numbers).

        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            config = self.config
            config.role(as_reviewer)
            events = EventLog.read(session, prefix="screen.")
            events += EventLog.read(session, prefix="fulltext.")
            events += EventLog.read(session, kind=units.OTHER_METHODS_KIND)
            events.sort(key=lambda e: e.id)
            unit_ids = units.unit_ids(session)
            return flow_from_events(events, config, len(unit_ids), set(unit_ids))

    def log(self, *, as_reviewer: str) -> list[Event]:
        """Screening and full-text events the viewer may see.

        :param as_reviewer: the viewer.
        """
        with self._review.store.read() as session:
            return view.visible_events(session, self.config, as_reviewer)

    def highlight(self, text: str) -> list[Span]:
        """Include/exclude keyword spans of the review in ``text``.

        :param text: a title or abstract.
        """
        words = self.config.settings.highlight
        return highlight(text, words.include, words.exclude)
