"""``review.screening``: every screening step as a Python method, for every shell.

Each write takes the acting :class:`~evimap.members.Member` and is its own committed transaction
(a decision, an undo, a settlement), or one transaction for a batch (an assignment, a decisions
file). Each read takes ``member`` (a member, or ``None`` for no one) and applies the blindness
rule of :mod:`evimap.screening.view` in the core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evimap.members import Member, writes
from evimap.screening import (
    assignment,
    conflicts,
    decisions,
    fulltext,
    ledger,
    outcomes,
    transfer,
    units,
    view,
)
from evimap.screening.agreement import Agreement, pairwise
from evimap.screening.config import ScreeningConfig
from evimap.screening.highlight import Span, highlight
from evimap.store.events import Event

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

    def _writer(self, member: Member) -> Member:
        return self._review.team.require(member)

    def _reader(self, member: Member | None) -> Member | None:
        return self._review.team.confirm(member)

    # -- writes -----------------------------------------------------------------------------

    @writes
    def assign(
        self,
        stage: str,
        *,
        member: Member,
        round: str = "main",
        mode: str | None = None,
        overlap: float | None = None,
        pilot: int | None = None,
        seed: int | None = None,
    ) -> assignment.AssignmentResult:
        """Give the stage's unassigned records to the reviewers (owner or arbiter only).

        :param stage: ``title_abstract`` or ``full_text``.
        :param member: who assigns.
        :param round: ``pilot`` (a seeded sample every reviewer screens) or ``main``.
        :param mode: ``dual`` or ``split`` (default from review.toml).
        :param overlap: share screened by several reviewers in ``split`` mode.
        :param pilot: pilot size (records).
        :param seed: seed of the random choices.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return assignment.assign(
                session,
                self.config,
                stage,
                member=member,
                round_=round,
                mode=mode,
                overlap=overlap,
                pilot=pilot,
                seed=seed,
            )

    @writes
    def decide(
        self,
        stage: str,
        record_id: int,
        decision: str,
        *,
        member: Member,
        reason: str = "",
        note: str = "",
    ) -> decisions.Recorded:
        """Record one decision, committed before this returns.

        :param stage: ``title_abstract`` or ``full_text``.
        :param record_id: the record.
        :param decision: ``include``, ``exclude`` or ``maybe``.
        :param member: the reviewer deciding (the record must be assigned to them).
        :param reason: exclusion criterion code (required to exclude at full text).
        :param note: an optional note kept with it.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            done = decisions.record_decision(
                session, self.config, stage, record_id, decision, member=member, reason=reason
            )
            if note.strip():
                decisions.add_note(session, self.config, stage, record_id, member=member, text=note)
            # which ranking showed the record (prioritisation on): same transaction
            self._review.prioritise._note_shown(session, stage, member.name, record_id, done.id)
        self._review.prioritise._after_decision(stage, member.name)  # never waits for a model
        return done

    @writes
    def undo(
        self, stage: str, *, member: Member, record_id: int | None = None
    ) -> decisions.Recorded:
        """Undo the member's latest decision (on ``record_id`` if given); a new row, never a
        delete.

        :param stage: the stage.
        :param member: the reviewer.
        :param record_id: only undo on this record.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return decisions.undo_last(
                session, self.config, stage, member=member, record_id=record_id
            )

    @writes
    def note(self, stage: str, record_id: int, text: str, *, member: Member) -> int:
        """Add a note to a record (hidden from other reviewers while the stage is blind).

        :param stage: the stage.
        :param record_id: the record.
        :param text: the note.
        :param member: its author.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return decisions.add_note(
                session, self.config, stage, record_id, member=member, text=text
            )

    @writes
    def tag(self, stage: str, record_id: int, tags: list[str], *, member: Member) -> int:
        """Set the member's tags on a record (replacing their earlier tag set).

        :param stage: the stage.
        :param record_id: the record.
        :param tags: the tags.
        :param member: whose tags.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return decisions.add_note(
                session, self.config, stage, record_id, member=member, tags=tags
            )

    @writes
    def settle(
        self,
        stage: str,
        record_id: int,
        decision: str,
        *,
        member: Member,
        why: str,
        reason: str = "",
    ) -> ledger.UnitState:
        """An arbiter (or owner) settles a record with a decision and a reason.

        :param stage: the stage.
        :param record_id: the record.
        :param decision: ``include`` or ``exclude`` (``maybe`` if ``maybe_advances``).
        :param member: the arbiter or owner.
        :param why: the reason in words.
        :param reason: the exclusion criterion code.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return conflicts.settle(
                session,
                self.config,
                stage,
                record_id,
                decision,
                member=member,
                why=why,
                reason=reason,
            )

    @writes
    def attach_fulltext(self, record_id: int, pdf: str | Path, *, member: Member) -> dict[str, Any]:
        """Attach a record's full-text PDF, copied to ``fulltext/<sha256>.pdf``.

        :param record_id: a record settled as include at title/abstract.
        :param pdf: the PDF file.
        :param member: who attaches it.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            row = fulltext.attach(
                session, self.config, self._review.folder, record_id, pdf, member=member
            )
            return {
                "record_id": record_id,
                "path": row.path,
                "sha256": row.sha256,
                "size": row.size,
                "original_name": row.original_name,
            }

    @writes
    def mark_not_retrieved(self, record_id: int, *, member: Member, why: str = "") -> None:
        """Mark a sought report as not retrieved (PRISMA "reports not retrieved").

        :param record_id: the record.
        :param member: who marks it.
        :param why: e.g. "not available from the library or the authors".
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            fulltext.mark_not_retrieved(session, self.config, record_id, member=member, why=why)

    @writes
    def import_decisions(
        self,
        path: str | Path,
        stage: str,
        *,
        member: Member | None,
        default_decision: str | None = None,
        skip_unmatched: bool = False,
    ) -> transfer.ImportResult:
        """Import decisions from a CSV file (evimap, Rayyan, Covidence, ASReview) in one
        transaction, as one batch :meth:`undo_import` can take back.

        :param path: the CSV file.
        :param stage: the stage the decisions belong to.
        :param member: whose file it is (rows naming someone else are refused); ``None``: every
            row names a team member in its ``reviewer`` column (the CLI without ``--as``; a web
            app passes the session's member). Rows by an arbiter or owner settle records.
        :param default_decision: the decision of rows that have none (a Covidence list).
        :param skip_unmatched: leave out (and report) rows matching no record instead of
            failing.
        """
        member = self._reader(member)
        team = {m.name: m for m in self._review.team.members()}
        with self._review.store.transaction() as session:
            return transfer.import_decisions(
                session,
                self.config,
                team,
                path,
                stage,
                member=member,
                default_decision=default_decision,
                skip_unmatched=skip_unmatched,
            )

    @writes
    def undo_import(self, batch: str, *, member: Member) -> transfer.UndoResult:
        """Take back a decisions import (its batch id is in the import's result and events).

        :param batch: the batch id.
        :param member: one of the batch's reviewers (their own batch), or an owner or arbiter.
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            return transfer.undo_import(session, batch, member=member)

    # -- reads (all filtered by the blindness rule) ---------------------------------------------

    def record(
        self, stage: str, record_id: int, *, member: Member | None = None
    ) -> view.RecordView:
        """A record at a stage as ``member`` may see it.

        :param stage: the stage.
        :param record_id: the record.
        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.record_view(session, self.config, stage, record_id, member)

    def queue(self, stage: str, *, member: Member, todo_only: bool = True) -> list[int]:
        """The member's records at a stage, in order (by default only those to decide).

        :param stage: the stage.
        :param member: the reviewer.
        :param todo_only: leave out decided and settled records.
        """
        member = self._writer(member)
        prioritise = self._review.prioritise
        order = prioritise._order if prioritise.enabled else None
        with self._review.store.read() as session:
            return view.queue(session, self.config, stage, member, todo_only=todo_only, order=order)

    def next(self, stage: str, *, member: Member) -> view.RecordView | None:
        """The member's next record to decide, or None when done.

        :param stage: the stage.
        :param member: the reviewer.
        """
        todo = self.queue(stage, member=member)
        return self.record(stage, todo[0], member=member) if todo else None

    def progress(self, stage: str, *, member: Member | None = None) -> dict[str, Any]:
        """How far the member (and, for owners and arbiters, the team) is at a stage.

        :param stage: the stage.
        :param member: the viewer (``None``: no one; settled counts only).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.progress(session, self.config, stage, member)

    def decisions(self, stage: str, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Current decisions at a stage the viewer may see, then the arbiters' settlements (the
        rows of ``evimap decisions export``).

        :param stage: the stage.
        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.visible_decisions(session, self.config, stage, member)

    def history(
        self, stage: str, record_id: int, *, member: Member | None = None
    ) -> list[dict[str, Any]]:
        """Every decision row on a record (undos, changed minds) the viewer may see.

        :param stage: the stage.
        :param record_id: the record.
        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.history(session, self.config, stage, record_id, member)

    def outcomes(
        self, stage: str, outcome: str, *, member: Member | None = None
    ) -> list[outcomes.Outcome]:
        """The records with ``outcome`` at ``stage``: ``todo`` (the member's queue),
        ``included``, ``excluded`` (with reasons), ``maybe``, ``conflict`` (owners and
        arbiters while blind) or ``pending``; see :mod:`evimap.screening.outcomes`.

        :param stage: the stage.
        :param outcome: one of :data:`evimap.screening.outcomes.OUTCOMES`.
        :param member: the viewer (required for ``todo``).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return outcomes.stage_outcomes(session, self.config, stage, outcome, member)

    def conflicts(self, stage: str, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Records in conflict at a stage with each reviewer's call (owners and arbiters, or
        anyone when the stage is not blind).

        :param stage: the stage.
        :param member: the viewer.
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            config = self.config
            view.require_overview(config, stage, member, "the conflict list")
            found = conflicts.conflicts(session, config, stage)
            calls = ledger.current_decisions(session, stage, [s.record_id for s in found])
            records = units.unit_records(session, [s.record_id for s in found])
            out = []
            for s in found:
                mine = {name: calls[(s.record_id, name)] for name in s.reviewers}
                out.append(
                    {
                        "record_id": s.record_id,
                        "title": records[s.record_id].title,
                        "conflict": s.conflict,
                        "calls": {
                            name: c.decision + (f" ({c.reason})" if c.reason else "")
                            for name, c in mine.items()
                        },
                    }
                )
            return out

    def agreement(
        self, stage: str, *, member: Member | None = None, round: str | None = None
    ) -> list[Agreement]:
        """Agreement of each reviewer pair at a stage over the records both decided and the
        viewer may see: every record for owners and arbiters (or when the stage is not
        blind), else the settled records only (whose calls are no longer hidden).

        :param stage: the stage.
        :param member: the viewer (``None``: no one).
        :param round: ``pilot`` or ``main`` only (default: both).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            config = self.config
            config.stage(stage)
            records = ledger.assignments(session, stage, round) if round else None
            calls = ledger.current_decisions(session, stage, list(records) if records else None)
            if round and not records:
                calls = {}
            if not view.sees_everything(config, stage, member):
                states = ledger.stage_states(session, config, stage, calls)
                calls = {
                    k: c
                    for k, c in calls.items()
                    if k[0] in states and states[k[0]].status == "settled"
                }
        return pairwise({k: c.decision for k, c in calls.items()}, stage, round or "all")

    def missing_fulltext(self, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Reports sought (settled include at title/abstract) with no PDF and not marked not
        retrieved (settled, so not blind).

        :param member: the viewer.
        """
        self._reader(member)
        with self._review.store.read() as session:
            config = self.config
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

    def log(self, *, member: Member | None = None) -> list[Event]:
        """Screening and full-text events the viewer may see.

        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.visible_events(session, self.config, member)

    def highlight(self, text: str) -> list[Span]:
        """Include/exclude keyword spans of the review in ``text``.

        :param text: a title or abstract.
        """
        words = self.config.settings.highlight
        return highlight(text, words.include, words.exclude)
