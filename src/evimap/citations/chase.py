"""A chase: read the references of the chosen records, match each to the review's records, and
add the works not yet in the review as candidate records ("citation searching"), in one
transaction that is logged and can be run again without adding anything twice.

Every reference read is kept (``citation_links``) with what it was parsed into, what it was
matched to and the evidence. The candidates are records like any other: they are screened in
the same two stages and counted in the PRISMA diagram's other-methods column through the
``identify.other`` event this transaction logs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.citations.match import Matcher
from evimap.citations.model import Reference
from evimap.citations.parse import parse_reference
from evimap.citations.sources import Citing
from evimap.dedup import state as dedup_state
from evimap.records import Record
from evimap.store import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_citations import CitationLink
from evimap.store.records import insert_rows, iter_records, record_to_row

METHOD = "citation searching"
"""The other method (PRISMA) that chasing feeds; also the candidates' source database."""
KIND_RUN = Kind.CHASE_RUN
KIND_IDENTIFIED = Kind.IDENTIFY_OTHER

Progress = Callable[[int, int], None]
"""Called with (citing works done, citing works in all)."""


class OnlineSource(Protocol):
    """What a chase asks of an online service (see :class:`evimap.citations.online.OpenAlex`)."""

    name: str

    def citing(self, record: Record) -> list[Reference]: ...

    def references(self, record: Record) -> list[Reference]: ...

    def complete(self, ref: Reference) -> bool: ...


@dataclass
class ChaseResult:
    """What one chase found and added.

    :param source: what was chased (``included``, ``all`` or a file name).
    :param citing: works whose references were read.
    :param references: references read (backward and forward).
    :param parsed_author_year: references read with first author and year.
    :param matched: references matched to records already in the review.
    :param candidates: new records added (the works not in the review, one per work).
    :param duplicates: references to a work another reference of this chase added.
    :param unparsed: references too incomplete to identify a work.
    :param already_chased: references an earlier chase already stored.
    :param forward: works found citing the chased records (online).
    :param completed: candidates whose metadata an online look-up completed.
    :param matched_by: matched references per rule.
    :param candidate_ids: the ids of the records added.
    :param run_event: the id of the ``chase.run`` event.
    """

    source: str
    online: bool = False
    citing: int = 0
    references: int = 0
    parsed_author_year: int = 0
    matched: int = 0
    candidates: int = 0
    duplicates: int = 0
    unparsed: int = 0
    already_chased: int = 0
    forward: int = 0
    completed: int = 0
    without_references: int = 0
    matched_by: dict[str, int] = field(default_factory=dict)
    candidate_ids: list[int] = field(default_factory=list)
    run_event: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return dict(self.__dict__)


@dataclass
class _Read:
    """One reference as read by this chase."""

    key: str
    direction: str
    from_record_id: int | None
    origin: str
    position: int
    ref: Reference
    status: str = ""
    target: int | None = None  # a record id, or -(n + 1) for the n-th new candidate
    method: str = ""
    score: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    stored: bool = False


def _norm_raw(raw: str) -> str:
    return " ".join(raw.lower().split())


def _key(direction: str, origin: str, raw: str) -> str:
    return hashlib.sha256(f"{direction}\n{origin}\n{raw}".encode()).hexdigest()


