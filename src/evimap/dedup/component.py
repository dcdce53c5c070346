"""``review.dedup``: deduplicate a review's records, review the queue, undo, export, remove.

Each verb is one transaction with its event; every event carries the counts PRISMA needs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from evimap.dedup import linkage, queue, state
from evimap.dedup.engine import Engine
from evimap.dedup.pipeline import Step, deduplicate
from evimap.dedup.removals import apply_rules
from evimap.errors import EvimapError
from evimap.records import Record
from evimap.store import EventLog
from evimap.store.models import RecordRow
from evimap.store.models_dedup import (
    DedupCluster,
    DedupDecision,
    DedupMember,
    DedupPair,
    DedupRun,
    Removal,
)
from evimap.store.records import iter_records

if TYPE_CHECKING:
    from evimap.review import Review


class DedupError(EvimapError):
    """A dedup verb cannot run as asked (nothing to undo, no such cluster ...)."""


@dataclass
class RunSummary:
    """What a dedup run did: the state after it, and the size of the review queue."""

    run_id: int
    engine: str
    threshold: float
    review_from: float
    exact_pairs: int
    linked_pairs: int
    queued: int
    counts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class RemovalSummary:
    """What applying the removal rules did."""

    considered: int
    removed: int
    by_reason: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


class Dedup:
    """Deduplication and removals before screening (``review.dedup``)."""

    def __init__(self, review: Review):
        self._review = review

    @property
    def _settings(self):
        return self._review.protocol.dedup

    @property
    def _database_order(self) -> list[str]:
        return list(self._review.protocol.search.databases)

    def _model(self) -> dict[str, Any]:
        path = self._settings.model
        return linkage.load_model(self._review.folder / path if path else None)

    def run(
        self,
        *,
        engine: str | Engine | None = None,
        threshold: float | None = None,
        review_from: float | None = None,
        reestimate: bool = False,
        actor: str = "",
        step: Step | None = None,
    ) -> RunSummary:
        """Find duplicates among all the review's records and store the clusters.

        Reviewer decisions from earlier runs hold: confirmed pairs merge, rejected pairs never do.

        :param engine: ``duckdb``, ``spark`` or an engine (default: the protocol's ``[dedup]``).
        :param threshold: match probability that merges (default: the protocol's).
        :param review_from: bottom of the review band (default: the protocol's).
        :param reestimate: re-estimate the model by EM on this review first (large reviews).
        :param actor: who ran it.
        :param step: progress callback, called with each stage's name.
        """
        store = self._review.store
        threshold = self._settings.threshold if threshold is None else threshold
        review_from = self._settings.review_from if review_from is None else review_from
        review_from = min(review_from, threshold)
        with store.read() as session:
            records = dict(iter_records(session))
            decided = queue.decisions(session)
        model = self._model()
        chosen = engine or self._settings.engine
        if reestimate:
            from evimap.dedup.engine import get_engine
            from evimap.dedup.normalise import keys_table

            with get_engine(chosen) as runner:
                model = linkage.reestimate(keys_table(records.items()), runner, model)
        outcome = deduplicate(
            records.items(),
            engine=chosen,
            model=model,
            threshold=threshold,
            review_from=review_from,
            confirmed=[p for p, d in decided.items() if d == queue.CONFIRM],
            rejected=[p for p, d in decided.items() if d == queue.REJECT],
            step=step,
        )
        if step:
            step("saving clusters")
        with store.transaction() as session:
            run = DedupRun(
                actor=actor,
                engine=outcome.engine,
                threshold=threshold,
                review_from=review_from,
                model=model,
                records=len(records),
                active=True,
            )
            session.add(run)
            session.flush()
            state.write_clusters(session, run.id, outcome.groups, records, self._database_order)
            pairs = [
                {
                    "run_id": run.id,
                    "record_a": p.key[0],
                    "record_b": p.key[1],
                    "rule": p.rule,
                    "probability": p.probability,
                    "status": status,
                }
                for status, found in (("merged", outcome.accepted), ("queued", outcome.queued))
                for p in found
            ]
            for start in range(0, len(pairs), 5000):
                session.execute(insert(DedupPair), pairs[start : start + 5000])
            counts = state.state(session)
            exact = sum(1 for p in outcome.accepted if p.rule not in ("splink", "reviewer"))
            linked = sum(1 for p in outcome.accepted if p.rule == "splink")
            counts.update(
                {"exact_pairs": exact, "linked_pairs": linked, "queued_pairs": len(outcome.queued)}
            )
            EventLog.append(
                session,
                "dedup.run",
                actor=actor,
                subject=f"run {run.id}",
                counts=counts,
                details={
                    "engine": outcome.engine,
                    "threshold": threshold,
                    "review_from": review_from,
                    "model": model["evimap"].get("trained_on", []),
                    "run_id": run.id,
                    "clusters": [sorted(g) for g in outcome.groups if len(g) > 1],
                },
            )
            run_id = run.id
        return RunSummary(
            run_id,
            outcome.engine,
            threshold,
            review_from,
            exact,
            linked,
            len(outcome.queued),
            counts,
        )

    def queue(self) -> list[queue.QueueItem]:
        """Pairs awaiting a reviewer, most probable first."""
        with self._review.store.read() as session:
            return queue.pending(session)

    def decide(self, pair_id: int, decision: str, *, actor: str = "", why: str = "") -> dict:
        """Confirm (merge) or reject a queued pair; returns the counts after it.

        :param pair_id: the pair's id in the queue.
        :param decision: ``confirm`` or ``reject``.
        :param actor: who decided.
        :param why: a note.
        """
        with self._review.store.transaction() as session:
            return queue.decide(
                session,
                pair_id,
                decision,
                actor=actor,
                why=why,
                database_order=self._database_order,
            )

    def undo(self, cluster_id: int | None = None, *, actor: str = "", why: str = "") -> dict:
        """Undo a merge: split one cluster back into its records (and keep them apart in later
        runs), or, without a cluster, undo the latest run (the run before it counts again).

        :param cluster_id: the cluster to split; ``None`` for the latest run.
        :param actor: who undid it.
        :param why: the reason.
        :returns: the counts after the undo.
        """
        with self._review.store.transaction() as session:
            run = state.active_run(session)
            if run is None:
                raise DedupError("nothing to undo: the review has no dedup run")
            if cluster_id is None:
                run.active = False
                session.flush()
                counts = state.state(session)
                EventLog.append(
                    session,
                    "dedup.undo",
                    actor=actor,
                    subject=f"run {run.id}",
                    why=why,
                    counts=counts,
                    details={"run_id": run.id},
                )
                return counts
            cluster = session.get(DedupCluster, cluster_id)
            if cluster is None or cluster.run_id != run.id:
                raise DedupError(f"no cluster {cluster_id} in the latest dedup run")
            members = state.cluster_members(session, cluster.id)
            if len(members) < 2:
                raise DedupError(f"cluster {cluster_id} holds one record; nothing to split")
            merged = session.scalars(
                select(DedupPair).where(
                    DedupPair.run_id == run.id,
                    DedupPair.status.in_(("merged", "confirmed")),
                    DedupPair.record_a.in_(members),
                    DedupPair.record_b.in_(members),
                )
            ).all()
            for pair in merged:
                session.add(
                    DedupDecision(
                        record_a=pair.record_a,
                        record_b=pair.record_b,
                        decision=queue.REJECT,
                        actor=actor,
                        why=why or f"undo of cluster {cluster_id}",
                    )
                )
                pair.status = "undone"
            with_records = dict(iter_records(session, ids=members))
            for rid in members[1:]:
                new = DedupCluster(run_id=run.id, primary_record_id=rid, size=1, canonical={})
                session.add(new)
                session.flush()
                member = session.scalars(
                    select(DedupMember).where(
                        DedupMember.run_id == run.id, DedupMember.record_id == rid
                    )
                ).one()
                member.cluster_id = new.id
                state.rewrite_cluster(session, new, [rid], self._database_order)
            session.flush()
            state.rewrite_cluster(session, cluster, [members[0]], self._database_order)
            session.flush()
            counts = state.state(session)
            EventLog.append(
                session,
                "dedup.undo",
                actor=actor,
                subject=f"cluster {cluster_id}",
                why=why,
                counts=counts,
                details={
                    "cluster_id": cluster_id,
                    "records": members,
                    "titles": [with_records[r].title for r in members],
                    "rejected_pairs": [[p.record_a, p.record_b] for p in merged],
                },
            )
            return counts

    def clusters(self, only_duplicates: bool = False) -> list[dict[str, Any]]:
        """The active run's clusters: id, kept record, size, sources.

        :param only_duplicates: only clusters of two or more records.
        """
        with self._review.store.read() as session:
            run = state.active_run(session)
            if run is None:
                return []
            query = select(DedupCluster).where(DedupCluster.run_id == run.id)
            if only_duplicates:
                query = query.where(DedupCluster.size > 1)
            return [
                {
                    "cluster_id": c.id,
                    "kept_record_id": c.primary_record_id,
                    "size": c.size,
                    "title": c.canonical.get("title", ""),
                    "sources": c.canonical.get("sources", []),
                }
                for c in session.scalars(query.order_by(DedupCluster.id))
            ]

    def export_clusters(self, path: str | Path) -> int:
        """Write ``record_id,cluster_id`` for every record, using the IDs the records had in
        their source files (records without one get ``evimap:<id>``); returns rows written.

        :param path: the CSV file to write.
        """
        with self._review.store.read() as session:
            run = state.active_run(session)
            cluster: dict[int, int] = {}
            if run is not None:
                cluster = dict(
                    session.execute(
                        select(DedupMember.record_id, DedupMember.cluster_id).where(
                            DedupMember.run_id == run.id
                        )
                    ).all()
                )
            rows = session.execute(
                select(RecordRow.id, RecordRow.source_record_id).order_by(RecordRow.id)
            ).all()
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["record_id", "cluster_id"])
            for rid, source_id in rows:
                writer.writerow([source_id or f"evimap:{rid}", cluster.get(rid, f"r{rid}")])
        return len(rows)

    def unique_records(self, include_removed: bool = False) -> Iterator[tuple[int, Record]]:
        """The review's unique records for screening: ``(kept record id, canonical record)``.

        :param include_removed: also records removed before screening.
        """
        with self._review.store.read() as session:
            ids = state.kept_ids(session)
            if not include_removed:
                removed = state.removed_ids(session)
                ids = [i for i in ids if i not in removed]
            canonical = state.canonical_of(session, ids)
            for start in range(0, len(ids), 2000):
                chunk = ids[start : start + 2000]
                for rid, record in iter_records(session, ids=chunk):
                    data = canonical.get(rid)
                    if data:
                        data = {k: v for k, v in data.items() if k != "sources"}
                        data["raw"] = record.raw
                        yield rid, Record.from_dict(data)
                    else:
                        yield rid, record

    def remove(self, *, actor: str = "") -> RemovalSummary:
        """Apply the protocol's ``[removals]`` rules to the unique records (replacing any
        earlier application); each removal keeps its reason; one event with counts per reason.

        :param actor: who applied them.
        """
        rules = self._review.protocol.removals.rules
        records = list(self.unique_records(include_removed=True))
        with self._review.store.read() as session:
            run = state.active_run(session)
            member_ids: dict[int, list[str]] = {}
            if run is not None:
                for c in session.scalars(select(DedupCluster).where(DedupCluster.run_id == run.id)):
                    member_ids[c.primary_record_id] = [
                        s["source_record_id"] for s in c.canonical.get("sources", [])
                    ]
        candidates = [
            (rid, record, member_ids.get(rid, [record.source_record_id]) + [record.doi])
            for rid, record in records
        ]
        removed = apply_rules(rules, candidates)
        by_reason: dict[str, int] = {}
        for item in removed:
            by_reason[item.reason] = by_reason.get(item.reason, 0) + 1
        with self._review.store.transaction() as session:
            session.execute(update(Removal).where(Removal.active.is_(True)).values(active=False))
            if removed:
                session.execute(
                    insert(Removal),
                    [
                        {
                            "record_id": r.record_id,
                            "reason": r.reason,
                            "rule": r.rule,
                            "actor": actor,
                            "active": True,
                        }
                        for r in removed
                    ],
                )
            EventLog.append(
                session,
                "removals.apply",
                actor=actor,
                subject="removals before screening",
                counts={
                    "considered": len(records),
                    "removed": len(removed),
                    "remaining": len(records) - len(removed),
                    "by_reason": by_reason,
                },
                details={
                    "rules": [r.model_dump(by_alias=True, exclude_defaults=True) for r in rules],
                    "removals": [[r.record_id, r.reason] for r in removed],
                },
            )
        return RemovalSummary(len(records), len(removed), by_reason)

    def prisma(self) -> dict[str, Any]:
        """PRISMA counts from the event log: records identified, duplicates removed (per
        database), records removed for other reasons (per reason), records left to screen."""
        events = self._review.events.read(prefix="dedup.")
        removals = self._review.events.read(kind="removals.apply")
        with self._review.store.read() as session:
            now = state.state(session)
        latest = events[-1].counts if events else now
        removed = removals[-1].counts if removals else {"removed": 0, "by_reason": {}}
        return {
            "records_identified": latest.get("records", now["records"]),
            "duplicates_removed": latest.get("duplicates_removed", 0),
            "duplicates_removed_by_database": latest.get("duplicates_removed_by_database", {}),
            "removed_other_reasons": removed.get("removed", 0),
            "removed_by_reason": removed.get("by_reason", {}),
            "records_screened": latest.get("clusters", now["clusters"]) - removed.get("removed", 0),
        }
