"""Parsing cited references: sampled entries of the real exports with their fields checked by
hand, every file's share read with first author and year, and the free-text styles."""

from __future__ import annotations

import pytest

from evimap.citations.parse import detect_style, parse_reference
from evimap.citations.sources import references_in_file
from tests.conftest import shared_data

WOS = "massimoaria+bibliometrix/tests/testthat/fixtures/wos_sample.txt"
WOS_SINGLE = "coreofscience+python-wostools/docs/examples/single-article.txt"
SCOPUS_CSV = "massimoaria+bibliometrix/tests/testthat/fixtures/scopus_sample.csv"
SCOPUS_RIS = "asreview+asreview/tests/demo_data/scopus.ris"
SCOPUS_LITSTUDY = "NLeSC+litstudy/tests/resources/scopus.csv"
OVID = "asreview+asreview/tests/demo_data/ovid_psycinfo.ris"

FILES = [WOS, WOS_SINGLE, SCOPUS_CSV, SCOPUS_RIS, SCOPUS_LITSTUDY, OVID]

# (file, position in the file's references, first author, year, title, source, volume, issue,
# pages, doi) -- read off the reference by hand
SAMPLES = [
    (WOS, 2, "Aria", 2017, "", "J INFORMETR", "11", "", "959", "10.1016/j.joi.2017.08.007"),
    (WOS, 6, "BROADUS", 1987, "", "SCIENTOMETRICS", "12", "", "373", "10.1007/bf02016680"),
    (
        WOS,
        77,
        "National Center for Education Statistics (NCES)",
        2020,
        "",
        "NUMB DEGR GRANT POST",
        "",
        "",
        "",
        "",
    ),
    (
        WOS_SINGLE,
        13,
        "Shiroishi",
        2009,
        "",
        "IEEE T MAGN",
        "45",
        "",
        "3816",
        "10.1109/tmag.2009.2024879",
    ),
    (
        SCOPUS_CSV,
        1,
        "Cheng",
        2025,
        "Global, regional, and national burden of low back pain: "
        "findings from the global burden of disease study 2021 and projections to 2050",
        "Spine (Phila Pa 1976)",
        "50",
        "",
        "E128-E139",
        "",
    ),
    (
        SCOPUS_CSV,
        200,
        "Zhou",
        2021,
        "Radiomics signature on dynamic contrast-enhanced MR "
        "images: a potential imaging biomarker for prediction of microvascular invasion in "
        "mass-forming intrahepatic cholangiocarcinoma",
        "Eur Radiol",
        "31",
        "9",
        "6846-6855",
        "",
    ),
    (
        SCOPUS_RIS,
        400,
        "Mardini",
        2004,
        "Crohn's disease: a two-year prospective study of the "
        "association between psychological distress and disease activity",
        "Dig. Dis. Sci",
        "49",
        "3",
        "492-497",
        "",
    ),
    (SCOPUS_LITSTUDY, 0, "Kalé", 1999, "", "J Comp Phys", "151", "", "283", ""),
    (
        SCOPUS_LITSTUDY,
        500,
        "Pasparakis",
        2015,
        "Necroptosis and its role in inflammation",
        "Nature",
        "517",
        "",
        "311-320",
        "10.1038/nature14191",
    ),
    (
        OVID,
        1,
        "Bucchianeri",
        2013,
        "Body dissatisfaction from adolescence to young adulthood: "
        "Findings from a 10-year longitudinal study",
        "Body Image",
        "10",
        "1",
        "1-7",
        "10.1016/j.bodyim.2012.09.001",
    ),
    (
        OVID,
        30,
        "Ordas",
        2012,
        "Ulcerative colitis",
        "The Lancet",
        "380",
        "9853",
        "1606-1619",
        "10.1016/s0140-6736(12)60150-0",
    ),
]


def _references(name):
    return references_in_file(shared_data("exports", name))


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s[0].split('/')[-1]}#{s[1]}" for s in SAMPLES])
def test_sampled_references_parse_into_their_fields(sample):
    name, position, author, year, title, source, volume, issue, pages, doi = sample
    citing = _references(name)
    raw, database = citing[position]
    ref = parse_reference(raw, database)
    assert (ref.first_author, ref.year, ref.title, ref.source) == (author, year, title, source)
    assert (ref.volume, ref.issue, ref.pages, ref.doi) == (volume, issue, pages, doi)


