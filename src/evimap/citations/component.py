"""``review.citations``: chase reference lists (and, online, citing works) for new candidates,
log what other methods found, and read back every reference a chase matched."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from evimap.citations.chase import (
    KIND_IDENTIFIED,
    ChaseResult,
    OnlineSource,
    Progress,
    record_reference,
    run_chase,
)
from evimap.citations.match import Matcher
from evimap.citations.sources import citing_in_file, from_records
from evimap.errors import CitationError
from evimap.members import Action, Member, writes
from evimap.screening import units
from evimap.store import EventLog
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_citations import CitationLink
from evimap.store.records import insert_rows, iter_records, record_to_row

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review

SOURCES = ("included", "all")
OTHER_METHODS = ("websites", "organisations", "experts", "citation searching")
"""Other methods that can be logged (PRISMA's boxes; experts are listed by name)."""


class Citations:
    """Citation searching of one review (``review.citations``).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review

    def _actor(self, member: Member) -> str:
        member = self._review.team.require(member)
        member.require(Action.IMPORT)
        return member.name

    @writes
    def chase(
        self,
        source: str | Path = "included",
        *,
        member: Member,
        online: OnlineSource | None = None,
        progress: Progress | None = None,
    ) -> ChaseResult:
        """Chase references in one transaction: match them to the review's records, add the
        works not in it as candidate records ("citation searching"), log it.

        Running it again adds nothing that is already there.

        :param source: ``included`` (the included records), ``all`` (every screening unit) or a
            file: an export whose records carry reference lists, a PDF, or a text list.
        :param member: who chases (owner or arbiter: it adds records to the review).
        :param online: an online service (:class:`evimap.citations.online.OpenAlex`) for
            citing works and missing metadata; None stays offline.
        :param progress: called with (citing works done, in all).
        :raises CitationError: when there is nothing to chase or the file cannot be read.
        """
        actor = self._actor(member)
        review = self._review
        if str(source) in SOURCES:
            included = review.included(member=member) if str(source) == "included" else None
            with review.store.read() as session:
                ids = included if included is not None else units.unit_ids(session)
                if not ids:
                    raise CitationError(
                        "no included records to chase: settle records as include at full "
                        "text, or chase --from all or --from FILE"
                        if str(source) == "included"
                        else "the review has no records to chase"
                    )
                citing = list(from_records(session, review.folder, ids))
            label = str(source)
        else:
            path = Path(source)
            citing = citing_in_file(path)
            label = path.name
        if not any(c.references for c in citing) and online is None:
            raise CitationError(f"no reference lists to chase in {label}")
        with review.store.transaction() as session:
            return run_chase(
                session, citing, source=label, actor=actor, online=online, progress=progress
            )

    def links(
        self, status: str | None = None, record_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Every reference chased so far, with what it was matched to and the evidence.

        :param status: only ``matched``, ``candidate``, ``duplicate`` or ``unparsed``.
        :param record_id: only references read from this record.
        """
        with self._review.store.read() as session:
            query = select(CitationLink).order_by(CitationLink.id)
            if status:
                query = query.where(CitationLink.status == status)
            if record_id is not None:
                query = query.where(CitationLink.from_record_id == record_id)
            return [
                {
                    "id": link.id,
                    "direction": link.direction,
                    "from_record_id": link.from_record_id,
                    "origin": link.origin,
                    "position": link.position,
                    "reference": link.raw,
                    "first_author": (link.parsed.get("authors") or [{}])[0].get("family", ""),
                    "year": link.parsed.get("year"),
                    "status": link.status,
                    "record_id": link.target_record_id,
                    "method": link.method,
                    "score": link.score,
                    "evidence": link.evidence,
                }
                for link in session.scalars(query)
            ]

    @writes
    def log_other(
        self,
        method: str,
        *,
        records: int | None = None,
        path: str | Path | None = None,
        member: Member,
        why: str = "",
    ) -> dict[str, Any]:
        """Log records identified by another method (websites, organisations, experts).

        With a file of the records found, they are added as records of the review (to be
        screened) except those the review already holds; with ``records`` alone, only the
        count is logged.

        :param method: one of :data:`OTHER_METHODS`.
        :param records: how many records the method identified (without a file).
        :param path: an export file of the records found.
        :param member: who logs it (owner or arbiter).
        :param why: a note (which websites, which organisation).
        :raises CitationError: for an unknown method, or neither a count nor a file.
        """
        actor = self._actor(member)
        method = method.strip().lower()
        if method not in OTHER_METHODS:
            raise CitationError(
                f"unknown other method {method!r}; use one of: {', '.join(OTHER_METHODS)}"
            )
        if path is None and (records is None or records < 0):
            raise CitationError("give the number of records found (--records N) or a file")
        review = self._review
        added: list[int] = []
        already: list[int] = []
        with review.store.transaction() as session:
            if path is not None:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                if session.scalar(select(SourceFile).where(SourceFile.sha256 == digest)):
                    raise CitationError(f"{path}: this file was already added; nothing to do")
                found = [c.record for c in citing_in_file(path) if c.record is not None]
                if not found:
                    raise CitationError(f"{path}: no records found")
                matcher = Matcher(iter_records(session))
                fresh = []
                for record in found:
                    hit = matcher.match(record_reference(record))
                    if hit is None:
                        fresh.append(record)
                    else:
                        already.append(hit.key)
                if fresh:
                    added = _add_records(session, fresh, method, Path(path), actor)
                count = len(added)
            else:
                count = int(records or 0)
            event = EventLog.append(
                session,
                KIND_IDENTIFIED,
                actor=actor,
                subject=str(Path(path).name) if path else method,
                why=why,
                counts={"records": count},
                details={
                    "method": method,
                    "record_ids": added,
                    "already_in_review": already,
                    "counts_only": path is None,
                },
            )
        return {
            "method": method,
            "records": count,
            "record_ids": added,
            "already_in_review": len(already),
            "event": event.id,
        }


def _add_records(session, records, method: str, path: Path, actor: str) -> list[int]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = SourceFile(
        name=path.name,
        path=str(path),
        sha256=digest,
        format="other methods",
        database=method,
        record_count=len(records),
        imported_by=actor,
    )
    session.add(source)
    session.flush()
    rows = []
    for record in records:
        record.source_database = method
        record.source_file = path.name
        rows.append(record_to_row(record, source.id))
    insert_rows(session, rows)
    return list(
        session.scalars(
            select(RecordRow.id).where(RecordRow.source_file_id == source.id).order_by(RecordRow.id)
        )
    )
