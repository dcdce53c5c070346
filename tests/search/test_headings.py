"""Subject headings: Ovid ``exp Term/`` and ``Term/``, PubMed ``[mh]``, EBSCOhost ``MH`` search
the headings indexers assigned (indexed keywords, or keywords where an export puts them), not
the words anywhere; translations write each database's heading search."""

from __future__ import annotations

import pytest

from evimap.records import Record
from evimap.search import explain, parse, translate
from evimap.search.evaluate import Matcher
from evimap.search.index import Index, heading_key
from evimap.search.tree import Heading

RECORDS = [
    # MEDLINE as the PubMed importer stores it: '*' dropped, subheadings kept
    Record(title="A", indexed_keywords=["Humans", "Psychotherapy/methods", "Gambling/psychology"]),
    Record(title="B", indexed_keywords=["Psychotherapy, Group", "Professional-Patient Relations"]),
    # PsycINFO RIS: headings in keywords
    Record(title="C", keywords=["*Therapeutic Alliance", "Psychotherapeutic Processes"]),
    # the words, but not as a heading
    Record(title="Psychotherapy and the therapeutic alliance", abstract="psychotherapy"),
    Record(title="E", keywords=["HIV/AIDS", "alliance"]),
]


def _match(equation: str, syntax: str | None = None) -> list[str]:
    index = Index.build(enumerate(RECORDS))
    mask = Matcher(index).mask(parse(equation, syntax))
    return [r.title for r, m in zip(RECORDS, mask.tolist(), strict=True) if m]


def test_heading_key_drops_medline_star_and_subheadings_but_not_slashes_in_names():
    assert heading_key("*Gambling/*psychology") == b"gambling"
    assert heading_key("Behavior, Addictive/psychology") == b"behavior  addictive".replace(
        b"  ", b" "
    )
    assert heading_key("HIV/AIDS") == b"hiv aids"


@pytest.mark.parametrize(
    "equation,syntax,expected",
    [
        ("Psychotherapy/", "ovid", ["A"]),  # not "Psychotherapy, Group", not record D's words
        ("exp Psychotherapy/", "ovid", ["A", "B"]),  # narrower heading that begins with it
        ("Therapeutic Alliance/", "ovid", ["C"]),
        ("*Therapeutic Alliance/", "ovid", ["C"]),
        ('"Psychotherapy"[mh]', "pubmed", ["A", "B"]),
        ('"Psychotherapy"[mh:noexp]', "pubmed", ["A"]),
        ('(MH "Psychotherapy")', "ebsco", ["A"]),
        ('(MH "Psychotherapy+")', "ebsco", ["A", "B"]),
        ('DE "Therapeutic Alliance"', "ebsco", ["C"]),
        ("HIV AIDS/", "ovid", ["E"]),
        ("Alliance/", "ovid", ["E"]),
        ("Gambling/ and Psychotherapy/", "ovid", ["A"]),
    ],
)
def test_heading_searches_match_assigned_headings_not_words(equation, syntax, expected):
    assert _match(equation, syntax) == expected


def test_ovid_headings_parse_as_headings_not_phrases():
    tree = parse("exp Lung Diseases, Interstitial/ or ILD.ti,ab.")
    assert Heading("Lung Diseases, Interstitial", True) in tree.items


@pytest.mark.parametrize(
    "target,text,warned",
    [
        ("pubmed", '"Psychotherapy"[mh:noexp] OR "Therapeutic Alliance"[mh]', False),
        ("ebsco", '(MH "Psychotherapy") OR (MH "Therapeutic Alliance+")', False),
        ("ovid", "Psychotherapy/ or exp Therapeutic Alliance/", False),
        ("wos", 'KP="Psychotherapy" OR KP="Therapeutic Alliance"', True),
        ("scopus", 'INDEXTERMS("Psychotherapy") OR INDEXTERMS("Therapeutic Alliance")', True),
    ],
)
def test_headings_translate_to_each_databases_heading_search(target, text, warned):
    out = translate("Psychotherapy/ or exp Therapeutic Alliance/", target)
    assert out.text == text
    assert bool(out.warnings) == warned


@pytest.mark.parametrize("syntax", ["pubmed", "ebsco", "ovid"])
def test_headings_round_trip_between_the_databases_that_have_them(syntax):
    tree = parse("Psychotherapy/ or exp Therapeutic Alliance/")
    written = translate("Psychotherapy/ or exp Therapeutic Alliance/", syntax).text
    assert parse(written, syntax) == tree


def test_explain_points_at_the_heading_item():
    why = explain(RECORDS[2], parse("Therapeutic Alliance/"))
    assert why.matched
    assert [(h.field, h.item, h.text) for h in why.hits] == [
        ("keywords", 0, "*Therapeutic Alliance")
    ]
