"""Every imported record accounted for: unique, a duplicate of a kept record, or removed.

One row per imported record, with exactly one status; the counts add up to the records
imported, and the PRISMA diagram's duplicates and removals boxes are these counts (the dedup
and removal events carry the same state, see :mod:`evimap.dedup.state`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.dedup import state
from evimap.store.models import RecordRow
from evimap.store.models_dedup import Removal

UNIQUE = "unique"
DUPLICATE = "duplicate"
REMOVED = "removed"
STATUSES = (UNIQUE, DUPLICATE, REMOVED)


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """Where one imported record stands.

    :param record_id: the record's evimap id.
    :param status: ``unique`` (it stands for itself, or for its cluster), ``duplicate``
        (merged into another record) or ``removed`` (removed before screening).
    :param kept_id: for a duplicate, the evimap id of the record it merged into.
    :param reason: for a removal, the rule's reason.
    """

    record_id: int
    status: str
    kept_id: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def record_statuses(session: Session) -> list[RecordStatus]:
    """The status of every imported record, in import order.

    A record merged into another is a duplicate, whatever else; a record that stands for
    itself (or for its cluster) is removed when an active removal names it, else unique.
    """
    merged_into = state.unit_of_records(session)
    active = select(Removal.record_id, Removal.reason).where(Removal.active.is_(True))
    removed = {rid: reason for rid, reason in session.execute(active)}
    out: list[RecordStatus] = []
    for rid in session.scalars(select(RecordRow.id).order_by(RecordRow.id)):
        if rid in merged_into:
            out.append(RecordStatus(rid, DUPLICATE, kept_id=merged_into[rid]))
        elif rid in removed:
            out.append(RecordStatus(rid, REMOVED, reason=removed[rid]))
        else:
            out.append(RecordStatus(rid, UNIQUE))
    return out


def status_counts(rows: list[RecordStatus]) -> dict[str, int]:
    """Records per status (every status named, zero included), and ``records``, their sum."""
    counts = Counter(r.status for r in rows)
    out = {status: counts.get(status, 0) for status in STATUSES}
    out["records"] = len(rows)
    return out


CLUSTER_COLUMNS = (
    "record_id",
    "cluster_id",
    "evimap_id",
    "title",
    "database",
    "kept",
    "pass",
    "score",
)
"""Columns of ``evimap dedup export --clusters``."""


def cluster_rows(session: Session) -> list[dict[str, Any]]:
    """Every record with its cluster, for export: ``record_id`` (the ID in its source file, or
    ``evimap:<id>``), ``cluster_id`` (the kept record's evimap id, which stays the same across
    runs while the cluster keeps its kept record; a record in no cluster is its own),
    ``evimap_id``, ``title``, ``database``, ``kept`` (whether it stands for its cluster), and
    ``pass`` and ``score``: the strongest link that holds it in its cluster (``doi``, ``pmid``,
    ``title+year+first_author``, ``splink`` with its match probability, ``reviewer``), empty for
    a record alone.
    """
    from evimap.store.models_dedup import DedupCluster, DedupMember, DedupPair

    run = state.active_run(session)
    cluster_of: dict[int, int] = {}
    size: dict[int, int] = {}
    best: dict[int, tuple[float, str]] = {}
    if run is not None:
        query = (
            select(DedupMember.record_id, DedupCluster.primary_record_id, DedupCluster.size)
            .join(DedupCluster, DedupCluster.id == DedupMember.cluster_id)
            .where(DedupMember.run_id == run.id)
        )
        for rid, kept, n in session.execute(query):
            cluster_of[rid] = kept
            size[rid] = n
        pairs = session.execute(
            select(
                DedupPair.record_a,
                DedupPair.record_b,
                DedupPair.rule,
                DedupPair.probability,
                DedupPair.status,
            ).where(DedupPair.run_id == run.id, DedupPair.status.in_(("merged", "confirmed")))
        )
        for a, b, rule, probability, status in pairs:
            if cluster_of.get(a) != cluster_of.get(b):
                continue
            link = (1.0, "reviewer") if status == "confirmed" else (probability, rule)
            for rid in (a, b):
                if rid not in best or link[0] > best[rid][0]:
                    best[rid] = link
    rows = []
    records = session.execute(
        select(
            RecordRow.id, RecordRow.source_record_id, RecordRow.title, RecordRow.source_database
        ).order_by(RecordRow.id)
    )
    for rid, source_id, title, database in records:
        kept = cluster_of.get(rid, rid)
        score, rule = best.get(rid, (None, "")) if size.get(rid, 1) > 1 else (None, "")
        rows.append(
            {
                "record_id": source_id or f"evimap:{rid}",
                "cluster_id": kept,
                "evimap_id": rid,
                "title": title,
                "database": database,
                "kept": kept == rid,
                "pass": rule,
                "score": "" if score is None else round(score, 4),
            }
        )
    return rows