def run_chase(
    session: Session,
    citing: list[Citing],
    *,
    source: str,
    actor: str = "",
    online: OnlineSource | None = None,
    progress: Progress | None = None,
) -> ChaseResult:
    """Chase the references of ``citing`` inside the caller's transaction.

    :param session: the open transaction (everything is written in it, or nothing).
    :param citing: the works whose references to read (see :mod:`evimap.citations.sources`).
    :param source: what is chased, for the log.
    :param actor: who chases.
    :param online: an online service for forward citations and missing metadata.
    :param progress: called after each citing work.
    """
    result = ChaseResult(source=source, online=online is not None, citing=len(citing))
    records = list(iter_records(session))
    review = Matcher(records)
    unit_of = dedup_state.unit_of_records(session)
    stored = set(session.scalars(select(CitationLink.key)))
    # the same reference text chased before (from any record) stands for the same work
    before = {
        _norm_raw(raw): target
        for raw, target in session.execute(
            select(CitationLink.raw, CitationLink.target_record_id).where(
                CitationLink.target_record_id.is_not(None)
            )
        )
    }
    found: list[Reference] = []  # the new candidates, in order
    new = Matcher()
    reads: list[_Read] = []

    file_match = Matcher((rid, r) for rid, r in records if r.doi or r.title)
    for done, work in enumerate(citing, start=1):
        from_id = work.record_id
        if from_id is None and work.record is not None:
            # a citing record of a file: the review's own record of it, if there is one
            hit = file_match.match(record_reference(work.record))
            from_id = hit.key if hit else None
        references = [parse_reference(raw, db) for raw, db in work.references]
        if not references and online is not None and work.record is not None:
            references = online.references(work.record)
        if not references:
            result.without_references += 1
        origin = f"record {from_id}" if from_id is not None else work.origin
        for position, ref in enumerate(references, start=1):
            key = _key("backward", origin, ref.raw)
            reads.append(_Read(key, "backward", from_id, origin, position, ref))
        if online is not None and work.record is not None:
            citing_works = online.citing(work.record)
            result.forward += len(citing_works)
            for position, ref in enumerate(citing_works, start=1):
                key = _key("forward", origin, ref.raw)
                reads.append(_Read(key, "forward", from_id, origin, position, ref))
        if progress is not None:
            progress(done, len(citing))

    for read in reads:
        ref = read.ref
        result.references += 1
        result.parsed_author_year += ref.has_author_year
        read.stored = read.key in stored
        result.already_chased += read.stored
        hit = review.match(ref)
        earlier = before.get(_norm_raw(ref.raw))
        if hit is None and earlier is not None:
            read.status, read.method, read.score = "matched", "chased_before", 1.0
            read.target = unit_of.get(earlier, earlier)
            read.evidence = {"record_id": earlier, "same_reference_text": True}
            result.matched += 1
            result.matched_by["chased_before"] = result.matched_by.get("chased_before", 0) + 1
            continue
        if hit is not None:
            read.status, read.method, read.score = "matched", hit.method, hit.score
            read.target = unit_of.get(hit.key, hit.key)
            read.evidence = {**hit.evidence, "record_id": hit.key, "others": list(hit.others)}
            result.matched += 1
            result.matched_by[hit.method] = result.matched_by.get(hit.method, 0) + 1
            continue
        if not ref.identifiable:
            read.status = "unparsed"
            result.unparsed += 1
            continue
        same = new.match(ref)
        if same is not None:
            read.status, read.method, read.score = "duplicate", same.method, same.score
            read.target, read.evidence = -(same.key + 1), dict(same.evidence)
            found[same.key].merge(ref)
            result.duplicates += 1
            continue
        read.status, read.target = "candidate", -(len(found) + 1)
        new.add(len(found), ref.to_record())
        found.append(Reference.from_dict(ref.to_dict()))

    if online is not None:
        result.completed = sum(1 for ref in found if online.complete(ref))
    result.candidates = len(found)
    candidate_ids = _add_candidates(session, found, actor) if found else []
    result.candidate_ids = candidate_ids

    event = EventLog.append(
        session,
        KIND_RUN,
        actor=actor,
        subject=source,
        counts={
            "citing": result.citing,
            "references": result.references,
            "parsed_author_year": result.parsed_author_year,
            "matched": result.matched,
            "candidates": result.candidates,
            "duplicates": result.duplicates,
            "unparsed": result.unparsed,
            "already_chased": result.already_chased,
            "forward": result.forward,
        },
        details={
            "source": source,
            "online": online.name if online is not None else None,
            "matched_by": result.matched_by,
            "candidate_ids": candidate_ids,
            "without_references": result.without_references,
        },
    )
    result.run_event = event.id
    if found:
        EventLog.append(
            session,
            KIND_IDENTIFIED,
            actor=actor,
            subject=source,
            counts={"records": len(found)},
            details={
                "method": METHOD,
                "record_ids": candidate_ids,
                "run_event": event.id,
                "forward": sum(
                    1 for r in reads if r.status == "candidate" and r.direction == "forward"
                ),
            },
        )
    _store_links(session, reads, candidate_ids, event.id)
    return result


def record_reference(record: Record) -> Reference:
    """A record seen as a reference to itself (to match it to the review's records)."""
    return Reference(
        raw=record.title,
        authors=list(record.authors),
        year=record.year,
        title=record.title,
        source=record.source_title,
        volume=record.volume,
        pages=record.pages,
        doi=record.doi,
    )


def _add_candidates(session: Session, found: list[Reference], actor: str) -> list[int]:
    """Store the candidates as records of one pseudo-file ("citation searching")."""
    digest = hashlib.sha256("\n".join(sorted(r.raw for r in found)).encode()).hexdigest()
    existing = session.scalar(select(SourceFile).where(SourceFile.sha256 == digest))
    name = f"{METHOD} {digest[:12]}"
    source = SourceFile(
        name=name if existing is None else f"{name} ({len(found)})",
        path="",
        sha256=digest if existing is None else hashlib.sha256(digest.encode()).hexdigest(),
        format="citations",
        database=METHOD,
        record_count=len(found),
        skipped_count=0,
        imported_by=actor,
    )
    session.add(source)
    session.flush()
    rows = []
    for position, ref in enumerate(found, start=1):
        record = ref.to_record()
        record.source_database = METHOD
        record.source_file = name
        record.source_record_id = _candidate_id(ref)
        record.line = position
        record.document_type = ""
        rows.append(record_to_row(record, source.id))
    insert_rows(session, rows)
    return list(
        session.scalars(
            select(RecordRow.id).where(RecordRow.source_file_id == source.id).order_by(RecordRow.id)
        )
    )


def _candidate_id(ref: Reference) -> str:
    if ref.doi:
        return f"doi:{ref.doi}"
    if ref.ids.get("openalex"):
        return f"openalex:{ref.ids['openalex']}"
    return "ref:" + hashlib.sha256(ref.raw.encode()).hexdigest()[:16]


def _store_links(
    session: Session, reads: Iterable[_Read], candidate_ids: list[int], run_event: int
) -> None:
    rows = []
    seen: set[str] = set()
    for read in reads:
        if read.stored or read.key in seen:
            continue
        seen.add(read.key)
        target = read.target
        if target is not None and target < 0:
            target = candidate_ids[-target - 1]
        rows.append(
            CitationLink(
                key=read.key,
                run_event_id=run_event,
                direction=read.direction,
                from_record_id=read.from_record_id,
                origin=read.origin,
                position=read.position,
                raw=read.ref.raw,
                parsed=read.ref.to_dict(),
                status=read.status,
                target_record_id=target,
                method=read.method,
                score=read.score,
                evidence=read.evidence,
            )
        )
    session.add_all(rows)
    session.flush()