@pytest.mark.parametrize("name", FILES, ids=[f.split("/")[-1] for f in FILES])
def test_at_least_95_percent_parse_with_first_author_and_year(name):
    citing = _references(name)
    parsed = [parse_reference(raw, database) for raw, database in citing]
    share = sum(r.has_author_year for r in parsed) / len(parsed)
    assert share >= 0.95, f"{share:.3f}"


def test_an_anonymous_wos_entry_has_no_author():
    ref = parse_reference("[Anonymous], 2016, R: A Language and Environment", "Web of Science")
    assert ref.authors == [] and ref.year == 2016
    assert ref.source == "R: A Language and Environment"


def test_wos_doi_lists_give_the_first_doi():
    ref = parse_reference(
        "Ceh M, 2018, ISPRS INT J GEO-INF, V7, DOI [10.3390/ijgi705168, 10.3390/ijgi7050168]"
    )
    assert ref.style == "wos" and ref.volume == "7" and ref.doi == "10.3390/ijgi705168"


@pytest.mark.parametrize(
    "raw, style, author, year, title, source, volume, issue, pages",
    [
        (
            "1. Safran, J. D., & Muran, J. C. (2000). Negotiating the therapeutic alliance: A "
            "relational treatment guide. New York: Guilford Press.",
            "apa",
            "Safran",
            2000,
            "Negotiating the therapeutic alliance: A relational treatment guide",
            "New York: Guilford Press",
            "",
            "",
            "",
        ),
        (
            "Eubanks, C. F., Muran, J. C., & Safran, J. D. (2018). Alliance rupture repair: A "
            "meta-analysis. Psychotherapy, 55(4), 508–519. https://doi.org/10.1037/pst0000185",
            "apa",
            "Eubanks",
            2018,
            "Alliance rupture repair: A meta-analysis",
            "Psychotherapy",
            "55",
            "4",
            "508-519",
        ),
        (
            '[3] A. B. Smith and C. Jones, "Deep learning for screening," IEEE Trans. Med. '
            "Imaging, vol. 12, no. 3, pp. 45-67, 2010.",
            "ieee",
            "Smith",
            2010,
            "Deep learning for screening",
            "IEEE Trans. Med. Imaging",
            "12",
            "3",
            "45-67",
        ),
        (
            "4. Smith AB, Jones CD, van Eck NJ. Screening prioritisation with active learning. "
            "Syst Rev. 2019;8(1):123-9.",
            "vancouver",
            "Smith",
            2019,
            "Screening prioritisation with active learning",
            "Syst Rev",
            "8",
            "1",
            "123-9",
        ),
        (
            "Smith, J. 2010. Harvard style title here. Journal of Things 12(3): 45-67.",
            "harvard",
            "Smith",
            2010,
            "Harvard style title here",
            "Journal of Things",
            "12",
            "3",
            "45-67",
        ),
    ],
)
def test_free_text_styles(raw, style, author, year, title, source, volume, issue, pages):
    ref = parse_reference(raw)
    assert (ref.style, ref.first_author, ref.year, ref.title) == (style, author, year, title)
    assert (ref.source, ref.volume, ref.issue, ref.pages) == (source, volume, issue, pages)


def test_the_citing_database_is_a_hint_the_text_can_override():
    wos = "Aria M, 2017, J INFORMETR, V11, P959"
    assert detect_style(wos, "Scopus") == "wos"
    apa = "Bordin, E. S. (1979). The generalizability. Psychotherapy, 16(3), 252-260."
    assert detect_style(apa, "Scopus") == "text"
    scopus = "Betz, C., Bischoff, S., Validation of the IBS-SSS (2013) Z. Gastroenterol., 51"
    assert detect_style(scopus) == "scopus"


def test_a_pasted_reference_list_with_commas_is_read_as_text(tmp_path):
    # Every line has the same number of commas, as a CSV table's would: it is still a list.
    from evimap.citations.sources import citing_in_file

    path = tmp_path / "refs.txt"
    path.write_text(
        "Safran, J. D., Muran, J. C. (2000). Negotiating the therapeutic alliance, New York.\n"
        "Eubanks, C. F., Muran, J. C. (2018). Alliance rupture repair, Psychotherapy.\n"
        "Aspland, H., Llewelyn, S. (2008). Alliance ruptures in CBT, Psychotherapy Research.\n",
        encoding="utf-8",
    )
    (citing,) = citing_in_file(path)
    assert citing.via == "text"
    assert len(citing.references) == 3
