"""Match cited references to records: DOI first, then title with first author or year, then
source, volume and start page; each match keeps the evidence it rests on.

Records are reduced with the dedup part's comparison keys (:mod:`evimap.dedup.normalise`), so a
reference and a record are compared exactly as two records are when deduplicating.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from evimap.citations.model import Reference
from evimap.dedup.normalise import (
    Keys,
    first_number,
    keys_for,
    norm_family,
    norm_text,
    norm_title,
    page_start,
)
from evimap.records import Record

TITLE_MIN = 0.90
"""Title similarity (0-1) from which titles are taken as the same, with first author or year."""
TITLE_ALONE = 0.95
"""Title similarity enough on its own (long titles, when the reference has no author or year)."""
AUTHOR_MIN = 0.85
"""First-author similarity from which the names are taken as the same person."""
JOURNAL_MIN = 0.8
"""Source similarity (abbreviation-aware) from which two source titles are taken as the same."""
TITLE_KEY = 20
"""Characters of the space-free title used to find candidates by title."""
_STOP = {"the", "of", "and", "in", "for", "on", "a", "an", "de", "la", "le", "der", "und", "et"}
_RULES = ("doi", "title", "source_volume_page", "author_year_source", "same_citation")


@dataclass(frozen=True)
class Match:
    """A reference matched to a record.

    :param key: the record's key in the matcher (a record id).
    :param method: the rule that matched: ``doi``, ``title``, ``source_volume_page``,
        ``author_year_source`` or ``same_citation`` (the same author, year, source, volume
        and page, neither side with a title).
    :param score: how strongly the deciding evidence agrees (0-1).
    :param evidence: every comparison made (``doi``, ``title``, ``first_author``,
        ``year_difference``, ``source``, ``volume``, ``page``).
    :param others: other keys matched as strongly (duplicates not merged in the review).
    """

    key: int
    method: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)
    others: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "record_id": self.key,
            "method": self.method,
            "score": self.score,
            "evidence": self.evidence,
            "others": list(self.others),
        }


def journal_similarity(a: str, b: str) -> float:
    """How alike two source titles are, abbreviations included (0-1).

    ``J INFORMETR`` / ``Journal of Informetrics`` and ``Neurogastroenterol. Motil.`` /
    ``Neurogastroenterology and Motility`` score 1: every word of the shorter form starts a
    word of the longer one, in order. Otherwise the plain string similarity.

    :param a: one source title.
    :param b: the other.
    """
    x, y = norm_text(a), norm_text(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    wx = [w for w in x.split() if w not in _STOP]
    wy = [w for w in y.split() if w not in _STOP]
    short, long_ = (wx, wy) if len(wx) <= len(wy) else (wy, wx)
    aligned = _aligned(short, long_)
    prefix = aligned / len(short) if short else 0.0
    if prefix == 1.0 and len(long_) - len(short) > 2 + len(short):
        prefix = 0.7  # "J" against a long title: too little to go on
    return round(max(prefix, fuzz.ratio(x, y) / 100), 3)


def _aligned(short: list[str], long_: list[str]) -> int:
    """Words of ``short`` that start a word of ``long_``, in order (skipping words of ``long_``,
    and letting a word of ``short`` run over two joined words: ``NEUROGASTROENTEROL``)."""
    count = 0
    j = 0
    for word in short:
        while j < len(long_):
            candidate = long_[j]
            j += 1
            if candidate.startswith(word) or (
                len(word) >= 4 and word.startswith(candidate) and len(candidate) >= 3
            ):
                count += 1
                break
    return count


def _author_similarity(ref_family: str, keys: Keys) -> float:
    if not ref_family or not keys.authors:
        return 0.0
    best = 0.0
    for position, family in enumerate(keys.authors.split()):
        if family == ref_family:
            score = 1.0
        elif (
            len(ref_family) >= 4
            and len(family) >= 4
            and (family.startswith(ref_family) or ref_family.startswith(family))
        ):
            score = 0.95  # "garcia" / "garcialopez"
        else:
            score = fuzz.ratio(ref_family, family) / 100
        if position > 0:
            score *= 0.9  # the reference's first author is not the record's first author
        best = max(best, score)
        if position >= 5:
            break
    return round(best, 3)


def _title_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b) / 100
    shorter = min(len(a), len(b))
    if shorter >= 30:
        # a title cited without its subtitle, or a subtitle run on
        score = max(score, 0.98 * fuzz.partial_ratio(a, b) / 100)
    return round(score, 3)


@dataclass(slots=True)
class _RefKeys:
    doi: str
    title: str
    family: str
    year: int | None
    source: str
    volume: str
    page: str


def reference_keys(ref: Reference) -> _RefKeys:
    """A reference reduced to the keys it is compared on."""
    return _RefKeys(
        doi=ref.doi,
        title=norm_title(ref.title),
        family=norm_family(ref.first_author),
        year=ref.year,
        source=ref.source,
        volume=first_number(ref.volume),
        page=page_start(ref.pages),
    )


class Matcher:
    """An index of records that references are matched against.

    :param records: ``(key, record)`` pairs to index (more can be added with :meth:`add`).
    """

    def __init__(self, records: Iterable[tuple[int, Record]] = ()):
        self._keys: dict[int, Keys] = {}
        self._sources: dict[int, str] = {}
        self._by_doi: dict[str, list[int]] = defaultdict(list)
        self._by_author_year: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._by_title: dict[str, list[int]] = defaultdict(list)
        self._by_volume_page: dict[tuple[str, str], list[int]] = defaultdict(list)
        for key, record in records:
            self.add(key, record)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: int, record: Record) -> None:
        """Index one record under ``key``.

        :param key: the record's id (or any int the caller maps back).
        :param record: the record.
        """
        keys = keys_for(key, record)
        self._keys[key] = keys
        self._sources[key] = record.source_title
        if keys.doi:
            self._by_doi[keys.doi].append(key)
        if keys.year is not None:
            for family in (keys.authors or "").split()[:3]:
                self._by_author_year[(family, keys.year)].append(key)
        if keys.title and len(keys.title.replace(" ", "")) >= TITLE_KEY:
            self._by_title[keys.title.replace(" ", "")[:TITLE_KEY]].append(key)
        if keys.volume and keys.page_digits:
            self._by_volume_page[(keys.volume, keys.page_digits)].append(key)

    def _candidates(self, rk: _RefKeys) -> list[int]:
        found: dict[int, None] = {}
        if rk.doi:
            found.update(dict.fromkeys(self._by_doi.get(rk.doi, ())))
        if rk.family and rk.year is not None:
            for year in (rk.year, rk.year - 1, rk.year + 1):
                found.update(dict.fromkeys(self._by_author_year.get((rk.family, year), ())))
        compact = rk.title.replace(" ", "")
        if len(compact) >= TITLE_KEY:
            found.update(dict.fromkeys(self._by_title.get(compact[:TITLE_KEY], ())))
        if rk.volume and rk.page:
            digits = re.sub(r"\D", "", rk.page)
            found.update(dict.fromkeys(self._by_volume_page.get((rk.volume, digits), ())))
        return list(found)

    def match(self, ref: Reference) -> Match | None:
        """The record ``ref`` cites, or None.

        :param ref: a parsed reference.
        """
        rk = reference_keys(ref)
        best: list[tuple[int, float, Match]] = []
        for key in self._candidates(rk):
            found = self._compare(rk, key)
            if found is not None:
                best.append((_RULES.index(found.method), -found.score, found))
        if not best:
            return None
        best.sort(key=lambda item: (item[0], item[1], item[2].key))
        top = best[0]
        others = tuple(m.key for rule, s, m in best[1:] if (rule, s) == top[:2])
        return Match(top[2].key, top[2].method, top[2].score, top[2].evidence, others)

    def _compare(self, rk: _RefKeys, key: int) -> Match | None:
        keys = self._keys[key]
        evidence: dict[str, Any] = {}
        doi_same = bool(rk.doi and keys.doi and rk.doi == keys.doi)
        doi_differs = bool(rk.doi and keys.doi and rk.doi != keys.doi)
        evidence["doi"] = "same" if doi_same else "differs" if doi_differs else "missing"
        author = _author_similarity(rk.family, keys)
        evidence["first_author"] = author
        year_diff = abs(rk.year - keys.year) if rk.year is not None and keys.year else None
        evidence["year_difference"] = year_diff
        title = _title_similarity(rk.title, keys.title or "")
        evidence["title"] = title
        source = journal_similarity(rk.source, self._sources[key]) if rk.source else 0.0
        evidence["source"] = source
        volume = bool(rk.volume and keys.volume and rk.volume == keys.volume)
        page = bool(rk.page and keys.page_start and rk.page == keys.page_start)
        evidence["volume"] = volume
        evidence["page"] = page
        if doi_same:
            return Match(key, "doi", 1.0, evidence)
        author_ok = author >= AUTHOR_MIN
        long_title = len(rk.title) >= 20
        if (
            long_title
            and title >= TITLE_MIN
            and (author_ok or (year_diff is not None and year_diff <= 1))
        ) and (not doi_differs or (title >= TITLE_ALONE and author_ok)):
            return Match(key, "title", title, evidence)
        if len(rk.title) >= 40 and title >= TITLE_ALONE and not rk.family and rk.year is None:
            return Match(key, "title", title, evidence)
        if doi_differs:
            return None
        same_year = year_diff == 0
        if volume and page and (author_ok or (same_year and source >= 0.6)):
            return Match(
                key, "source_volume_page", round((1 + max(author, source)) / 2, 3), evidence
            )
        if (
            not (rk.title and keys.title)
            and author >= 0.95
            and same_year
            and rk.source
            and source == 1.0
            and rk.volume == (keys.volume or "")
            and rk.page == (keys.page_start or "")
        ):
            # the same citation without a title (a WoS entry: "Crane D, 1972, INVISIBLE COLL"),
            # e.g. a candidate added from another reference list
            return Match(key, "same_citation", 1.0, evidence)
        titles_differ = bool(rk.title and keys.title and title < 0.6)
        # the cited first author must be the record's first author here (volume or page alone
        # with a co-author of the same year is too little)
        if author >= 0.95 and same_year and source >= JOURNAL_MIN and (volume or page):
            return None if titles_differ else Match(key, "author_year_source", source, evidence)
        return None
