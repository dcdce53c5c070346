"""The review object: a folder with its protocol and its store, opened once and shared.

The CLI, the web app and notebooks all hold a :class:`Review`; every verb is a method of it or
of one of its namespaced components (``review.team``, ``review.imports``, ``review.records``,
``review.events``, ``review.search``, ``review.dedup``, ``review.screening``,
``review.charting``). Writes take the acting :class:`~evimap.members.Member`; reads that could
reveal a decision take ``member`` (``None``: no one). See ``docs/team.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evimap.accounts import Accounts
from evimap.charting.component import Charting
from evimap.citations.component import Citations
from evimap.dedup.component import Dedup
from evimap.errors import EvimapError, NoReview
from evimap.import_files import (
    ImportedFile,
    RemovedImport,
    get_import,
    list_imports,
    relabel_import,
    remove_import,
)
from evimap.importing import FileImport, Progress, import_file
from evimap.members import Action, Member, writes
from evimap.prioritise.live import Prioritise
from evimap.protocol import PROTOCOL_FILE, Protocol, load_protocol
from evimap.protocol.template import render_template
from evimap.records import Record
from evimap.screening.component import Screening
from evimap.search.component import Search
from evimap.store import Event, EventLog, Store, open_store
from evimap.store.database import WaitNotice
from evimap.store.kinds import Kind
from evimap.store.records import count_by_database, iter_records
from evimap.store.urls import sqlite_path, store_url, url_for_protocol
from evimap.team import Team

_WORKER_REVIEWS: dict[tuple[str, str], Review] = {}
"""Reviews a ranking worker process has opened (:meth:`Review.rank_in_worker`)."""

if TYPE_CHECKING:  # pragma: no cover
    from evimap.outputs import RecordList, ReportFiles
    from evimap.report.prisma import PrismaCounts
    from evimap.verify import Verification

STORE_FILE = "review.db"
IMPORT_ROLES = ("search", "included")
"""What an imported file is: a search result (counted as identified records), or a set of
studies included outside evimap's screening (the worked example's 25 studies)."""


class Imports:
    """Importing export files into the review, and the imports it holds (``review.imports``)."""

    def __init__(self, review: Review):
        self._review = review

    @writes
    def add(
        self,
        path: str | Path,
        *,
        member: Member,
        database: str | None = None,
        format_name: str | None = None,
        encoding: str = "utf-8",
        skip_bad: bool = False,
        role: str = "search",
        options: dict[str, Any] | None = None,
        progress: Progress | None = None,
        deduplicated: bool = False,
    ) -> FileImport:
        """Import one file in one transaction; see :func:`evimap.importing.import_file`.

        :param path: the export file.
        :param member: who imports (owner or arbiter).
        :param database: the source database, overriding what the file says.
        :param format_name: a reader name, overriding detection.
        :param encoding: the file's text encoding.
        :param skip_bad: leave broken records out (logged) instead of failing the file.
        :param role: ``search`` (a search result), or ``included`` (studies included outside
            evimap's screening: not counted as identified, counted as included); logged as
            ``import.role`` in the same transaction.
        :param options: reader options (e.g. ``{"columns": {...}}`` for generic CSV).
        :param progress: called with the number of characters read since the last call.
        :param deduplicated: the file was deduplicated before (e.g. the library of an earlier
            search round): dedup never merges two of its records, only them with others.
        """
        member = self._review.team.require(member)
        member.require(Action.IMPORT)
        if role not in IMPORT_ROLES:
            raise EvimapError(f"an import's role is one of {', '.join(IMPORT_ROLES)}, not {role!r}")

        def log_role(session, result: FileImport) -> None:
            if role != "search":
                _log_role(session, result, role, member.name)

        result = import_file(
            self._review.store,
            path,
            database=database,
            format_name=format_name,
            encoding=encoding,
            skip_bad=skip_bad,
            actor=member.name,
            options=options,
            progress=progress,
            extra=log_role,
            deduplicated=deduplicated,
        )
        if result.already_imported and role != "search":
            with self._review.store.transaction() as session:
                _log_role(session, result, role, member.name)
        return result

    def list(self) -> list[ImportedFile]:
        """Every imported file, oldest first, with its records now (see :mod:`import_files`)."""
        return list_imports(self._review.store)

    def get(self, file_id: int) -> ImportedFile:
        """One imported file by id; raises :class:`UnknownImport` when there is none."""
        return get_import(self._review.store, file_id)

    @writes
    def remove(
        self, file_id: int, *, member: Member, force: bool = False, why: str = ""
    ) -> RemovedImport:
        """Take an imported file's records out of the review (one transaction, logged).

        Refused once its records are assigned for screening (or charted) unless ``force``, the
        stage gate of :mod:`evimap.screening.gate`; forced, their screening stops counting. The
        removal rules, when applied, are applied again in the same transaction.

        :param file_id: the import's id.
        :param member: who removes it (owner or arbiter).
        :param force: remove even when screening or charting uses its records.
        :param why: the reason, kept in the log.
        :raises ImportInUse: when its records are in use and ``force`` is not set.
        """
        actor = self._actor(member)
        return remove_import(
            self._review.store,
            file_id,
            force=force,
            actor=actor,
            why=why,
            database_order=list(self._review.protocol.search.databases),
            after=self._after(actor, Kind.IMPORTS_REMOVE.value, force),
        )

    @writes
    def relabel(
        self, file_id: int, database: str, *, member: Member, why: str = ""
    ) -> ImportedFile:
        """Give an imported file and its records another source database (logged).

        :param file_id: the import's id.
        :param database: the database, as ``--database`` takes it.
        :param member: who relabels it (owner or arbiter).
        :param why: the reason, kept in the log.
        """
        actor = self._actor(member)
        return relabel_import(
            self._review.store,
            file_id,
            database,
            actor=actor,
            why=why,
            after=self._after(actor, Kind.IMPORTS_RELABEL.value, False),
        )

    def _actor(self, member: Member) -> str:
        member = self._review.team.require(member)
        member.require(Action.IMPORT)
        return member.name

    def _after(self, actor: str, cause: str, force: bool):
        """In the change's transaction: the removal rules again, then the stage gate for any
        assigned record that stopped being a screening unit."""

        def after(session) -> None:
            from evimap.screening import gate, units

            self._review.dedup._reapply_removals(session, actor, cause)
            session.flush()
            unit_set = set(units.unit_ids(session))
            assigned = gate.assigned_record_ids(session)
            if assigned - unit_set:
                gate.refuse_unless_forced(session, cause, force)
                gate.move_to_units(session, actor=actor, cause=cause)

        return after


def _log_role(session, result: FileImport, role: str, actor: str) -> None:
    from evimap.importing import file_sha256

    EventLog.append(
        session,
        Kind.IMPORT_ROLE,
        actor=actor,
        subject=result.name,
        why="studies included outside evimap's screening: not counted as records identified"
        if role == "included"
        else "",
        details={"sha256": file_sha256(Path(result.path)), "role": role},
    )


class Records:
    """Reading the review's records (``review.records``)."""

    def __init__(self, review: Review):
        self._review = review

    def __iter__(self):
        return self.iter()

    def iter(
        self, database: str | None = None, ids: Iterable[int] | None = None
    ) -> Iterable[tuple[int, Record]]:
        """``(id, record)`` pairs in import order (every imported record).

        :param database: only this source database (canonical name).
        :param ids: only these record ids.
        """
        with self._review.store.read() as session:
            yield from iter_records(session, database=database, ids=ids)

    def count_by_database(self) -> dict[str, int]:
        """Records per source database."""
        with self._review.store.read() as session:
            return count_by_database(session)

    def list(
        self,
        *,
        database: str | None = None,
        limit: int = 0,
        stage: str | None = None,
        outcome: str | None = None,
        member: Member | None = None,
    ) -> RecordList:
        """The rows of ``evimap records``: every record, or the records with an ``outcome``
        at a ``stage`` as ``member`` may see them (see :func:`evimap.outputs.record_list`).

        :param database: only this source database (any spelling).
        :param limit: at most this many rows (0: all).
        :param stage: the screening stage.
        :param outcome: ``todo``, ``included``, ``excluded``, ``maybe``, ``conflict``,
            ``pending``.
        :param member: the viewer (required for ``todo``).
        """
        from evimap.outputs import record_list

        member = self._review.team.confirm(member)
        return record_list(
            self._review,
            database=database,
            limit=limit,
            stage=stage,
            outcome=outcome,
            member=member,
        )


class Events:
    """Reading the event log (``review.events``)."""

    def __init__(self, review: Review):
        self._review = review

    def read(
        self,
        kind: str | None = None,
        prefix: str | None = None,
        *,
        member: Member | None = None,
    ) -> list[Event]:
        """Events in order, optionally of one kind or kind prefix, as ``member`` may see them.

        :param kind: only this kind.
        :param prefix: only kinds starting with this.
        :param member: the viewer: while a stage is blind, screening events of others on
            unsettled records are left out for a reviewer and for no one (``None``); owners
            and arbiters see every event.
        """
        from evimap.screening.view import visible_events

        member = self._review.team.confirm(member)
        with self._review.store.read() as session:
            events = EventLog.read(session, kind=kind, prefix=prefix)
            if member is not None and member.privileged:
                return events
            if not any(e.kind.startswith(_SCREENING_KINDS) for e in events):
                return events
            config = self._review.screening._config(session)
            visible = {e.id: e for e in visible_events(session, config, member)}
        return [
            visible.get(e.id, e)
            for e in events
            if e.id in visible or not e.kind.startswith(_SCREENING_KINDS)
        ]

    def last_id(self) -> int:
        """The id of the newest event (0 for an empty log): anything computed from the log is
        stale once this grows."""
        from sqlalchemy import func, select

        from evimap.store.models import EventRow

        with self._review.store.read() as session:
            return session.scalar(select(func.max(EventRow.id))) or 0


_SCREENING_KINDS = ("screen.", "fulltext.")


class Review:
    """A scoping review on disk.

    :param folder: the review folder (holds review.toml).
    :param protocol: the validated protocol.
    :param store: the opened, migrated store.
    """

    def __init__(self, folder: Path, protocol: Protocol, store: Store):
        self.folder = folder
        self.protocol = protocol
        self.store = store
        self.team = Team(self)
        self.accounts = Accounts(self)
        self.imports = Imports(self)
        self.records = Records(self)
        self.events = Events(self)
        self.charting = Charting(self)
        self.search = Search(self)
        self.screening = Screening(self)
        self.dedup = Dedup(self)
        self.citations = Citations(self)
        self.prioritise = Prioritise(self)

    @classmethod
    def open(
        cls, folder: str | Path, db: str | None = None, *, on_wait: WaitNotice | None = None
    ) -> Review:
        """Open the review in ``folder`` and sync its team into the store.

        The store is ``db`` when given (relative paths from the current directory), else
        review.toml's ``[store] url`` (relative paths from the review folder), else
        ``review.db`` in the folder; see :mod:`evimap.store.urls` for what a store URL may be.

        :param folder: the review folder.
        :param db: a database URL or SQLite path overriding the protocol's ``[store] url``.
        :param on_wait: called with the seconds waited while a write waits for another writer
            (default: a warning on the ``evimap.store`` logger).
        :raises NoReview: when the folder has no review.toml.
        :raises ProtocolError: when review.toml is invalid.
        :raises StoreError: when the store cannot be opened (an unknown URL scheme included).
        """
        folder = Path(folder)
        if not (folder / PROTOCOL_FILE).exists():
            raise NoReview(
                f"{folder} holds no {PROTOCOL_FILE}; create one with `evimap init {folder}`"
            )
        protocol = load_protocol(folder)
        settings = protocol.store
        if db:
            target, base = db, None
        else:
            target, base = settings.url or STORE_FILE, folder
        store = open_store(target, base=base, busy_timeout=settings.busy_timeout, on_wait=on_wait)
        review = cls(folder, protocol, store)
        try:
            review.team.sync()
        except Exception:
            review.close()
            raise
        return review

    @classmethod
    def init(cls, folder: str | Path, title: str | None = None, db: str | None = None) -> Review:
        """Create a review folder with a review.toml template and an empty store.

        :param folder: the folder to create (may exist, but must not hold a review.toml).
        :param title: the review's title (default: the folder's name).
        :param db: a database URL (or SQLite path, relative to the current directory) for the
            store instead of review.db in the folder; it is written into review.toml's
            ``[store] url`` (a PostgreSQL URL without its password), so later commands find it.
        :raises StoreError: when ``db`` is not a store URL or SQLite path, or the store cannot
            be created; nothing is left behind.
        """
        folder = Path(folder)
        protocol_file = folder / PROTOCOL_FILE
        if protocol_file.exists():
            raise EvimapError(f"{protocol_file} already exists; not overwriting it")
        saved = url_for_protocol(db, folder) if db else ""
        created = [p for p in (folder, folder / "exports", folder / "fulltext") if not p.exists()]
        sqlite_file = sqlite_path(store_url(db)) if db else None
        if sqlite_file is not None and not sqlite_file.parent.exists():
            created.append(sqlite_file.parent)
            sqlite_file.parent.mkdir(parents=True)
        for path in created[:3]:
            path.mkdir(parents=True, exist_ok=True)
        protocol_file.write_text(
            render_template(title or folder.resolve().name, store_url=saved), encoding="utf-8"
        )
        try:
            return cls.open(folder, db=db)
        except Exception:
            protocol_file.unlink()
            for path in reversed(created):
                if path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            raise

    def verify(self, *, member: Member | None = None) -> Verification:
        """Replay the event log against the tables and name every row that disagrees (a
        decision edited in the database, a record added without an import, a forked history).

        It names every reviewer's rows, unsettled ones included, so only an owner or arbiter
        may run it.

        :param member: who asks (an owner or arbiter).
        :returns: rows compared per table, every disagreement, and what could not be checked.
        :raises NotPermitted: for a reviewer, or no one.
        """
        from evimap.verify import verify_store

        self.team.require(member).require(Action.VERIFY)
        with self.store.snapshot() as session:
            return verify_store(session)

    # -- one question, one function ----------------------------------------------------------

    def prisma(self) -> PrismaCounts:
        """THE PRISMA 2020 counts of the review, from its event log (``docs/prisma.md``): the
        only computation of them; ``evimap prisma``, the report and the web app call it.

        Screening boxes count settled records only, so they are the same for everyone.
        """
        from evimap.report.prisma import compute_prisma
        from evimap.screening import units
        from evimap.screening.prisma import flow_from_events

        with self.store.read() as session:
            events = EventLog.read(session)
            unit_ids = units.unit_ids(session)
            config = self.screening._config(session)
        screening = None
        if any(e.kind.startswith(_SCREENING_KINDS) for e in events):
            screened = [
                e
                for e in events
                if e.kind.startswith(_SCREENING_KINDS) or e.kind == units.OTHER_METHODS_KIND
            ]
            screening = flow_from_events(screened, config, len(unit_ids), set(unit_ids))
        return compute_prisma(
            events, self.protocol.search.databases, screening, config.reason_labels
        )

    def included(self, *, member: Member | None = None) -> list[int]:
        """THE included studies (record ids): settled include at the last screening stage, or
        imported as included (:mod:`evimap.screening.outcomes`). Every output uses this.

        :param member: the viewer (settled outcomes are the same for everyone).
        """
        from evimap.screening.outcomes import included_ids

        self.team.confirm(member)
        with self.store.read() as session:
            return included_ids(session, self.screening._config(session))

    def report(
        self,
        out: str | Path | None = None,
        *,
        member: Member | None = None,
        paper_numbers: str | Path | None = None,
        reviewer: str | None = None,
    ) -> ReportFiles:
        """Write the report at any stage: PRISMA diagram, screening tables and agreement, and,
        once studies are charted, the synthesis (``docs/report.md``).

        :param out: the folder (default: ``REVIEW/report``).
        :param member: whose view of the event log and agreement (``None``: no one).
        :param paper_numbers: a paper_numbers.toml to check printed numbers against.
        :param reviewer: whose charting (default: the primary charter).
        """
        from evimap.outputs import write_review_report

        member = self.team.confirm(member)
        return write_review_report(
            self, out, member=member, paper_numbers=paper_numbers, reviewer=reviewer
        )

    def export(
        self,
        to: str = "ris",
        *,
        included: bool = False,
        database: str | None = None,
        ids: list[int] | None = None,
        stage: str | None = None,
        outcome: str | None = None,
        member: Member | None = None,
        path: str | Path | None = None,
    ) -> str:
        """A set of the review's records as RIS, BibTeX or CSV text (see
        :func:`evimap.outputs.export_text`).

        :param to: ``ris``, ``bib`` or ``csv``.
        :param included: only the included studies.
        :param database: only this source database.
        :param ids: only these record ids.
        :param stage: with ``outcome``, the stage.
        :param outcome: only records with this outcome at ``stage``.
        :param member: the viewer (blind rules apply).
        :param path: also write the text to this file.
        """
        from evimap.outputs import export_text

        member = self.team.confirm(member)
        text, _ = export_text(
            self,
            to,
            included=included,
            database=database,
            ids=ids,
            stage=stage,
            outcome=outcome,
            member=member,
            path=path,
        )
        return text

    def recommend(
        self,
        *,
        rupture: str | None = None,
        context: str | None = None,
        approach: str | None = None,
        include_general: bool = False,
    ) -> list[dict[str, Any]]:
        """The review's recommendations map (``recommendations.csv``) filtered by rupture type,
        context and approach, each with its sources' author-year labels.

        :param rupture: ``withdrawal`` or ``confrontation``.
        :param context: a context (``complex-trauma``, ``telepsychotherapy``...).
        :param approach: a therapeutic approach family.
        :param include_general: also list recommendations specific to none.
        """
        from evimap.demo import review_recommendations
        from evimap.synthesis.recommendations import explore

        recs, labels = review_recommendations(self)
        return explore(
            recs,
            labels,
            rupture=rupture,
            context=context,
            approach=approach,
            include_general=include_general,
        )

    @staticmethod
    @writes
    def rank_in_worker(folder: str, url: str, stage: str, member: Member):
        """A background retrain in a worker process (``review.prioritise``'s runners): the
        review is opened once per worker process and kept, with its feature matrix.

        :param folder: the review folder.
        :param url: the store's URL (the serving process's, so both use one database).
        :param stage: the stage.
        :param member: whose queue to rank.
        """
        review = _WORKER_REVIEWS.get((folder, url))
        if review is None:
            review = _WORKER_REVIEWS[(folder, url)] = Review.open(folder, db=url)
        return review.prioritise.rank(stage, member=member)

    def close(self) -> None:
        """Stop background rankers and release the store's connections."""
        self.prioritise.stop_runners()
        self.store.close()

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
