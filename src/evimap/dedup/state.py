"""The review's current clusters in the store: the active run, its clusters, PRISMA counts.

Every dedup event carries the state after it (records, clusters, duplicates removed overall
and per database), so PRISMA reads the newest event and cannot disagree with the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from evimap.dedup.merge import canonical_record
from evimap.records import Record
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_dedup import DedupCluster, DedupMember, DedupRun, Removal
from evimap.store.records import iter_records


def active_run(session: Session) -> DedupRun | None:
    """The newest run that was not undone."""
    query = select(DedupRun).where(DedupRun.active.is_(True)).order_by(DedupRun.id.desc())
    return session.scalars(query.limit(1)).first()


def write_clusters(
    session: Session,
    run_id: int,
    groups: Sequence[Sequence[int]],
    records: dict[int, Record],
    database_order: Sequence[str],
) -> None:
    """Store clusters (canonical record, kept member) and their members for one run."""
    rows = []
    for group in groups:
        members = [(rid, records[rid]) for rid in group]
        kept, canonical, sources = canonical_record(members, database_order)
        data = canonical.to_dict()
        data.pop("raw", None)
        data["sources"] = sources
        rows.append(
            {"run_id": run_id, "primary_record_id": kept, "size": len(group), "canonical": data}
        )
    if not rows:
        return
    ids = session.scalars(
        insert(DedupCluster).returning(DedupCluster.id, sort_by_parameter_order=True), rows
    ).all()
    members = [
        {"run_id": run_id, "cluster_id": cid, "record_id": rid}
        for cid, group in zip(ids, groups, strict=True)
        for rid in group
    ]
    for start in range(0, len(members), 5000):
        session.execute(insert(DedupMember), members[start : start + 5000])


def rewrite_cluster(
    session: Session,
    cluster: DedupCluster,
    member_ids: Sequence[int],
    database_order: Sequence[str],
) -> None:
    """Recompute a cluster's canonical record and kept member from ``member_ids``."""
    records = dict(iter_records(session, ids=member_ids))
    kept, canonical, sources = canonical_record(list(records.items()), database_order)
    data = canonical.to_dict()
    data.pop("raw", None)
    data["sources"] = sources
    cluster.primary_record_id = kept
    cluster.size = len(member_ids)
    cluster.canonical = data


def cluster_members(session: Session, cluster_id: int) -> list[int]:
    """Record ids of a cluster's members."""
    query = select(DedupMember.record_id).where(DedupMember.cluster_id == cluster_id)
    return sorted(session.scalars(query))


def cluster_of_record(session: Session, run_id: int, record_id: int) -> DedupCluster | None:
    """The cluster holding ``record_id`` in run ``run_id``."""
    query = (
        select(DedupCluster)
        .join(DedupMember, DedupMember.cluster_id == DedupCluster.id)
        .where(DedupMember.run_id == run_id, DedupMember.record_id == record_id)
    )
    return session.scalars(query).first()


def drop_cluster(session: Session, cluster_id: int) -> None:
    """Delete an emptied cluster row (its members were moved)."""
    session.execute(delete(DedupCluster).where(DedupCluster.id == cluster_id))


def state(session: Session) -> dict[str, Any]:
    """Records, clusters and duplicates removed (overall and per database) right now."""
    by_database: Counter[str] = Counter()
    records = session.scalar(select(func.count()).select_from(RecordRow)) or 0
    run = active_run(session)
    if run is None:
        return {
            "records": records,
            "clusters": records,
            "duplicates_removed": 0,
            "duplicates_removed_by_database": {},
        }
    in_run = (
        session.scalar(
            select(func.count()).select_from(DedupMember).where(DedupMember.run_id == run.id)
        )
        or 0
    )
    clusters = (
        session.scalar(
            select(func.count()).select_from(DedupCluster).where(DedupCluster.run_id == run.id)
        )
        or 0
    )
    query = (
        select(RecordRow.source_database, func.count())
        .select_from(DedupMember)
        .join(DedupCluster, DedupCluster.id == DedupMember.cluster_id)
        .join(RecordRow, RecordRow.id == DedupMember.record_id)
        .where(
            DedupMember.run_id == run.id,
            DedupMember.record_id != DedupCluster.primary_record_id,
        )
        .group_by(RecordRow.source_database)
    )
    for database, n in session.execute(query):
        by_database[database or ""] += n
    total_clusters = clusters + (records - in_run)
    return {
        "records": records,
        "clusters": total_clusters,
        "duplicates_removed": records - total_clusters,
        "duplicates_removed_by_database": dict(sorted(by_database.items())),
    }


def kept_ids(session: Session) -> list[int]:
    """Record ids standing for the review's unique records (kept members, and records imported
    after the last run), before removals."""
    all_ids = list(session.scalars(select(RecordRow.id).order_by(RecordRow.id)))
    run = active_run(session)
    if run is None:
        return all_ids
    in_run = set(session.scalars(select(DedupMember.record_id).where(DedupMember.run_id == run.id)))
    kept = set(
        session.scalars(select(DedupCluster.primary_record_id).where(DedupCluster.run_id == run.id))
    )
    return [rid for rid in all_ids if rid in kept or rid not in in_run]


def removed_ids(session: Session) -> set[int]:
    """Record ids removed before screening (active removals)."""
    return set(session.scalars(select(Removal.record_id).where(Removal.active.is_(True))))


def canonical_of(session: Session, record_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Canonical record dicts of the active run's clusters, keyed by kept record id."""
    run = active_run(session)
    if run is None or not record_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 2000):
        query = select(DedupCluster.primary_record_id, DedupCluster.canonical).where(
            DedupCluster.run_id == run.id,
            DedupCluster.primary_record_id.in_(ids[start : start + 2000]),
        )
        out.update({rid: data for rid, data in session.execute(query)})
    return out


def stands_for_itself(session: Session, record_id: int) -> bool:
    """Whether a record is the kept member of its cluster (or in no cluster of the active run)."""
    run = active_run(session)
    if run is None:
        return True
    cluster = cluster_of_record(session, run.id, record_id)
    return cluster is None or cluster.primary_record_id == record_id


def unit_of_records(session: Session) -> dict[int, int]:
    """Record id -> the kept record id of its cluster, for records merged into another."""
    run = active_run(session)
    if run is None:
        return {}
    query = (
        select(DedupMember.record_id, DedupCluster.primary_record_id)
        .join(DedupCluster, DedupCluster.id == DedupMember.cluster_id)
        .where(
            DedupMember.run_id == run.id,
            DedupMember.record_id != DedupCluster.primary_record_id,
        )
    )
    return dict(session.execute(query).all())


def distinct_sets(session: Session) -> list[list[int]]:
    """The record ids of each import marked deduplicated (one list a file, non-empty only):
    records the team already knows to be distinct works among themselves."""
    rows = session.execute(
        select(RecordRow.source_file_id, RecordRow.id)
        .join(SourceFile, SourceFile.id == RecordRow.source_file_id)
        .where(SourceFile.deduplicated.is_(True))
        .order_by(RecordRow.source_file_id, RecordRow.id)
    )
    by_file: dict[int, list[int]] = {}
    for file_id, record_id in rows:
        by_file.setdefault(file_id, []).append(record_id)
    return list(by_file.values())
