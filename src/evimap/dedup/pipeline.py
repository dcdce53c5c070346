"""The dedup pipeline on records in memory: exact passes, linkage, clusters, review queue.

Knows no store: :mod:`evimap.dedup.component` feeds it the review's records and keeps the
result; the benchmarks feed it gold sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from evimap.dedup import compat, linkage
from evimap.dedup.clusters import DisjointSets
from evimap.dedup.engine import Engine, get_engine
from evimap.dedup.exact import Pair, exact_passes
from evimap.dedup.normalise import Keys, keys_table
from evimap.records import Record

DEFAULT_THRESHOLD = 0.998
"""Pairs at or above this match probability merge."""
DEFAULT_REVIEW_FROM = 0.5
"""Pairs from this probability up to the threshold go to the review queue."""

Step = Callable[[str], None]


class ClusterGuard:
    """What each cluster holds, so that no join puts two different works in one cluster.

    Pairs join clusters strongest first; two clusters are not joined (the pair is left out)
    when any record of one is incompatible with any record of the other
    (:func:`evimap.dedup.compat.verdict`: clearly different titles, a recurring item of
    another issue, a notice and its article, different DOIs or PubMed IDs), or when the join
    would put two records a reviewer kept apart (a rejected pair, an undone merge, a detached
    record) in one cluster. Links are pairwise, clusters are transitive: this keeps one
    doubtful link from chaining distinct works together, and a third record from joining what
    a reviewer split. A reviewer's confirmation is never refused.

    Records of one *distinct set* (an import marked deduplicated) are distinct works among
    themselves: a cluster holds at most one record of each set.

    :param keys: the records' comparison keys.
    :param apart: record pairs a reviewer rejected.
    :param distinct: sets of record ids already free of duplicates among themselves.
    """

    def __init__(
        self,
        keys: Iterable[Keys],
        apart: Iterable[tuple[int, int]] = (),
        distinct: Iterable[Iterable[int]] = (),
    ):
        self._members: dict[int, list[Keys]] = {k.unique_id: [k] for k in keys}
        # By cluster root: the distinct sets its records belong to.
        self._sets: dict[int, set[int]] = {}
        for number, ids in enumerate(distinct):
            for rid in ids:
                self._sets.setdefault(rid, set()).add(number)
        # By cluster root, for the few records named in a rejected pair: the records the
        # cluster must not take in, and its own records so named.
        self._avoid: dict[int, set[int]] = {}
        self._named: dict[int, set[int]] = {}
        for a, b in apart:
            self._avoid.setdefault(a, set()).add(b)
            self._avoid.setdefault(b, set()).add(a)
            self._named.setdefault(a, {a})
            self._named.setdefault(b, {b})

    def compatible(self, root_a: int, root_b: int) -> bool:
        """Whether the clusters named by their roots may join."""
        avoid = self._avoid.get(root_a)
        if avoid and not avoid.isdisjoint(self._named.get(root_b, ())):
            return False
        if self.share_distinct_set(root_a, root_b):
            return False
        return all(
            compat.compatible(x, y) for x in self._members[root_a] for y in self._members[root_b]
        )

    def share_distinct_set(self, root_a: int, root_b: int) -> bool:
        """Whether the clusters hold records of one distinct set (so they stay apart)."""
        sets_a = self._sets.get(root_a)
        return bool(sets_a) and not sets_a.isdisjoint(self._sets.get(root_b, ()))

    def join(self, root_a: int, root_b: int, new_root: int, _member: int) -> None:
        """Record that the clusters of ``root_a`` and ``root_b`` became ``new_root``."""
        merged = self._members.pop(root_a) + self._members.pop(root_b)
        self._members[new_root] = merged
        for table in (self._avoid, self._named, self._sets):
            joined = table.pop(root_a, set()) | table.pop(root_b, set())
            if joined:
                table[new_root] = joined


@dataclass
class Outcome:
    """What one pipeline run found.

    :param record_ids: every record considered.
    :param accepted: pairs that merge (exact passes first, then linkage above the threshold).
    :param queued: pairs for a reviewer: scored from ``review_from`` up, compatible, whose
        records did not end up in one cluster; and pairs sharing a DOI or PubMed ID whose
        titles clearly differ (their ``rule`` is the flag, see :mod:`evimap.dedup.compat`).
    :param groups: the clusters (sorted lists of record ids, singletons included).
    :param threshold: the match threshold used.
    :param review_from: the bottom of the review band.
    :param engine: the engine's name.
    :param model: the model used (as saved).
    """

    record_ids: list[int]
    accepted: list[Pair]
    queued: list[Pair]
    groups: list[list[int]]
    threshold: float
    review_from: float
    engine: str
    model: dict[str, Any] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        """Records folded into another: records minus clusters."""
        return len(self.record_ids) - len(self.groups)


def deduplicate(
    records: Iterable[tuple[int, Record]],
    *,
    engine: str | Engine | None = None,
    model: dict[str, Any] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    review_from: float = DEFAULT_REVIEW_FROM,
    confirmed: Iterable[tuple[int, int]] = (),
    rejected: Iterable[tuple[int, int]] = (),
    distinct: Iterable[Iterable[int]] = (),
    step: Step | None = None,
) -> Outcome:
    """Find duplicate records: exact passes, Splink linkage, connected components.

    :param records: ``(id, record)`` pairs.
    :param engine: an engine or its name (default DuckDB); a named engine is closed after.
    :param model: a linkage model (default: the shipped one).
    :param threshold: match probability at or above which a pair merges.
    :param review_from: match probability from which a pair below the threshold is queued.
    :param confirmed: pairs a reviewer confirmed: they merge whatever their score.
    :param rejected: pairs a reviewer rejected: they never merge, directly or through
        other records, nor queue again.
    :param distinct: sets of record ids free of duplicates among themselves (imports marked
        deduplicated): no cluster takes two records of one set, unless a reviewer confirmed
        the pair; pairs within a set are not queued.
    :param step: called with a short description as each stage starts (for progress).
    """
    if not 0 < review_from <= threshold <= 1:
        raise ValueError("expected 0 < review_from <= threshold <= 1")
    say = step or (lambda _text: None)
    model = model or linkage.load_model()
    say("normalising")
    keys = keys_table(records)
    ids = [k.unique_id for k in keys]
    say("exact passes")
    exact = exact_passes(keys)
    owned = not isinstance(engine, Engine)
    runner = get_engine(engine)
    try:
        say(f"linkage on {runner.label}")
        scored = linkage.predict(keys, runner, model, min_probability=review_from)
    finally:
        if owned:
            runner.close()
    say("clustering")
    by_id = {k.unique_id: k for k in keys}
    # Linkage pairs two records cannot be (titles clearly differ ...) neither merge nor queue,
    # unless the rule that blocks them flags them for a person (a thesis and its listing).
    flagged = list(exact.flagged)
    compatible: list[Pair] = []
    for p in scored:
        said = compat.verdict(by_id[p.a], by_id[p.b])
        if said.ok:
            compatible.append(p)
        elif said.flag and said.flag not in compat.IDENTIFIER_FLAGS:
            flagged.append(Pair(p.a, p.b, said.flag, p.probability))
    scored = compatible
    blocked = {tuple(sorted(p)) for p in rejected}
    sets = DisjointSets(ids)
    accepted: list[Pair] = []
    seen: set[tuple[int, int]] = set()
    distinct = [set(ids) for ids in distinct]
    guard = ClusterGuard(keys, blocked, distinct)
    for a, b in confirmed:
        pair = Pair(a, b, "reviewer")
        seen.add(pair.key)
        accepted.append(pair)
        ra, rb = sets.find(a), sets.find(b)
        if ra != rb:
            sets.union(a, b)
            guard.join(ra, rb, sets.find(a), a)
    # Linkage never merges a record without a title on its own: it waits for a reviewer.
    candidates = exact.pairs + [
        p for p in scored if p.probability >= threshold and by_id[p.a].title and by_id[p.b].title
    ]
    candidates.sort(key=lambda p: (-p.probability, p.key))
    for pair in candidates:
        if pair.key in blocked or pair.key in seen:
            continue
        ra, rb = sets.find(pair.a), sets.find(pair.b)
        if ra != rb and not guard.compatible(ra, rb):
            continue
        seen.add(pair.key)
        accepted.append(pair)
        if ra != rb:
            sets.union(pair.a, pair.b)
            guard.join(ra, rb, sets.find(pair.a), pair.a)
    queued: list[Pair] = []
    shown: set[tuple[int, int]] = set()  # flagged: one pair between two clusters is enough
    for p in flagged + [p for p in scored if p.key not in seen]:
        ra, rb = sets.find(p.a), sets.find(p.b)
        if p.key in blocked or p.key in seen or ra == rb:
            continue
        if guard.share_distinct_set(ra, rb):  # one set, or its match is already in the cluster
            continue
        if p.rule in compat.FLAGS:
            roots = (min(ra, rb), max(ra, rb))
            if roots in shown:
                continue
            shown.add(roots)
        seen.add(p.key)
        queued.append(p)
    return Outcome(
        record_ids=ids,
        accepted=accepted,
        queued=queued,
        groups=sets.groups(),
        threshold=threshold,
        review_from=review_from,
        engine=runner.name,
        model=model,
    )
