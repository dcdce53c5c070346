"""Dedup never merges two different works: adversarial records for each class that was merged
on unseen gold sets (supplement abstracts, recurring items, another issue with another title).

Each fixture also holds true duplicates of the same items (the same abstract exported by two
databases), so the tests check that those still merge: precision without giving up recall.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from evimap.dedup.compat import (
    COLLECTION_DOI,
    PMID_CONFLICT,
    THESIS_LISTING,
    is_recurring,
    titles_differ,
    verdict,
)
from evimap.dedup.exact import exact_passes
from evimap.dedup.normalise import keys_for
from evimap.dedup.pipeline import deduplicate
from evimap.records import Author, Record

JOURNAL = "Pediatric Nephrology"
SUPPLEMENT_DOI = "10.1007/s00467-011-1963-3"

# Ten abstracts of one meeting, printed in one supplement: same journal, year, volume, issue.
ABSTRACTS = [
    (
        "Eculizumab in adolescent and adult patients with atypical haemolytic uraemic syndrome",
        "Licht",
    ),
    (
        "Renal outcomes after plasma exchange in children with complement factor H mutations",
        "Loirat",
    ),
    (
        "Shiga toxin producing Escherichia coli outbreak: the paediatric experience in Hamburg",
        "Kemper",
    ),
    (
        "Anti factor H autoantibodies in a cohort of Indian children with haemolytic uraemic "
        "syndrome",
        "Sinha",
    ),
    ("Long term follow up of kidney transplantation in dense deposit disease", "Zuber"),
    ("Membrane cofactor protein mutations and recurrence after transplantation", "Fremeaux"),
    (
        "Thrombotic microangiopathy after haematopoietic stem cell transplantation in children",
        "Jodele",
    ),
    ("Genetic screening of complement genes in a national registry of atypical HUS", "Fakhouri"),
    ("Neurological involvement in STEC associated haemolytic uraemic syndrome", "Nathanson"),
    ("Quality of life of children on chronic eculizumab treatment", "Greenbaum"),
]


def _abstract(i: int, database: str, *, pages: str, doi: str = "") -> Record:
    title, family = ABSTRACTS[i]
    return Record(
        title=title,
        authors=[Author(family, "A."), Author("Coauthor", "B.")],
        year=2011,
        source_title=JOURNAL,
        volume="26",
        issue="9",
        pages=pages,
        doi=doi,
        document_type="Conference Abstract",
        source_database=database,
    )


def _clusters(records: list[tuple[int, Record]], **kw):
    outcome = deduplicate(records, **kw)
    return outcome, {rid: group[0] for group in outcome.groups for rid in group}


def _assert_apart(cluster_of: dict[int, int], groups: dict[int, set[int]]) -> None:
    """Records of different works (``groups``: work -> its record ids) share no cluster."""
    for (w1, ids1), (w2, ids2) in itertools.combinations(groups.items(), 2):
        for a, b in itertools.product(ids1, ids2):
            assert cluster_of[a] != cluster_of[b], f"work {w1} merged with work {w2}"


def _assert_together(cluster_of: dict[int, int], groups: dict[int, set[int]]) -> None:
    for work, ids in groups.items():
        assert len({cluster_of[i] for i in ids}) == 1, f"duplicates of work {work} not merged"


def test_supplement_abstracts_on_one_page_with_one_doi_are_never_merged():
    # Embase gives every abstract the supplement's DOI and page S69; Web of Science pages
    # them S69-S70 without a DOI. Two exports of each abstract: 20 records, 10 works.
    records: list[tuple[int, Record]] = []
    works: dict[int, set[int]] = {}
    for i in range(len(ABSTRACTS)):
        embase = _abstract(i, "Embase", pages="S69", doi=SUPPLEMENT_DOI)
        wos = _abstract(i, "Web of Science", pages="S69-S70")
        records += [(2 * i + 1, embase), (2 * i + 2, wos)]
        works[i] = {2 * i + 1, 2 * i + 2}
    outcome, cluster_of = _clusters(records)
    _assert_apart(cluster_of, works)
    _assert_together(cluster_of, works)
    assert outcome.duplicates == 10
    # The shared DOI is a collection DOI: shown to a reviewer, flagged, never merged.
    flagged = [p for p in outcome.queued if p.rule == COLLECTION_DOI]
    assert flagged and all(cluster_of[p.a] != cluster_of[p.b] for p in flagged)
    assert len(outcome.queued) <= len(ABSTRACTS)


def test_the_doi_pass_alone_flags_a_collection_doi_instead_of_merging():
    keys = [
        keys_for(i + 1, _abstract(i, "Embase", pages="S69", doi=SUPPLEMENT_DOI)) for i in range(4)
    ]
    found = exact_passes(keys)
    assert found.pairs == []
    assert {p.rule for p in found.flagged} == {COLLECTION_DOI}
    assert len(found.flagged) == 3  # a chain through the four, not all six pairs
    v = verdict(keys[0], keys[1])
    assert not v.ok and v.flag == COLLECTION_DOI and "titles differ" in v.reason


def test_a_pmid_shared_by_different_titles_is_flagged_not_merged():
    a = _abstract(0, "Scopus", pages="1660")
    b = _abstract(1, "PubMed", pages="1660")
    a.pmid = b.pmid = "21671163"
    found = exact_passes([keys_for(1, a), keys_for(2, b)])
    assert found.pairs == [] and [p.rule for p in found.flagged] == [PMID_CONFLICT]
    a2 = _abstract(0, "PubMed", pages="1660-1661")
    a2.pmid = "21671163"
    assert [p.key for p in exact_passes([keys_for(1, a), keys_for(3, a2)]).pairs] == [(1, 3)]


def _editor(issue: str, database: str, pages: str) -> Record:
    return Record(
        title="Editor's comments",
        authors=[Author("Ricci", "Jeffrey A.")],
        year=2019,
        source_title="Journal of Sport Rehabilitation",
        volume="28",
        issue=issue,
        pages=pages,
        document_type="Editorial",
        source_database=database,
    )


def test_recurring_editors_comments_of_four_issues_stay_four_items():
    records: list[tuple[int, Record]] = []
    works: dict[int, set[int]] = {}
    rid = 0
    for issue in ("1", "2", "3", "4"):
        ids = set()
        # Each issue's item as exported by two databases; Scopus gives no pages.
        for database, pages in (("Web of Science", f"{int(issue) * 100 + 1}"), ("Scopus", "")):
            rid += 1
            records.append((rid, _editor(issue, database, pages)))
            ids.add(rid)
        works[int(issue)] = ids
    outcome, cluster_of = _clusters(records)
    _assert_apart(cluster_of, works)
    _assert_together(cluster_of, works)
    assert is_recurring(keys_for(1, records[0][1]))


@pytest.mark.parametrize(
    "title",
    ["Introduction", "Preface", "Erratum", "Reply", "Editorial", "Letter from the editor"],
)
def test_other_recurring_titles_of_another_issue_or_page_are_not_merged(title):
    one = _editor("1", "Web of Science", "12")
    two = _editor("2", "Web of Science", "")
    three = _editor("1", "Scopus", "88")
    for record in (one, two, three):
        record.title = title
    k1, k2, k3 = keys_for(1, one), keys_for(2, two), keys_for(3, three)
    assert "recurring item" in verdict(k1, k2).reason  # another issue
    assert "recurring item" in verdict(k1, k3).reason  # another first page
    _, cluster_of = _clusters([(1, one), (2, two), (3, three)])
    assert len(set(cluster_of.values())) == 3


def test_same_author_journal_year_and_pages_but_another_issue_and_title_are_two_works():
    def paper(title: str, issue: str, database: str) -> Record:
        return Record(
            title=title,
            authors=[Author("Bayes", "M."), Author("Rabasseda", "X.")],
            year=2004,
            source_title="Methods and Findings in Experimental and Clinical Pharmacology",
            volume="26",
            issue=issue,
            pages="211-244",
            document_type="Article",
            source_database=database,
        )

    march = "Gateways to clinical trials: trials of drugs for thrombosis in March 2004"
    june = "Gateways to clinical trials: new antiretroviral agents reviewed in June 2004"
    records = [
        (1, paper(march, "3", "Embase")),
        (2, paper(june, "6", "Embase")),
        (3, paper(march, "3", "MEDLINE")),
        (4, paper(june, "6", "MEDLINE")),
    ]
    _, cluster_of = _clusters(records)
    _assert_apart(cluster_of, {1: {1, 3}, 2: {2, 4}})
    _assert_together(cluster_of, {1: {1, 3}, 2: {2, 4}})
    assert not verdict(keys_for(1, records[0][1]), keys_for(2, records[1][1])).ok


def test_the_same_title_in_another_issue_at_another_page_is_another_printing():
    article = Record(
        title="Severe deficiency of the von Willebrand factor cleaving protease in children",
        authors=[Author("Veyradier", "A.")],
        year=2003,
        source_title="Journal of Pediatrics",
        volume="142",
        issue="3",
        pages="310-317",
    )
    correction = Record.from_dict({**article.to_dict(), "issue": "6", "pages": "616"})
    assert verdict(keys_for(1, article), keys_for(2, correction)).reason.startswith("printed")
    _, cluster_of = _clusters([(1, article), (2, correction)])
    assert cluster_of[1] != cluster_of[2]


def test_a_third_record_cannot_chain_two_different_works_together():
    # A record without a title links to both abstracts (same page, journal, author);
    # the cluster check refuses to put the two abstracts in one cluster through it.
    first = _abstract(0, "Embase", pages="S69")
    second = _abstract(1, "Embase", pages="S69")
    second.authors = first.authors
    bridge = Record.from_dict({**first.to_dict(), "title": "", "source_database": "CINAHL"})
    _, cluster_of = _clusters([(1, first), (2, second), (3, bridge)])
    assert cluster_of[1] != cluster_of[2]


def test_titles_that_differ_only_by_a_subtitle_or_a_note_do_not_differ():
    base = Record(title="Alliance ruptures in brief relational therapy", year=2011)
    longer = Record(title="Alliance ruptures in brief relational therapy: a randomised trial")
    noted = Record(title="Alliance ruptures in brief relational therapy. [Review] [45 refs]")
    other = Record(title="Supervision of trainees in cognitive behavioural therapy")
    k = [keys_for(i, r) for i, r in enumerate((base, longer, noted, other))]
    assert not titles_differ(k[0], k[1]) and not titles_differ(k[0], k[2])
    assert titles_differ(k[0], k[3])
    part1 = keys_for(5, Record(title="Alliance ruptures in brief relational therapy part 1"))
    part2 = keys_for(6, Record(title="Alliance ruptures in brief relational therapy part 2"))
    assert not verdict(part1, part2).ok


def _thesis_pair(listing_year: int = 2009) -> tuple[Record, Record]:
    title = "A within-subjects evaluation of television assisted prompting after brain injury"
    abstract = (
        "Adults with acquired brain injury often struggle to complete everyday tasks. This "
        "study evaluated a television assisted prompting system in a within-subjects design."
    )
    thesis = Record(
        title=title,
        authors=[Author("Lemoncello", "Rik")],
        year=2008,
        abstract=abstract,
        pages="62 p",
        document_type="Dissertation",
        source_database="ProQuest",
    )
    listing = Record(
        title=title,
        authors=[Author("Lemoncello", "R.")],
        year=listing_year,
        source_title="Dissertation Abstracts International: Section B: Sciences and Engineering",
        volume="69",
        issue="8-B",
        abstract=abstract,
        pages="4714",
        document_type="Journal Article",
        source_database="PsycINFO",
    )
    return thesis, listing


@pytest.mark.parametrize("listing_year", [2008, 2009])
def test_a_thesis_and_its_dissertation_abstracts_listing_are_queued_not_merged(listing_year):
    thesis, listing = _thesis_pair(listing_year)
    again = dataclasses.replace(listing, source_database="Ovid PsycINFO")
    outcome, cluster_of = _clusters([(1, thesis), (2, listing), (3, again)])
    assert cluster_of[1] != cluster_of[2]
    assert cluster_of[2] == cluster_of[3]  # the same listing from two databases still merges
    flagged = [p for p in outcome.queued if p.rule == THESIS_LISTING]
    assert [p.key for p in flagged] == [(1, 2)] or [p.key for p in flagged] == [(1, 3)]
    v = verdict(keys_for(1, thesis), keys_for(2, listing))
    assert not v.ok and v.flag == THESIS_LISTING


def test_versions_of_one_cochrane_review_meet_on_their_doi_and_other_dois_still_differ():
    def version(doi: str, year: int, issue: str) -> Record:
        return Record(
            title="Air versus oxygen for resuscitation of infants at birth",
            authors=[Author("Tan", "A."), Author("Schulze", "A.")],
            year=year,
            source_title="Cochrane Database of Systematic Reviews",
            issue=issue,
            pages="CD002273",
            doi=doi,
            source_database="MEDLINE",
        )

    pub2 = version("10.1002/14651858.CD002273.pub2", 2004, "3")
    pub3 = version("https://doi.org/10.1002/14651858.CD002273.pub3", 2005, "2")
    other = version("10.1002/14651858.CD009999.pub2", 2005, "2")
    assert keys_for(1, pub2).doi == keys_for(2, pub3).doi == "10.1002/14651858.cd002273"
    assert verdict(keys_for(1, pub2), keys_for(2, pub3)).ok
    assert verdict(keys_for(2, pub3), keys_for(3, other)).reason == "different DOIs"
    _, cluster_of = _clusters([(1, pub2), (2, pub3), (3, other)])
    assert cluster_of[1] == cluster_of[2] != cluster_of[3]
