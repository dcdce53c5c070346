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
from evimap.protocol.screening import STAGES
from evimap.screening import (
    assignment,
    conflicts,
    decisions,
    fulltext,
    fulltext_match,
    ledger,
    navigation,
    outcomes,
    transfer,
    units,
    view,
)
from evimap.screening.agreement import Agreement, pairwise
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import InvalidDecision, NotPermitted, ScreeningError
from evimap.screening.highlight import Span, highlight
from evimap.screening.overrides import STAGE_KEYS, read_overrides
from evimap.store.events import Event, EventLog
from evimap.store.kinds import Kind
from evimap.store.models_accounts import StageSettingRow

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
        """The screening settings: ``[screening]`` of review.toml plus the criteria, with the
        store's run-time changes (roles of members with an account, an owner's stage
        settings; see :mod:`evimap.screening.overrides`)."""
        with self._review.store.read() as session:
            return self._config(session)

    def _config(self, session) -> ScreeningConfig:
        """:attr:`config` read in the caller's session (a second session inside an open
        SQLite transaction would wait for the first), and kept in memory while the store's
        settings version stays the same (:mod:`evimap.store.versions`)."""
        protocol = self._review.protocol
        return self._review.store.settings.get(
            session,
            ("screening.config", id(protocol)),
            lambda s: ScreeningConfig.from_protocol(protocol, read_overrides(s)),
        )

    def stage_settings(self) -> dict[str, dict[str, Any]]:
        """Each stage's settings as they stand: blind, open, reviewers per record, reason
        required (the protocol's, not a decision, so anyone may read them)."""
        config = self.config
        return {
            stage: {
                "blind": config.stage(stage).blind,
                "open": config.is_open(stage),
                "reviewers_per_record": config.stage(stage).reviewers_per_record,
                "reason_required": config.stage(stage).reason_required,
            }
            for stage in STAGES
        }

    @writes
    def set_stage(
        self,
        stage: str,
        *,
        member: Member,
        blind: bool | None = None,
        open: bool | None = None,
    ) -> dict[str, Any]:
        """An owner turns a stage's blindness on or off, or opens or closes it (a closed stage
        takes no decisions or undos). Logged as ``screen.stage``; overrides review.toml.

        :param stage: ``title_abstract`` or ``full_text``.
        :param member: the owner.
        :param blind: hide reviewers' decisions from each other until settled.
        :param open: accept decisions.
        :returns: the stage's settings after the change.
        """
        member = self._writer(member)
        self.config.stage(stage)
        if member.role != "owner":
            raise NotPermitted(f"{member.name} is not an owner; only an owner changes a stage")
        changes = {k: v for k, v in (("blind", blind), ("open", open)) if v is not None}
        if not changes:
            raise InvalidDecision(f"say what to change: {', '.join(STAGE_KEYS)}")
        with self._review.store.transaction() as session:
            for key, value in changes.items():
                session.add(StageSettingRow(stage=stage, key=key, value=value, actor=member.name))
            EventLog.append(
                session,
                Kind.SCREEN_STAGE,
                actor=member.name,
                subject=stage,
                details={"stage": stage, **changes},
            )
        return self.stage_settings()[stage]

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
                self._config(session),
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
        done, _ = self._decide(stage, record_id, decision, member, reason, note, then_next=False)
        return done

    @writes
    def decide_next(
        self,
        stage: str,
        record_id: int,
        decision: str,
        *,
        member: Member,
        reason: str = "",
        note: str = "",
    ) -> tuple[decisions.Recorded, int | None]:
        """Record one decision and name the member's next record to decide, what the screen
        does after each key: :meth:`decide`, then the first open record after this one in the
        member's queue (past the queue's end, the first open one from its start; a reviewer
        who jumped ahead comes back to what they passed over once they reach the end). Read in
        the decision's own transaction (one session, one check of the member). When
        prioritisation orders the queue, the next record is the ranking's first open one
        (:meth:`next_todo` passing over this record): the ranking moves as decisions arrive;
        only the records at the queue's head are read, not the whole queue.

        :param stage: ``title_abstract`` or ``full_text``.
        :param record_id: the record.
        :param decision: ``include``, ``exclude`` or ``maybe``.
        :param member: the reviewer deciding (the record must be assigned to them).
        :param reason: exclusion criterion code (required to exclude at full text).
        :param note: an optional note kept with it.
        :returns: the decision as recorded, and the id of the next record (None when done).
        """
        return self._decide(stage, record_id, decision, member, reason, note, then_next=True)

    def _decide(
        self,
        stage: str,
        record_id: int,
        decision: str,
        member: Member,
        reason: str,
        note: str,
        *,
        then_next: bool,
    ) -> tuple[decisions.Recorded, int | None]:
        following = None
        with self._review.store.transaction() as session:
            member = self._review.team.require(member, session=session)
            config = self._config(session)
            done = decisions.record_decision(
                session, config, stage, record_id, decision, member=member, reason=reason
            )
            if note.strip():
                decisions.add_note(session, config, stage, record_id, member=member, text=note)
            # which ranking showed the record (prioritisation on): same transaction
            self._review.prioritise._note_shown(session, stage, member.name, record_id, done.id)
            if then_next:
                following = self._next_todo(
                    session, config, stage, member, skip=record_id, after=record_id
                )
        self._review.prioritise._after_decision(stage, member.name)  # never waits for a model
        return done, following

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
        with self._review.store.transaction() as session:
            member = self._review.team.require(member, session=session)
            return decisions.undo_last(
                session, self._config(session), stage, member=member, record_id=record_id
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
                session, self._config(session), stage, record_id, member=member, text=text
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
                session, self._config(session), stage, record_id, member=member, tags=tags
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
                self._config(session),
                stage,
                record_id,
                decision,
                member=member,
                why=why,
                reason=reason,
            )

    @writes
    def settle_many(
        self,
        stage: str,
        record_ids: list[int],
        decision: str,
        *,
        member: Member,
        why: str,
        reason: str = "",
    ) -> list[ledger.UnitState]:
        """Settle several records the same way in one transaction (all or none).

        :param stage: the stage.
        :param record_ids: the records.
        :param decision: ``include`` or ``exclude`` (``maybe`` if ``maybe_advances``).
        :param member: the arbiter or owner.
        :param why: the reason in words.
        :param reason: the exclusion criterion code.
        """
        member = self._writer(member)
        if not record_ids:
            raise InvalidDecision("name the records to settle")
        with self._review.store.transaction() as session:
            config = self._config(session)
            return [
                conflicts.settle(
                    session,
                    config,
                    stage,
                    record_id,
                    decision,
                    member=member,
                    why=why,
                    reason=reason,
                )
                for record_id in dict.fromkeys(record_ids)
            ]

    @writes
    def attach_fulltext(
        self, record_id: int, pdf: str | Path, *, member: Member, name: str | None = None
    ) -> dict[str, Any]:
        """Attach a record's full-text PDF, copied to ``fulltext/<sha256>.pdf``.

        :param record_id: a record settled as include at title/abstract.
        :param pdf: the PDF file.
        :param member: who attaches it.
        :param name: the file's original name when ``pdf`` is a temporary copy (an upload).
        """
        member = self._writer(member)
        with self._review.store.transaction() as session:
            row = fulltext.attach(
                session,
                self._config(session),
                self._review.folder,
                record_id,
                pdf,
                member=member,
                name=name,
            )
            return {
                "record_id": record_id,
                "path": row.path,
                "sha256": row.sha256,
                "size": row.size,
                "original_name": row.original_name,
            }

    @writes
    def attach_fulltexts(
        self, files: list[tuple[str, str | Path]], *, member: Member
    ) -> list[dict[str, Any]]:
        """Attach many PDFs, each to the record it matches by name or by a DOI inside it (see
        :func:`evimap.screening.fulltext_match.match_pdf`); each file is its own transaction.

        :param files: ``(original name, path of the file)`` pairs.
        :param member: who attaches them.
        :returns: one row per file: ``file``, ``status`` (``attached``, ``unmatched``,
            ``ambiguous`` or ``refused``), ``record_id``, ``matched_by``, ``message``.
        """
        member = self._writer(member)
        with self._review.store.read() as session:
            candidates = self._sought(session, self._config(session))
        out = []
        for name, path in files:
            with Path(path).open("rb") as handle:
                head = handle.read(fulltext_match.HEAD_BYTES)
            found = fulltext_match.match_pdf(name, head, candidates, path)
            row: dict[str, Any] = {
                "file": name,
                "record_id": None,
                "matched_by": found.by,
                "status": "unmatched",
                "message": "no record whose report is sought matches this file",
            }
            if len(found.record_ids) > 1:
                row["status"] = "ambiguous"
                row["message"] = "matches records " + ", ".join(map(str, found.record_ids))
            elif found.record_ids:
                (row["record_id"],) = found.record_ids
                try:
                    attached = self.attach_fulltext(
                        row["record_id"], path, member=member, name=name
                    )
                except ScreeningError as exc:
                    row["status"], row["message"] = "refused", str(exc)
                else:
                    row["status"], row["message"] = "attached", attached["path"]
            out.append(row)
        return out

    @staticmethod
    def _sought(session, config: ScreeningConfig) -> dict[int, fulltext_match.Candidate]:
        states = ledger.stage_states(session, config, STAGES[0])
        wanted = sorted(r for r, s in states.items() if ledger.advances(config, s))
        records = units.unit_records(session, wanted)
        return {
            r: fulltext_match.Candidate(r, records[r].doi, records[r].source_record_id)
            for r in wanted
            if r in records
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
            fulltext.mark_not_retrieved(
                session, self._config(session), record_id, member=member, why=why
            )

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
                self._config(session),
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
            return view.record_view(session, self._config(session), stage, record_id, member)

    def queue(self, stage: str, *, member: Member, todo_only: bool = True) -> list[int]:
        """The member's records at a stage in the order they are served them: by default only
        those still to decide, in the order the screen will serve them; with
        ``todo_only=False`` every assigned record, decided ones first when prioritisation is on
        (the order back and forward walk; see :mod:`evimap.screening.navigation`).

        :param stage: the stage.
        :param member: the reviewer.
        :param todo_only: leave out decided and settled records.
        """
        member = self._writer(member)
        order = self._order()
        with self._review.store.read() as session:
            config = self._config(session)
            if not todo_only:
                return view.served(session, config, stage, member, order=order).order
            return view.queue(session, config, stage, member, order=order)

    def navigation(
        self, stage: str, *, member: Member, record_id: int | None = None
    ) -> navigation.Navigation:
        """Where a record stands in the order the member is served their records (the screen's
        "37 of 400", back and forward; :mod:`evimap.screening.navigation`): the order the
        queue is served in, with decided records where they left it. Reads only the member's
        own decisions and ranking, so a co-reviewer's unsettled decisions never move it.

        :param stage: the stage.
        :param member: the reviewer.
        :param record_id: the record on screen (default: the next to decide).
        """
        member = self._writer(member)
        order = self._order()
        with self._review.store.read() as session:
            config = self._config(session)
            return navigation.navigation(session, config, stage, member, record_id, order=order)

    def _order(self):
        """Prioritisation's queue hook, or None while it is off (assignment order)."""
        prioritise = self._review.prioritise
        return prioritise._order if prioritise.enabled else None

    def next_todo(self, stage: str, *, member: Member, skip: int | None = None) -> int | None:
        """The id of the member's next record to decide (``queue(...)[0]``, other than
        ``skip``): what the screen moves to after each decision. A few indexed queries: the
        whole queue is not read, even when prioritisation orders it.

        :param stage: the stage.
        :param member: the reviewer.
        :param skip: a record to pass over (the one just decided).
        """
        with self._review.store.read() as session:
            member = self._review.team.require(member, session=session)
            return self._next_todo(session, self._config(session), stage, member, skip=skip)

    def _next_todo(
        self,
        session,
        config: ScreeningConfig,
        stage: str,
        member: Member,
        *,
        skip: int | None,
        after: int | None = None,
    ) -> int | None:
        """:meth:`next_todo` in the caller's session; ``after`` (assignment order only): go on
        from that record, as :meth:`decide_next` does (a ranking always starts at its head)."""
        prioritise = self._review.prioritise
        if prioritise.enabled:
            return view.next_in_order(session, config, stage, member, prioritise._lead, skip=skip)
        return view.next_todo(session, config, stage, member, skip=skip, after=after)

    def my_records(
        self,
        stage: str,
        *,
        member: Member | None = None,
        text: str = "",
        show: str = "all",
        limit: int = 200,
    ) -> dict[str, Any]:
        """The member's assigned records at a stage, searched and filtered, in the order they
        are served them (as :meth:`queue` with ``todo_only=False``; the screen's "my
        records"; :meth:`outcomes` lists a stage's records by outcome).

        :param stage: the stage.
        :param member: the viewer (``None``: no one, who has no records).
        :param text: words that must all appear in the title, abstract, keywords, authors or
            journal (case-insensitive).
        :param show: ``all``, ``todo``, ``decided``, ``include``, ``exclude``, ``maybe`` or
            ``settled``.
        :param limit: at most this many rows (``total`` counts them all).
        :returns: ``{"total": n, "rows": [...]}``; each row's status is what the viewer may
            be told (a blind reviewer sees ``pending`` for a conflict).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.my_records(
                session,
                self._config(session),
                stage,
                member,
                text=text,
                show=show,
                limit=limit,
                order=self._order(),
            )

    def next(self, stage: str, *, member: Member) -> view.RecordView | None:
        """The member's next record to decide, or None when done.

        :param stage: the stage.
        :param member: the reviewer.
        """
        rid = self.next_todo(stage, member=member)
        return self.record(stage, rid, member=member) if rid is not None else None

    def progress(self, stage: str, *, member: Member | None = None) -> dict[str, Any]:
        """How far the member (and, for owners and arbiters, the team) is at a stage.

        :param stage: the stage.
        :param member: the viewer (``None``: no one; settled counts only).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.progress(session, self._config(session), stage, member)

    def decisions(self, stage: str, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Current decisions at a stage the viewer may see, then the arbiters' settlements (the
        rows of ``evimap decisions export``).

        :param stage: the stage.
        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.visible_decisions(session, self._config(session), stage, member)

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
            return view.history(session, self._config(session), stage, record_id, member)

    def outcomes(
        self, stage: str, outcome: str, *, member: Member | None = None
    ) -> list[outcomes.Outcome]:
        """The records with ``outcome`` at ``stage``: ``todo`` (the member's queue, in the order
        it is served),
        ``included``, ``excluded`` (with reasons), ``maybe``, ``conflict`` (owners and
        arbiters while blind) or ``pending``; see :mod:`evimap.screening.outcomes`.

        :param stage: the stage.
        :param outcome: one of :data:`evimap.screening.outcomes.OUTCOMES`.
        :param member: the viewer (required for ``todo``).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            config = self._config(session)
            order = self._order()
            return outcomes.stage_outcomes(session, config, stage, outcome, member, order)

    def conflicts(self, stage: str, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Records in conflict at a stage with each reviewer's call (owners and arbiters, or
        anyone when the stage is not blind).

        :param stage: the stage.
        :param member: the viewer.
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            config = self._config(session)
            view.require_overview(config, stage, member, "the conflict list")
            return conflicts.conflict_rows(session, config, stage)

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
            config = self._config(session)
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
            return fulltext.missing_rows(session, self._config(session))

    def fulltexts(self, *, member: Member | None = None) -> list[dict[str, Any]]:
        """Every report sought (settled include at title/abstract) with its full-text status:
        ``missing``, ``attached`` (with the file's name and size) or ``not_retrieved``
        (settled, so not blind).

        :param member: the viewer.
        """
        self._reader(member)
        with self._review.store.read() as session:
            config = self._config(session)
            return fulltext.report_rows(session, list(self._sought(session, config)))

    def fulltext_file(self, record_id: int, *, member: Member | None = None) -> Path:
        """The PDF attached to a record (the newest); a report sought is settled, so anyone
        may read it.

        :param record_id: the record.
        :param member: the viewer.
        :raises ScreeningError: when the record has no attached PDF.
        """
        self._reader(member)
        with self._review.store.read() as session:
            row = ledger.fulltext_status(session).get(record_id)
        if row is None or row.status != "attached":
            raise ScreeningError(f"record {record_id} has no full-text PDF attached")
        path = self._review.folder / row.path
        if not path.is_file():
            raise ScreeningError(f"the PDF of record {record_id} is missing from {path.parent}")
        return path

    def log(self, *, member: Member | None = None) -> list[Event]:
        """Screening and full-text events the viewer may see.

        :param member: the viewer (``None``: no one).
        """
        member = self._reader(member)
        with self._review.store.read() as session:
            return view.visible_events(session, self._config(session), member)

    def highlight(self, text: str) -> list[Span]:
        """Include/exclude keyword spans of the review in ``text``.

        :param text: a title or abstract.
        """
        words = self.config.settings.highlight
        return highlight(text, words.include, words.exclude)
