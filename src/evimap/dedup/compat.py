"""Can two records be one work? A check every pass applies before it merges a pair.

Precision first: a missed duplicate costs a reviewer seconds, a false merge loses a study. So
whatever else agrees (DOI, journal, volume, first page, authors, a high linkage score), two
records do not merge when

- **their titles clearly differ** (:func:`titles_differ`, :func:`numbers_differ`):
  conference abstracts printed in one journal supplement share journal, year, volume and
  often a first page (``S69`` and ``S69-S70``), sometimes even one DOI for the whole
  supplement, and differ in their titles;
- **they are recurring items that differ in issue, first page or volume** (or year, when
  none of those is known on both sides)
  (:func:`is_recurring`): "Editor's comments", editorials, errata, replies, "Introduction",
  "Preface" come back in every issue with the same title and often the same author;
- **they were printed in another issue at another first page** (both known and both
  different): an erratum or a comment printed under the article's title, a series' next
  instalment ("Gateways to clinical trials"); or **in another issue under a title that is
  not nearly the same** (similarity under :data:`OTHER_ISSUE_TITLE`), whatever the pages;
- **their titles are not the same (similarity under :data:`SAME_TITLE`) and either their
  first authors differ, or one is a conference abstract or on a supplement's page** (``S69``,
  ``81A``): abstracts of one session, several on a page, by one team or by several; their
  true duplicates copy the title verbatim (0.97 and up in the gold sets);
- **one is a notice of the other** (an erratum, a retraction, a reply and the article);
- **their DOIs or PubMed IDs differ**: two identifiers, two works (versions of one Cochrane
  review are one work: their DOIs meet in :func:`evimap.dedup.normalise.work_doi`);
- **one is a listing in Dissertation Abstracts (or Masters Abstracts) and the other is not**:
  the thesis itself, or an article from it, and its abstract listing are two reports, which
  gold sets label both ways (in one set, two such pairs of identical structure: one merged,
  one kept apart). They go to the review queue, flagged (:data:`THESIS_LISTING`).

Records sharing a DOI or a PubMed ID whose titles clearly differ are not one work either: the
identifier names a collection (one DOI for a whole supplement) or is wrong in one database.
Those pairs go to the review queue, flagged (:data:`COLLECTION_DOI`, :data:`PMID_CONFLICT`),
for a person to look at; they never merge on their own.

Knows nothing of Splink or the store: it works on :class:`~evimap.dedup.normalise.Keys`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from evimap.dedup.normalise import Keys

COLLECTION_DOI = "collection-doi"
"""Queue flag: records share a DOI but their titles clearly differ (a supplement's DOI)."""
PMID_CONFLICT = "pmid-conflict"
"""Queue flag: records share a PubMed ID but their titles clearly differ."""
THESIS_LISTING = "thesis-listing"
"""Queue flag: a Dissertation Abstracts listing and another record of the same work."""
IDENTIFIER_FLAGS = frozenset({COLLECTION_DOI, PMID_CONFLICT})
"""Flags the exact passes raise (one pair between two clusters sharing the identifier); the
linkage pass leaves them to those passes rather than queueing every scored pair again."""
FLAGS = IDENTIFIER_FLAGS | {THESIS_LISTING}
"""Every queue flag: a pair that must not merge on its own but is shown to a person."""

TITLE_SIMILARITY = 0.7
"""Below this (:func:`title_similarity`) titles clearly differ.

The gold sets' true duplicates score 0.87 and up (a title with and without its subtitle
scores 1.0: one word set holds the other); distinct conference abstracts of one supplement
score 0.2-0.65.
"""
OTHER_ISSUE_TITLE = 0.85
"""Records of different issues must have titles at least this alike (the gold sets' true
duplicates whose issues differ score 0.87 and up)."""
SAME_TITLE = 0.95
"""Records whose first authors differ, and conference abstracts, must have titles at least
this alike (the gold sets' true duplicates of either kind score 0.96 and up)."""
MIN_TITLE = 12
"""Titles shorter than this (characters, normalised) are too short to say they differ."""

_RECURRING = re.compile(
    r"^(?:"
    r"editorials?|guest editorials?|editor s (?:comments?|notes?|choice|introduction|corner|page"
    r"|message|letter|report|summary|preface|view|perspective)|(?:a )?(?:letter|note|message|"
    r"words?) from the (?:editors?|president|chair)|from the (?:editors?|president|chair)|"
    r"editors? (?:comments?|notes?|corner|choice|introduction|message)|"
    r"introduction|preface|foreword|prologue|epilogue|overview|summary|abstracts?|"
    r"erratum|errata|corrigend(?:um|a)|correction|corrections|retraction|expression of concern|"
    r"replies|reply|response|in reply|authors? s? ?reply|comments?|commentary|discussion|"
    r"letters?(?: to the editor)?|correspondence|book reviews?|news|in this issue|this issue|"
    r"highlights|contents|table of contents|index|announcements?|acknowledg(?:e)?ments?|"
    r"(?:thank you to (?:our )?|list of )?reviewers|obituary|in memoriam|calendar|"
    r"conference (?:report|abstracts)|meeting (?:report|abstracts)|poster (?:session|abstracts)|"
    r"case reports?|clinical images?|quiz|issue information|front matter|back matter|"
    r"cover|masthead|untitled|no title|notes?"
    r")\b"
)
_LISTING = re.compile(r"^(?:dissertation|masters|master s) abstracts\b")
_SUPPLEMENT_PAGE = re.compile(r"s\d+[a-z]?|\d+[a-z]")
_DIGITS = re.compile(r"\d+")
_SHORT_WORDS = 3
"""A title of at most this many words recurs too (``Depression``, ``Stroke update``)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a pair may merge; if not, why, and whether it goes to the review queue.

    :param ok: the pair may merge.
    :param reason: why not (``titles differ``, ``recurring item in another issue`` ...).
    :param flag: a queue flag (:data:`COLLECTION_DOI`, :data:`PMID_CONFLICT`) when the pair is
        to be shown to a person although it must not merge on its own.
    """

    ok: bool
    reason: str = ""
    flag: str = ""


OK = Verdict(True)


@lru_cache(maxsize=65536)
def _recurring(title: str) -> bool:
    return bool(_RECURRING.match(title)) or len(title.split()) <= _SHORT_WORDS


def is_recurring(keys: Keys) -> bool:
    """Whether the record's title is one that comes back issue after issue (editorials,
    "Editor's comments", errata, replies, "Introduction", "Preface" ...) or is so short
    (three words or fewer) that it might."""
    return bool(keys.title) and _recurring(keys.title)


@lru_cache(maxsize=262144)
def title_similarity(a: str, b: str) -> float:
    """How alike two normalised titles are, 0 to 1: the higher of rapidfuzz's
    ``token_set_ratio`` (1.0 when one title's words hold the other's, so a missing subtitle
    or an appended note does not count against a pair) and ``ratio``."""
    if a == b:
        return 1.0
    return max(fuzz.token_set_ratio(a, b), fuzz.ratio(a, b)) / 100


def _numbers(title: str) -> frozenset[str]:
    return frozenset(_DIGITS.findall(title))


def titles_differ(a: Keys, b: Keys) -> bool:
    """True when both records have a title and the titles clearly differ (similarity under
    :data:`TITLE_SIMILARITY`). Unknown (a title missing or very short) is never a difference.
    """
    ta, tb = a.title or "", b.title or ""
    if len(ta) < MIN_TITLE or len(tb) < MIN_TITLE or ta == tb:
        return False
    return title_similarity(ta, tb) < TITLE_SIMILARITY


def numbers_differ(a: Keys, b: Keys) -> bool:
    """True when the titles' numbers differ, neither set holding the other (``Part 1`` and
    ``Part 2``, ``... in 2019`` and ``... in 2020``; a title cut short may lose a number, and
    gains none). Records on one known first page (not a supplement's) are a typo's victims
    (``p6INK4a`` for ``p16INK4a``), not two works."""
    na, nb = _numbers(a.title or ""), _numbers(b.title or "")
    if not (na - nb and nb - na):
        return False
    same_page = bool(a.page_start) and a.page_start == b.page_start
    return not same_page or is_abstract(a) or is_abstract(b)


def _differ(a: Keys, b: Keys, name: str) -> bool:
    va, vb = getattr(a, name), getattr(b, name)
    return bool(va) and bool(vb) and va != vb


def _recurring_conflict(a: Keys, b: Keys) -> str:
    """For recurring items: the first of issue, first page, volume in which they differ; the
    year only when none of those is known on both sides (databases disagree on the year of
    one item, an online-first year against the issue's, more often than on its issue)."""
    if not (is_recurring(a) or is_recurring(b)):
        return ""
    fields = (("issue", "issue"), ("page_digits", "first page"), ("volume", "volume"))
    for name, label in fields:
        if _differ(a, b, name):
            return f"recurring item ({a.title or b.title!r}) in another {label}"
    comparable = any(getattr(a, name) and getattr(b, name) for name, _ in fields)
    if not comparable and _differ(a, b, "year"):
        return f"recurring item ({a.title or b.title!r}) of another year"
    return ""


def is_abstract(keys: Keys) -> bool:
    """A conference paper or abstract, or a record on a supplement's page (``S69``, ``81A``;
    not an electronic article number such as ``e0209483``)."""
    page = keys.page_start or ""
    return keys.doc_type == "conference" or bool(_SUPPLEMENT_PAGE.fullmatch(page))


def _authors_differ(a: Keys, b: Keys) -> bool:
    """First authors known and not one name (``andres`` and ``andresgamboa``, ``che`` and
    ``chen`` are one: databases split compound names and drop letters)."""
    fa, fb = a.first_author, b.first_author
    if not fa or not fb or fa == fb or fa in fb or fb in fa:
        return False
    return fuzz.ratio(fa, fb) < 75


def is_listing(keys: Keys) -> bool:
    """Whether the record is an abstract listing in Dissertation Abstracts International or
    Masters Abstracts International (the source title says so), not the thesis itself."""
    return bool(keys.journal) and bool(_LISTING.match(keys.journal))


def verdict(a: Keys, b: Keys) -> Verdict:
    """Whether two records may merge (see the module notes for the rules).

    :param a: one record's keys.
    :param b: the other's.
    """
    if _differ(a, b, "doi"):
        return Verdict(False, "different DOIs")
    if _differ(a, b, "pmid"):
        return Verdict(False, "different PubMed IDs")
    if a.notice != b.notice:
        return Verdict(False, f"a {a.notice if a.notice != 'paper' else b.notice} and its paper")
    if is_listing(a) != is_listing(b):
        return Verdict(False, "a Dissertation Abstracts listing and another report", THESIS_LISTING)
    reason = ""
    if titles_differ(a, b):
        reason = "titles differ"
    elif numbers_differ(a, b):
        reason = "the titles' numbers differ"
    elif _differ(a, b, "issue") and _differ(a, b, "page_digits"):
        reason = "printed in another issue at another first page"
    elif (
        _differ(a, b, "issue")
        and a.title
        and b.title
        and title_similarity(a.title, b.title) < OTHER_ISSUE_TITLE
    ):
        reason = "another issue and another title"
    elif (
        a.title
        and b.title
        and (_authors_differ(a, b) or is_abstract(a) or is_abstract(b))
        and title_similarity(a.title, b.title) < SAME_TITLE
    ):
        reason = "titles not the same, and first authors differ or they are abstracts"
    else:
        reason = _recurring_conflict(a, b)
    if not reason:
        return OK
    if a.doi and a.doi == b.doi:
        return Verdict(False, f"shared DOI, but {reason}", COLLECTION_DOI)
    if a.pmid and a.pmid == b.pmid:
        return Verdict(False, f"shared PubMed ID, but {reason}", PMID_CONFLICT)
    return Verdict(False, reason)


def compatible(a: Keys, b: Keys) -> bool:
    """Shorthand: :func:`verdict` allows the pair."""
    return verdict(a, b).ok
