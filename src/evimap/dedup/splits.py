"""Taking merges apart: split a whole cluster, or detach one wrong member from its cluster.

Either way the records taken apart are kept apart in later runs: each broken link becomes a
reviewer's rejection (``dedup_decisions``), which the pipeline's cluster guard treats as a
cannot-link, also through third records. Functions here work inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from evimap.dedup import queue, state
from evimap.errors import EvimapError
from evimap.store.models_dedup import DedupCluster, DedupDecision, DedupMember, DedupPair, DedupRun
from evimap.store.records import iter_records


class SplitError(EvimapError):
    """A cluster or record cannot be taken apart as asked."""


def cluster_by_id(session: Session, run: DedupRun, cluster_id: int) -> DedupCluster:
    """The active run's cluster whose id (its kept record's id) is ``cluster_id``.

    :raises SplitError: when there is none.
    """
    cluster = session.scalars(
        select(DedupCluster).where(
            DedupCluster.run_id == run.id, DedupCluster.primary_record_id == cluster_id
        )
    ).first()
    if cluster is None:
        raise SplitError(
            f"no cluster {cluster_id} in the latest dedup run (a cluster's id is its kept "
            "record's id; list them with `evimap dedup export REVIEW --clusters FILE`)"
        )
    return cluster


def _reject(session: Session, pairs: Sequence[tuple[int, int]], actor: str, why: str) -> None:
    for a, b in pairs:
        session.add(
            DedupDecision(
                record_a=min(a, b), record_b=max(a, b), decision=queue.REJECT, actor=actor, why=why
            )
        )


def _new_singleton(session: Session, run: DedupRun, record_id: int, order: Sequence[str]) -> None:
    new = DedupCluster(run_id=run.id, primary_record_id=record_id, size=1, canonical={})
    session.add(new)
    session.flush()
    member = session.scalars(
        select(DedupMember).where(DedupMember.run_id == run.id, DedupMember.record_id == record_id)
    ).one()
    member.cluster_id = new.id
    state.rewrite_cluster(session, new, [record_id], order)


def split_cluster(
    session: Session,
    run: DedupRun,
    cluster_id: int,
    *,
    actor: str,
    why: str,
    database_order: Sequence[str],
) -> dict[str, Any]:
    """Split a cluster into its records; each merged pair of it becomes a rejection.

    :returns: the event's details (cluster id, records, their titles, the pairs rejected).
    """
    cluster = cluster_by_id(session, run, cluster_id)
    members = state.cluster_members(session, cluster.id)
    if len(members) < 2:
        raise SplitError(f"cluster {cluster_id} holds one record; nothing to split")
    merged = session.scalars(
        select(DedupPair).where(
            DedupPair.run_id == run.id,
            DedupPair.status.in_(("merged", "confirmed")),
            DedupPair.record_a.in_(members),
            DedupPair.record_b.in_(members),
        )
    ).all()
    _reject(
        session,
        [(p.record_a, p.record_b) for p in merged],
        actor,
        why or f"undo of cluster {cluster_id}",
    )
    for pair in merged:
        pair.status = "undone"
    titles = {rid: r.title for rid, r in iter_records(session, ids=members)}
    for rid in members[1:]:
        _new_singleton(session, run, rid, database_order)
    session.flush()
    state.rewrite_cluster(session, cluster, [members[0]], database_order)
    session.flush()
    return {
        "cluster_id": cluster_id,
        "records": members,
        "titles": [titles[r] for r in members],
        "rejected_pairs": [
            [min(p.record_a, p.record_b), max(p.record_a, p.record_b)] for p in merged
        ],
    }


def detach_record(
    session: Session,
    run: DedupRun,
    record_id: int,
    *,
    actor: str,
    why: str,
    database_order: Sequence[str],
) -> dict[str, Any]:
    """Take one record out of its cluster and leave the others merged.

    The record becomes a cluster of its own; a rejection between it and each other member
    keeps it apart in later runs. The rest keep their links (their kept record is chosen again
    when the detached record was it).

    :returns: the event's details (the record, its title, the cluster it left and the ids of
        the cluster's remaining members).
    """
    cluster = state.cluster_of_record(session, run.id, record_id)
    if cluster is None:
        raise SplitError(f"record {record_id} is not in the latest dedup run")
    members = state.cluster_members(session, cluster.id)
    if len(members) < 2:
        raise SplitError(
            f"record {record_id} is in no cluster with other records; nothing to detach"
        )
    left_cluster = cluster.primary_record_id
    others = [m for m in members if m != record_id]
    _reject(
        session,
        [(record_id, m) for m in others],
        actor,
        why or f"detached from cluster {left_cluster}",
    )
    for pair in session.scalars(
        select(DedupPair).where(
            DedupPair.run_id == run.id,
            DedupPair.status.in_(("merged", "confirmed")),
            or_(DedupPair.record_a == record_id, DedupPair.record_b == record_id),
        )
    ):
        pair.status = "undone"
    _new_singleton(session, run, record_id, database_order)
    session.flush()
    state.rewrite_cluster(session, cluster, others, database_order)
    session.flush()
    title = next((r.title for _, r in iter_records(session, ids=[record_id])), "")
    return {
        "record_id": record_id,
        "title": title,
        "left_cluster": left_cluster,
        "cluster_id": cluster.primary_record_id,
        "remaining": others,
    }
