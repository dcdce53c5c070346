"""Matching cited references to records of the same review, on the cross-database sets.

The revtools ``restoration_*`` and CiteSource ``gambling-harms_*`` exports carry no reference
lists, so the references below are written as citing papers print them (WoS ``CR``, APA,
Vancouver, Scopus), by hand, for works that are in the imported files. Every pair was checked
by reading both sides; the DOI named beside each is the cited work's, and no reference below
carries it unless said, so the match has to come from authors, year, title, source, volume and
pages. References to works the imported files do not hold must match nothing.
"""

from __future__ import annotations

import pytest

from evimap.citations.match import Matcher, journal_similarity
from evimap.citations.parse import parse_reference
from evimap.importing import import_file
from evimap.records import Author, Record
from evimap.store.records import iter_records
from tests.conftest import shared_data

RESTORATION = "mjwestgate+revtools/examples/restoration_"
GAMBLING = "ESHackathon+CiteSource/vignettes/topic_data/20221207_gambling-harms_"

# (reference as a citing paper writes it, database hint, DOI of the cited work, expected rule)
RESTORATION_PAIRS = [
    (
        "Demetriou P, 2019, IEEE T POWER SYST, V34, P606",
        "Web of Science",
        "10.1109/tpwrs.2018.2866900",
        "source_volume_page",
    ),
    (
        "Kornelius E, 2019, J CELL MOL MED, V23, P619, DOI 10.1111/jcmm.13967",
        "Web of Science",
        "10.1111/jcmm.13967",
        "doi",
    ),
    (
        "Ghasemi S, 2019, IET GENER TRANSM DIS, V13, P55",
        "Web of Science",
        "10.1049/iet-gtd.2018.5624",
        "source_volume_page",
    ),
    # Scopus and PubMed name the first author "Veloso"; WoS "Mamede Veloso"
    (
        "Mamede Veloso SR, 2019, CLIN ORAL INVEST, V23, P221",
        "Web of Science",
        "10.1007/s00784-018-2429-7",
        "source_volume_page",
    ),
    (
        "Tian SK, 2019, MED BIOL ENG COMPUT, V57, P59",
        "Web of Science",
        "10.1007/s11517-018-1867-3",
        "source_volume_page",
    ),
    (
        "de Souza Batista VE, 2019, J PROSTHET DENT, V121, P41",
        "Web of Science",
        "10.1016/j.prosdent.2018.03.004",
        "source_volume_page",
    ),
    (
        "Frank RM, 2019, ARTHROSCOPY, V35, P171",
        "Web of Science",
        "10.1016/j.arthro.2018.08.028",
        "source_volume_page",
    ),
    (
        "Menichino, N. M., Evans, C., & Fenner, N. (2019). Hydro-chemical effects following "
        "restoration mowing in two rich fen plant communities. Ecological Engineering, 127, "
        "536–546.",
        "",
        "10.1016/j.ecoleng.2017.12.026",
        "title",
    ),
    (
        "Guillon, S., Thorel, M., & Flipo, N. (2019). Functional classification of artificial "
        "alluvial ponds driven by connectivity with the river: Consequences for restoration. "
        "Ecological Engineering, 127, 394–403.",
        "",
        "10.1016/j.ecoleng.2018.12.018",
        "title",
    ),
    (
        "DiMarco AF, Geertman RT, Tabbaa K, et al. Complete restoration of respiratory muscle "
        "function in three subjects with spinal cord injury: pilot interventional clinical trial. "
        "Am J Phys Med Rehabil. 2019;98(1):43-50.",
        "",
        "10.1097/phm.0000000000001018",
        "title",
    ),
    (
        "Kamenický, J., Šroubek, F., Zitová, B., Image restoration in portable devices: "
        "Algorithms and optimization (2019) Journal of Signal Processing Systems, 91 (1), "
        "pp. 9-20",
        "Scopus",
        "10.1007/s11265-018-1410-7",
        "title",
    ),
    # the title cited without its subtitle
    (
        "Huang C, Zhou Z, Peng C, et al. How is biodiversity changing in response to ecological "
        "restoration in terrestrial ecosystems? Sci Total Environ. 2019;650:1-9.",
        "",
        "10.1016/j.scitotenv.2018.08.320",
        "title",
    ),
]
# works only the WoS file holds (it is not imported): nothing must match
RESTORATION_ABSENT = [
    ("Li DZ, 2018, ISA T, V82, P210", "Web of Science"),
    ("Zhang MZ, 2018, P SOC PHOTO-OPT INS, V10832", "Web of Science"),
    (
        "Wang, H.-L., Han, P.-H., & Chen, Y.-M. (2018). Dunhuang mural restoration using deep "
        "learning. In SIGGRAPH Asia 2018 Technical Briefs.",
        "",
    ),
    (
        "Vaykshnorayte MA, Vityazev VA, Vahnina NA. Influence of dibornol-HES on "
        "electrophysiological parameters in the period of restoration of blood flow in rabbit "
        "myocardium. Byull Sib Med. 2018;17(4):6-15.",
        "",
    ),
    # the right first author and year, another work
    ("Frank RM, 2019, AM J SPORT MED, V47, P1421", "Web of Science"),
]

