"""``review.dedup``: deduplicate a review's records, review the queue, undo, export, remove.

Each verb is one transaction with its event; every event carries the counts PRISMA needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from evimap.csvtable import write_csv
from evimap.dedup import accounting, linkage, queue, splits, state
from evimap.dedup.engine import Engine
from evimap.dedup.pipeline import Step, deduplicate
from evimap.dedup.removals import apply_rules
from evimap.errors import EvimapError
from evimap.members import Action, Member, writes
from evimap.records import Record
from evimap.store import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import EventRow
from evimap.store.models_dedup import (
    DedupCluster,
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

    def _actor(self, member: Member, action: Action) -> str:
        member = self._review.team.require(member)
        member.require(action)
        return member.name

    def _gate(self, what: str, force: bool) -> None:
        from evimap.screening import gate

        with self._review.store.read() as session:
            gate.refuse_unless_forced(session, what, force)

    @staticmethod
    def _move(session, actor: str, cause: str, force: bool) -> None:
        """In the change's transaction: refuse it (when not forced) or move screening."""
        from evimap.screening import gate

        gate.refuse_unless_forced(session, cause, force)
        if force:
            gate.move_to_units(session, actor=actor, cause=cause)

    def _model(self) -> dict[str, Any]:
        path = self._settings.model
        return linkage.load_model(self._review.folder / path if path else None)

    @writes
    def run(
        self,
        *,
        member: Member,
        engine: str | Engine | None = None,
        threshold: float | None = None,
        review_from: float | None = None,
        reestimate: bool = False,
        force: bool = False,
        step: Step | None = None,
    ) -> RunSummary:
        """Find duplicates among all the review's records and store the clusters.

        Reviewer decisions from earlier runs hold: confirmed pairs merge, rejected pairs never do.
        Once records are assigned for screening it is refused unless ``force`` (see
        :mod:`evimap.screening.gate`).

        :param member: who runs it (owner or arbiter).
        :param engine: ``duckdb``, ``spark`` or an engine (default: the protocol's ``[dedup]``).
        :param threshold: match probability that merges (default: the protocol's).
        :param review_from: bottom of the review band (default: the protocol's).
        :param reestimate: re-estimate the model by EM on this review first (large reviews).
        :param force: run even though records are assigned; their screening moves to the kept
            records.
        :param step: progress callback, called with each stage's name.
        """
        actor = self._actor(member, Action.DEDUP)
        self._gate("re-running dedup", force)
        store = self._review.store
        threshold = self._settings.threshold if threshold is None else threshold
        review_from = self._settings.review_from if review_from is None else review_from
        review_from = min(review_from, threshold)
        with store.read() as session:
            records = dict(iter_records(session))
            decided = queue.decisions(session)
            distinct = state.distinct_sets(session)
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
            distinct=distinct,
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
                Kind.DEDUP_RUN,
                actor=actor,
                subject=f"run {run.id}",
                counts=counts,
                details={
                    "engine": outcome.engine,
                    "threshold": threshold,
                    "review_from": review_from,
                    "model": model["evimap"].get("trained_on", []),
                    "flagged_pairs": {
                        flag: sum(1 for p in outcome.queued if p.rule == flag)
                        for flag in {p.rule for p in outcome.queued if p.rule != "splink"}
                    },
                    "run_id": run.id,
                    "clusters": [sorted(g) for g in outcome.groups if len(g) > 1],
                },
            )
            self._reapply_removals(session, actor, Kind.DEDUP_RUN.value)
            self._move(session, actor, Kind.DEDUP_RUN.value, force)
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

    @writes
    def decide(
        self, pair_id: int, decision: str, *, member: Member, why: str = "", force: bool = False
    ) -> dict:
        """Confirm (merge) or reject a queued pair; returns the counts after it. A merge once
        records are assigned for screening is refused unless ``force``.

        :param pair_id: the pair's id in the queue.
        :param decision: ``confirm`` or ``reject``.
        :param member: who decides (owner or arbiter).
        :param why: a note.
        :param force: merge even though records are assigned (screening moves to the kept
            record).
        """
        actor = self._actor(member, Action.DEDUP)
        with self._review.store.transaction() as session:
            counts = queue.decide(
                session,
                pair_id,
                decision,
                actor=actor,
                why=why,
                database_order=self._database_order,
            )
            if decision == queue.CONFIRM:
                self._reapply_removals(session, actor, Kind.DEDUP_MERGE.value)
                self._move(session, actor, Kind.DEDUP_MERGE.value, force)
            return counts

    @writes
    def undo(
        self,
        cluster_id: int | None = None,
        *,
        record_id: int | None = None,
        member: Member,
        why: str = "",
        force: bool = False,
    ) -> dict:
        """Undo a merge: split one cluster back into its records, or detach one record from
        its cluster leaving the others merged (either way kept apart in later runs); without
        either, undo the latest run (the run before it counts again).

        :param cluster_id: the cluster to split (its id is its kept record's id).
        :param record_id: the record to detach from its cluster (``dedup.detach``).
        :param member: who undoes it (owner or arbiter).
        :param why: the reason.
        :param force: undo even though records are assigned for screening (screening moves to
            the records kept after the undo); refused otherwise.
        :returns: the counts after the undo.
        :raises DedupError: when there is nothing to undo, or no such cluster or record.
        """
        if cluster_id is not None and record_id is not None:
            raise DedupError("give a cluster to split or a record to detach, not both")
        actor = self._actor(member, Action.DEDUP)
        with self._review.store.transaction() as session:
            run = state.active_run(session)
            if run is None:
                raise DedupError("nothing to undo: the review has no dedup run")
            order = self._database_order
            try:
                if record_id is not None:
                    kind, subject = Kind.DEDUP_DETACH, f"record {record_id}"
                    details = splits.detach_record(
                        session, run, record_id, actor=actor, why=why, database_order=order
                    )
                elif cluster_id is not None:
                    kind, subject = Kind.DEDUP_UNDO, f"cluster {cluster_id}"
                    details = splits.split_cluster(
                        session, run, cluster_id, actor=actor, why=why, database_order=order
                    )
                else:
                    kind, subject = Kind.DEDUP_UNDO, f"run {run.id}"
                    run.active = False
                    session.flush()
                    details = {"run_id": run.id}
            except splits.SplitError as exc:
                raise DedupError(str(exc)) from None
            counts = state.state(session)
            EventLog.append(
                session, kind, actor=actor, subject=subject, why=why, counts=counts, details=details
            )
            self._reapply_removals(session, actor, kind.value)
            self._move(session, actor, kind.value, force)
            return counts

    def clusters(self, only_duplicates: bool = False) -> list[dict[str, Any]]:
        """The active run's clusters: id (its kept record's id, the same across runs while
        the cluster keeps that record), kept record, size, sources.

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
                    "cluster_id": c.primary_record_id,
                    "kept_record_id": c.primary_record_id,
                    "size": c.size,
                    "title": c.canonical.get("title", ""),
                    "sources": c.canonical.get("sources", []),
                }
                for c in session.scalars(query.order_by(DedupCluster.primary_record_id))
            ]

    def cluster_rows(self) -> list[dict[str, Any]]:
        """Every record with its cluster, kept flag and the pass that merged it (see
        :func:`evimap.dedup.accounting.cluster_rows`)."""
        with self._review.store.read() as session:
            return accounting.cluster_rows(session)

    def export_clusters(self, path: str | Path) -> int:
        """Write every record with its cluster to a CSV file (columns:
        :data:`~evimap.dedup.accounting.CLUSTER_COLUMNS`); returns rows written.

        :param path: the CSV file to write.
        """
        rows = self.cluster_rows()
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            write_csv(
                ({**row, "kept": "yes" if row["kept"] else "no"} for row in rows),
                accounting.CLUSTER_COLUMNS,
                handle,
            )
        return len(rows)

    def accounting(self) -> list[accounting.RecordStatus]:
        """One row per imported record: ``unique``, ``duplicate`` (with the kept record's id)
        or ``removed`` (with the rule's reason); see :mod:`evimap.dedup.accounting`."""
        with self._review.store.read() as session:
            return accounting.record_statuses(session)

    def unique_records(self, include_removed: bool = False) -> Iterator[tuple[int, Record]]:
        """The review's unique records for screening: ``(kept record id, canonical record)``.

        :param include_removed: also records removed before screening.
        """
        with self._review.store.read() as session:
            yield from _unique_in(session, include_removed)

    @writes
    def remove(self, *, member: Member, force: bool = False) -> RemovalSummary:
        """Apply the protocol's ``[removals]`` rules to the unique records (replacing any
        earlier application); each removal keeps its reason; one event with counts per reason.
        Refused once records are assigned for screening unless ``force``.

        Once applied, the rules are applied again after every change of the clusters (a run,
        a merge, an undo, a detach), so the removals always concern the current unique records
        and every record has exactly one status (:meth:`accounting`).

        :param member: who applies them (owner or arbiter).
        :param force: apply them even though records are assigned (screening of removed records
            stops counting).
        """
        actor = self._actor(member, Action.REMOVE)
        self._gate("applying the removal rules", force)
        with self._review.store.transaction() as session:
            summary = self._apply_removals(session, actor)
            self._move(session, actor, Kind.REMOVALS_APPLY.value, force)
        return summary

    def _reapply_removals(self, session: Session, actor: str, after: str) -> None:
        """Apply the rules again, in the same transaction, when they were applied before."""
        session.flush()
        applied = session.scalar(
            select(func.count())
            .select_from(EventRow)
            .where(EventRow.kind == Kind.REMOVALS_APPLY.value)
        )
        if applied:
            self._apply_removals(session, actor, after)

    def _apply_removals(self, session: Session, actor: str, after: str = "") -> RemovalSummary:
        rules = self._review.protocol.removals.rules
        records = list(_unique_in(session, include_removed=True))
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
        details: dict[str, Any] = {
            "rules": [r.model_dump(by_alias=True, exclude_defaults=True) for r in rules],
            "removals": [[r.record_id, r.reason] for r in removed],
        }
        if after:
            details["after"] = after
        EventLog.append(
            session,
            Kind.REMOVALS_APPLY,
            actor=actor,
            subject="removals before screening" + (f" (again, after {after})" if after else ""),
            counts={
                "considered": len(records),
                "removed": len(removed),
                "remaining": len(records) - len(removed),
                "by_reason": by_reason,
            },
            details=details,
        )
        return RemovalSummary(len(records), len(removed), by_reason)


def _unique_in(session: Session, include_removed: bool) -> Iterator[tuple[int, Record]]:
    """The unique records (kept members with their canonical record) as seen by ``session``."""
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
