"""The exact passes: same normalised DOI; then same normalised title, year and first author.

Each pass groups records by a key (linear in the number of records) and links every member of
a group to the first member it is compatible with, which is all connected components need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from evimap.dedup.normalise import MIN_TITLE_KEY, Keys

DOI_RULE = "doi"
TITLE_RULE = "title+year+first_author"
_PROFILE = ("title", "page_start", "volume", "doi")


@dataclass(frozen=True, slots=True)
class Pair:
    """Two records judged the same, by which rule, with what probability (1.0 when exact)."""

    a: int
    b: int
    rule: str
    probability: float = 1.0

    @property
    def key(self) -> tuple[int, int]:
        """The pair as ``(smaller id, larger id)``."""
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)


def _tokens(title: str | None) -> set[str]:
    return set(title.split()) if title else set()


def titles_agree(a: Keys, b: Keys) -> bool:
    """False only when both titles exist and share fewer than half their words."""
    ta, tb = _tokens(a.title), _tokens(b.title)
    if not ta or not tb:
        return True
    return len(ta & tb) / len(ta | tb) >= 0.5


def pages_agree(a: Keys, b: Keys) -> bool:
    """False only when both records have a first page, volume or DOI and they differ."""
    for name in ("page_start", "volume", "doi"):
        va, vb = getattr(a, name), getattr(b, name)
        if va and vb and va != vb:
            return False
    return True


def _group_pairs(
    keys: Iterable[Keys],
    key_of: Callable[[Keys], object],
    compatible: Callable[[Keys, Keys], bool],
    rule: str,
) -> list[Pair]:
    groups: dict[object, list[Keys]] = defaultdict(list)
    for k in keys:
        value = key_of(k)
        if value is not None:
            groups[value].append(k)
    pairs: list[Pair] = []
    for members in groups.values():
        # Each anchor carries a profile: its own keys, gaps filled from the members linked to
        # it, so a record without pages cannot bridge two records whose pages differ.
        anchors: list[tuple[Keys, Keys]] = []
        for member in members:
            found = next(((a, p) for a, p in anchors if compatible(p, member)), None)
            if found is None:
                anchors.append((member, replace(member)))
                continue
            anchor, profile = found
            pairs.append(Pair(anchor.unique_id, member.unique_id, rule))
            for name in _PROFILE:
                if not getattr(profile, name) and getattr(member, name):
                    setattr(profile, name, getattr(member, name))
    return pairs


def doi_pairs(keys: Iterable[Keys]) -> list[Pair]:
    """Records sharing a normalised DOI (unless their titles plainly disagree).

    :param keys: comparison keys of the records.
    """
    return _group_pairs(keys, lambda k: k.doi, titles_agree, DOI_RULE)


def title_pairs(keys: Iterable[Keys]) -> list[Pair]:
    """Records with the same normalised title, year and first author.

    Short titles ("Editorial", "Reply") are left to linkage, and so are records whose first
    page, volume or DOI differ.

    :param keys: comparison keys of the records.
    """

    def key_of(k: Keys) -> object:
        if not k.title or len(k.title.replace(" ", "")) < MIN_TITLE_KEY:
            return None
        if k.year is None or not k.first_author:
            return None
        return (k.title, k.year, k.first_author)

    return _group_pairs(keys, key_of, pages_agree, TITLE_RULE)


def exact_pairs(keys: list[Keys]) -> list[Pair]:
    """Both exact passes, DOI first; a pair found by both is reported once.

    :param keys: comparison keys of the records.
    """
    seen: set[tuple[int, int]] = set()
    out: list[Pair] = []
    for pair in doi_pairs(keys) + title_pairs(keys):
        if pair.key not in seen:
            seen.add(pair.key)
            out.append(pair)
    return out