GAMBLING_PAIRS = [
    (
        "Dowling NA, 2020, ADDICTION, V115, P1343",
        "Web of Science",
        "10.1111/add.15026",
        "source_volume_page",
    ),
    (
        "Kainulainen, T. (2019). A new measure of risk-taking in gambling. International Gambling "
        "Studies, 19(1), 167-182.",
        "",
        "10.1080/14459795.2018.1526312",
        "title",
    ),
    (
        "Livingstone C, Adams PJ. Clear principles are needed for integrity in gambling research. "
        "Addiction. 2016;111(1):5-10.",
        "",
        "10.1111/add.12913",
        "title",
    ),
    (
        "Delfabbro, P., King, D.L., On the limits and challenges of public health approaches in "
        "addressing gambling-related problems (2020) Int J Ment Health Addict, 18 (3), "
        "pp. 844-859",
        "Scopus",
        "10.1007/s11469-020-00276-2",
        "title",
    ),
    (
        "MacLean S, 2019, J GAMBL STUD, V35, P1331",
        "Web of Science",
        "10.1007/s10899-019-09858-9",
        "source_volume_page",
    ),
    (
        "Dickson L.M.; Derevensky J.L.; Gupta R., Harm reduction for the prevention of youth "
        "gambling problems: lessons learned from adolescent high-risk behavior prevention "
        "programs, J Adolesc Res, 19, 2, pp. 233-263, (2004)",
        "Scopus",
        "10.1177/0743558403258272",
        "title",
    ),
    (
        "Salonen, A. H., Hellman, M., Latvala, T., & Castrén, S. (2018). Gambling participation, "
        "gambling habits, gambling-related harm, and opinions on gambling advertising in Finland "
        "in 2016. Nordic Studies on Alcohol and Drugs, 35(3), 215–234. "
        "https://doi.org/10.1177/1455072518765875",
        "",
        "10.1177/1455072518765875",
        "doi",
    ),
    (
        "Gainsbury SM, 2015, CURR ADDICT REP, V2, P185",
        "Web of Science",
        "10.1007/s40429-015-0057-8",
        "source_volume_page",
    ),
]
GAMBLING_ABSENT = [
    (
        "Goodwin, B. C., Browne, M., Rockloff, M., & Rose, J. (2017). A typical problem gambler "
        "affects six others. International Gambling Studies, 17(2), 276-289.",
        "",
    ),
    ("Sollis K, 2021, J GAMBL ISSUES, V48, P1", "Web of Science"),
    (
        "Larsen CVL, Curtis T, Bjerregaard P. Harmful alcohol use and frequent use of marijuana "
        "among lifetime problem gamblers and the prevalence of cross-addictive behaviour among "
        "Greenland Inuit. Int J Circumpolar Health. 2013;72:19551.",
        "",
    ),
]


def _review_records(sqlite_store, files):
    for name in files:
        import_file(sqlite_store, shared_data("exports", name))
    with sqlite_store.read() as session:
        return dict(iter_records(session))


@pytest.fixture
def restoration(sqlite_store):
    """Scopus and PubMed restoration records (the WoS file plays the citing side)."""
    return _review_records(sqlite_store, [RESTORATION + "scopus.ris", RESTORATION + "pubmed.nbib"])


@pytest.fixture
def gambling(sqlite_store):
    """The gambling-harms records of every database but Scopus (the citing side)."""
    names = ["psycinfo_124.ris", "pubmed_176.ris", "crimjust_41.ris", "lens_49.ris"]
    return _review_records(sqlite_store, [GAMBLING + n for n in names])


def _check_pairs(records, pairs, absent):
    matcher = Matcher(records.items())
    for raw, database, doi, rule in pairs:
        ref = parse_reference(raw, database)
        assert ref.has_author_year, raw
        found = matcher.match(ref)
        assert found is not None, f"no match for {raw}"
        assert records[found.key].doi == doi, (raw, records[found.key].title)
        assert found.method == rule, (raw, found.method, found.evidence)
        for other in found.others:
            assert records[other].doi == doi
    for raw, database in absent:
        ref = parse_reference(raw, database)
        found = matcher.match(ref)
        assert found is None, (raw, records[found.key].title, found.evidence)


def test_references_to_restoration_records_match_them(restoration):
    _check_pairs(restoration, RESTORATION_PAIRS, RESTORATION_ABSENT)


def test_references_to_gambling_harms_records_match_them(gambling):
    _check_pairs(gambling, GAMBLING_PAIRS, GAMBLING_ABSENT)


def test_a_match_keeps_its_evidence(restoration):
    matcher = Matcher(restoration.items())
    found = matcher.match(parse_reference(RESTORATION_PAIRS[0][0], "Web of Science"))
    assert found is not None
    evidence = found.evidence
    assert evidence["volume"] is True and evidence["page"] is True
    assert evidence["first_author"] == 1.0
    assert evidence["year_difference"] == 0
    assert evidence["source"] == 1.0  # IEEE T POWER SYST ~ IEEE Transactions on Power Systems
    assert evidence["doi"] == "missing"
    assert found.to_dict()["record_id"] == found.key


def test_journal_abbreviations_meet_their_full_titles():
    assert journal_similarity("J INFORMETR", "Journal of Informetrics") == 1.0
    assert journal_similarity("Neurogastroenterol. Motil.", "Neurogastroenterology and Motility")
    assert journal_similarity("CLIN ORAL INVEST", "Clinical Oral Investigations") == 1.0
    assert journal_similarity("J INFORMETR", "Journal of Hepatology") < 0.8
    assert journal_similarity("", "Journal of Informetrics") == 0.0


def test_a_different_doi_blocks_a_weaker_match():
    record = Record(
        title="A framework for indirect elicitation of the public health impact",
        authors=[Author("Browne", "M.")],
        year=2020,
        source_title="BMC Public Health",
        volume="20",
        pages="1717",
        doi="10.1186/s12889-020-09813-z",
    )
    matcher = Matcher([(1, record)])
    same = parse_reference("Browne M, 2020, BMC PUBLIC HEALTH, V20, P1717")
    assert matcher.match(same).method == "source_volume_page"
    other = parse_reference(
        "Browne M, 2020, BMC PUBLIC HEALTH, V20, P1717, DOI 10.1186/s12889-020-00001-x"
    )
    assert matcher.match(other) is None
