"""Clusters: connected components of the accepted pairs (union-find, near-linear)."""

from __future__ import annotations

from collections.abc import Iterable


class DisjointSets:
    """Union-find with path halving and union by size over integer ids."""

    def __init__(self, ids: Iterable[int] = ()):
        self._parent: dict[int, int] = {}
        self._size: dict[int, int] = {}
        for i in ids:
            self.add(i)

    def add(self, item: int) -> None:
        """Add a singleton (no-op when present)."""
        if item not in self._parent:
            self._parent[item] = item
            self._size[item] = 1

    def find(self, item: int) -> int:
        """The representative of ``item``'s set."""
        self.add(item)
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> bool:
        """Join the sets of ``a`` and ``b``; False when they were already one."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]
        return True

    def groups(self) -> list[list[int]]:
        """Every set as a sorted list, ordered by smallest member."""
        out: dict[int, list[int]] = {}
        for item in self._parent:
            out.setdefault(self.find(item), []).append(item)
        return sorted((sorted(g) for g in out.values()), key=lambda g: g[0])


def connected_components(ids: Iterable[int], pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Groups of ``ids`` joined by ``pairs`` (every id appears once, singletons included).

    :param ids: every record id.
    :param pairs: accepted duplicate pairs.
    """
    sets = DisjointSets(ids)
    for a, b in pairs:
        sets.union(a, b)
    return sets.groups()


def cluster_of(groups: Iterable[list[int]]) -> dict[int, int]:
    """Record id -> cluster id, where a cluster is named by its smallest record id."""
    return {member: group[0] for group in groups for member in group}
