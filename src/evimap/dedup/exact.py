"""The exact passes: same normalised DOI; same PubMed ID; same title, year and first author.

Each pass groups records by a key (linear in the number of records) and links every member of
a group to the first cluster of that group it is compatible with (:mod:`evimap.dedup.compat`,
checked against every record already in that cluster), which is all connected components need.
Records sharing a DOI or PubMed ID whose titles clearly differ never merge: one pair between
each two such clusters goes to the review queue, flagged (a collection DOI, a PMID conflict).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from evimap.dedup import compat
from evimap.dedup.normalise import MIN_TITLE_KEY, Keys

DOI_RULE = "doi"
PMID_RULE = "pmid"
TITLE_RULE = "title+year+first_author"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two records judged the same, by which rule, with what probability (1.0 when exact).

    For a pair in the review queue that must not merge on its own, ``rule`` is its flag
    (:data:`~evimap.dedup.compat.COLLECTION_DOI` ...).
    """

    a: int
    b: int
    rule: str
    probability: float = 1.0

    @property
    def key(self) -> tuple[int, int]:
        """The pair as ``(smaller id, larger id)``."""
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)


@dataclass
class ExactPasses:
    """What the exact passes found.

    :param pairs: pairs that merge.
    :param flagged: pairs sharing an identifier that must not merge on their own (for review).
    """

    pairs: list[Pair] = field(default_factory=list)
    flagged: list[Pair] = field(default_factory=list)


def pages_agree(a: Keys, b: Keys) -> bool:
    """False only when both records have a first page or volume and they differ."""
    for name in ("page_start", "volume"):
        va, vb = getattr(a, name), getattr(b, name)
        if va and vb and va != vb:
            return False
    return True


def _group_pairs(
    keys: Iterable[Keys],
    key_of: Callable[[Keys], object],
    rule: str,
    also: Callable[[Keys, Keys], bool] | None = None,
) -> ExactPasses:
    groups: dict[object, list[Keys]] = defaultdict(list)
    for k in keys:
        value = key_of(k)
        if value is not None:
            groups[value].append(k)
    found = ExactPasses()
    for members in groups.values():
        # Each cluster of the group: a member joins the first whose every record it fits, so a
        # record without pages cannot bridge two records whose pages differ.
        clusters: list[list[Keys]] = []
        for member in members:
            target = next(
                (
                    c
                    for c in clusters
                    if all(
                        compat.compatible(k, member) and (also is None or also(k, member))
                        for k in c
                    )
                ),
                None,
            )
            if target is None:
                clusters.append([member])
                continue
            found.pairs.append(Pair(target[0].unique_id, member.unique_id, rule))
            target.append(member)
        for first, second in zip(clusters, clusters[1:], strict=False):
            flag = compat.verdict(first[0], second[0]).flag
            if flag:
                found.flagged.append(Pair(first[0].unique_id, second[0].unique_id, flag, 0.0))
    return found


def doi_pairs(keys: Iterable[Keys]) -> ExactPasses:
    """Records sharing a normalised DOI, when compatible; a DOI shared by clearly different
    titles is flagged as a collection DOI.

    :param keys: comparison keys of the records.
    """
    return _group_pairs(keys, lambda k: k.doi, DOI_RULE)


def pmid_pairs(keys: Iterable[Keys]) -> ExactPasses:
    """Records sharing a PubMed ID, when compatible; clearly different titles are flagged.

    :param keys: comparison keys of the records.
    """
    return _group_pairs(keys, lambda k: k.pmid, PMID_RULE)


def title_pairs(keys: Iterable[Keys]) -> ExactPasses:
    """Records with the same normalised title, year and first author.

    Short titles ("Editorial", "Reply") and recurring ones ("Editor's comments") are left to
    linkage, and so are records whose first page or volume differ.

    :param keys: comparison keys of the records.
    """

    def key_of(k: Keys) -> object:
        if not k.title or len(k.title.replace(" ", "")) < MIN_TITLE_KEY:
            return None
        if k.year is None or not k.first_author or compat.is_recurring(k):
            return None
        return (k.title, k.year, k.first_author)

    return _group_pairs(keys, key_of, TITLE_RULE, pages_agree)


def exact_passes(keys: list[Keys]) -> ExactPasses:
    """The exact passes, DOI first, then PMID, then title; a pair found twice is kept once.

    :param keys: comparison keys of the records.
    """
    seen: set[tuple[int, int]] = set()
    out = ExactPasses()
    for found in (doi_pairs(keys), pmid_pairs(keys), title_pairs(keys)):
        for pair in found.pairs:
            if pair.key not in seen:
                seen.add(pair.key)
                out.pairs.append(pair)
        out.flagged.extend(found.flagged)
    merged = {p.key for p in out.pairs}
    out.flagged = list({p.key: p for p in out.flagged if p.key not in merged}.values())
    return out


def exact_pairs(keys: list[Keys]) -> list[Pair]:
    """The pairs the exact passes merge (see :func:`exact_passes`).

    :param keys: comparison keys of the records.
    """
    return exact_passes(keys).pairs
