"""The hand-written table: (syntax, equation, record with its expected hits in [brackets],
expected match). Each case checks the match, the character spans of every hit per field, and
that the bulk evaluator on a many-record index agrees with the one-record explanation."""

from __future__ import annotations

import pytest

from evimap.search import get_syntax
from evimap.search.evaluate import Matcher, explain
from evimap.search.index import Index
from tests.search.helpers import make_record

T = "title"
A = "abstract"

CASES = [
    # --- Boolean operators --------------------------------------------------------------
    ("and-both", "wos", "rupture AND repair", {T: "[Rupture] and [repair] in therapy"}, True),
    ("and-one-missing", "wos", "rupture AND repair", {T: "[Rupture] of the alliance"}, False),
    ("or-either", "wos", "rupture OR repair", {T: "Alliance [repair] works"}, True),
    ("or-neither", "wos", "rupture OR repair", {T: "Alliance building"}, False),
    ("not-excludes", "wos", "repair NOT heart", {T: "Heart valve [repair]"}, False),
    ("not-keeps", "wos", "repair NOT heart", {T: "Alliance [repair]"}, True),
    ("implicit-and", "wos", "alliance repair", {T: "[Repair] of a strained [alliance]"}, True),
    ("parentheses", "wos", "(heart OR alliance) AND repair", {T: "[Alliance] [repair]"}, True),
    (
        "scopus-and-not",
        "scopus",
        "TITLE-ABS-KEY(repair AND NOT heart)",
        {T: "Heart [repair]"},
        False,
    ),
    (
        "scopus-and-not-keeps",
        "scopus",
        "TITLE-ABS-KEY(repair AND NOT heart)",
        {A: "alliance [repair]"},
        True,
    ),
    (
        "ovid-lowercase-ops",
        "ovid",
        "(rupture or tear) and repair",
        {T: "[Tear] and [repair]"},
        True,
    ),
    ("pubmed-not", "pubmed", "repair[tiab] NOT heart[tiab]", {T: "[Repair] of ruptures"}, True),
    # --- precedence ---------------------------------------------------------------------
    ("wos-and-before-or", "wos", "copper OR lead AND algae", {T: "[Copper] in water"}, True),
    (
        "scopus-or-before-and",
        "scopus",
        "TITLE-ABS-KEY(copper OR lead AND algae)",
        {T: "[Copper] in water"},
        False,
    ),
    (
        "pubmed-left-to-right",
        "pubmed",
        "copper[ti] OR lead[ti] AND algae[ti]",
        {T: "[Copper] in water"},
        False,
    ),
    (
        "ebsco-and-before-or",
        "ebsco",
        "TI copper OR TI lead AND TI algae",
        {T: "[Copper] in water"},
        True,
    ),
    (
        "ovid-and-before-or",
        "ovid",
        "copper.ti. or lead.ti. and algae.ti.",
        {T: "[Copper] in water"},
        True,
    ),
    ("wos-not-before-and", "wos", "a1 AND b1 NOT c1", {T: "[a1] [b1] c1"}, False),
    # --- phrases, case, diacritics, hyphens ---------------------------------------------
    (
        "phrase-adjacent",
        "wos",
        '"alliance repair"',
        {A: "We studied [alliance repair] in CBT"},
        True,
    ),
    (
        "phrase-not-adjacent",
        "wos",
        '"alliance repair"',
        {A: "We studied alliance rupture and repair"},
        False,
    ),
    ("phrase-order", "wos", '"repair alliance"', {A: "alliance repair"}, False),
    ("case-insensitive", "wos", "PSYCHOTHERAPY", {T: "[Psychotherapy] research"}, True),
    ("diacritics-query", "wos", "cafe", {T: "[Café] culture"}, True),
    ("diacritics-record", "wos", "müller", {T: "The [Muller] method"}, True),
    ("hyphen-in-record", "wos", '"self esteem"', {T: "Low [self-esteem]"}, True),
    ("hyphen-in-query", "wos", "self-esteem", {T: "Low [self esteem]"}, True),
    ("hyphen-both", "wos", "self-esteem", {T: "Low [self-esteem]"}, True),
    (
        "phrase-in-keywords-item",
        "wos",
        '"alliance repair"',
        {"keywords": ["rupture", "[alliance repair]"]},
        True,
    ),
    (
        "phrase-not-across-keywords",
        "wos",
        '"rupture alliance"',
        {"keywords": ["rupture", "alliance"]},
        False,
    ),
    ("phrase-with-truncation", "wos", '"alliance repair*"', {T: "[Alliance repairs] matter"}, True),
    ("scopus-exact-braces", "scopus", "TITLE({alliance repair})", {T: "[Alliance repair]"}, True),
    # --- wildcards ----------------------------------------------------------------------
    ("truncation", "wos", "repair*", {T: "[Repairing] ruptures, [repairs] and [repair]"}, True),
    ("truncation-no-match", "wos", "repair*", {T: "Rupture resolution"}, False),
    ("wildcard-question-one", "wos", "wom?n", {T: "[Women] and [woman]"}, True),
    ("wildcard-question-needs-one", "wos", "colo?r", {T: "Color"}, False),
    ("wildcard-dollar-zero", "wos", "behavio$r", {T: "[Behavior] and [behaviour]"}, True),
    ("wildcard-inner-star", "wos", "p*therapy", {T: "[Psychotherapy] and [physiotherapy]"}, True),
    ("ebsco-hash-optional", "ebsco", "TI behavio#r", {T: "[Behavior]"}, True),
    ("ovid-hash-one", "ovid", "wom#n.ti.", {T: "[Women]"}, True),
    ("ovid-question-optional", "ovid", "colo?r.ti.", {T: "[Colour] and [color]"}, True),
    ("ovid-dollar-truncation", "ovid", "repair$.ti.", {T: "[Repairing]"}, True),
    ("scopus-question", "scopus", "TITLE(wom?n)", {T: "[Woman]"}, True),
    ("pubmed-truncation", "pubmed", "repair*[tiab]", {A: "[repaired]"}, True),
    # --- proximity ----------------------------------------------------------------------
    (
        "wos-near-whole-words",
        "wos",
        "TS=(rupture NEAR/2 repair)",
        {A: "a rupture was then repaired"},
        False,
    ),
    (
        "wos-near-distance",
        "wos",
        "TS=(rupture NEAR/2 repair*)",
        {A: "a [rupture] was then [repaired]"},
        True,
    ),
    ("wos-near-reverse", "wos", "TS=(repair NEAR/1 rupture)", {A: "[rupture] and [repair]"}, True),
    (
        "wos-near-too-far",
        "wos",
        "TS=(rupture NEAR/1 repair)",
        {A: "rupture of the bond repair"},
        False,
    ),
    (
        "wos-near-default-15",
        "wos",
        "TS=(rupture NEAR repair)",
        {A: "[rupture] " + "x " * 14 + "[repair]"},
        True,
    ),
    (
        "wos-near-phrase",
        "wos",
        'TS=("therapeutic alliance" NEAR/3 repair)',
        {A: "[repair] of the [therapeutic alliance]"},
        True,
    ),
    (
        "wos-near-or-operand",
        "wos",
        "TS=((rupture OR tear) NEAR/0 repair)",
        {A: "[tear] [repair]"},
        True,
    ),
    (
        "near-same-field-only",
        "wos",
        "TS=(rupture NEAR/5 repair)",
        {T: "Rupture", A: "repair"},
        False,
    ),
    (
        "scopus-w",
        "scopus",
        "TITLE-ABS-KEY(repair W/2 rupture)",
        {A: "[rupture] of the [repair]"},
        True,
    ),
    (
        "scopus-pre-in-order",
        "scopus",
        "TITLE-ABS-KEY(rupture PRE/2 repair)",
        {A: "[rupture] and its [repair]"},
        True,
    ),
    (
        "scopus-pre-wrong-order",
        "scopus",
        "TITLE-ABS-KEY(rupture PRE/2 repair)",
        {A: "repair and its rupture"},
        False,
    ),
    (
        "ebsco-n",
        "ebsco",
        "AB rupture N3 AB repair",
        {A: "[repair] after the alliance [rupture]"},
        True,
    ),
    (
        "ebsco-w-order",
        "ebsco",
        "AB rupture W3 AB repair",
        {A: "repair after the alliance rupture"},
        False,
    ),
    ("ovid-adj", "ovid", "(alliance adj repair).ab.", {A: "[alliance] [repair]"}, True),
    ("ovid-adj-order", "ovid", "(alliance adj repair).ab.", {A: "repair alliance"}, False),
    ("ovid-adj3", "ovid", "(alliance adj3 repair).ab.", {A: "[repair] of the [alliance]"}, True),
    (
        "ovid-adj3-too-far",
        "ovid",
        "(alliance adj3 repair).ab.",
        {A: "repair of the strained alliance"},
        False,
    ),
    (
        "pubmed-proximity",
        "pubmed",
        '"alliance repair"[tiab:~2]',
        {A: "[repair] of the [alliance]"},
        True,
    ),
    # --- fields -------------------------------------------------------------------------
    ("wos-ts-keywords", "wos", "TS=rupture", {"keywords": ["[rupture]"]}, True),
    ("wos-ts-keywords-plus", "wos", "TS=rupture", {"subject": ["[Rupture]"]}, True),
    ("wos-ti-not-abstract", "wos", "TI=rupture", {A: "rupture"}, False),
    ("wos-ab", "wos", "AB=rupture", {T: "rupture", A: "a [rupture]"}, True),
    ("wos-ak", "wos", "AK=alliance", {"keywords": ["therapeutic [alliance]"]}, True),
    ("wos-kp-only-index", "wos", "KP=alliance", {"keywords": ["alliance"]}, False),
    ("wos-au", "wos", "AU=safran", {"authors": ["[Safran] J"]}, True),
    (
        "wos-so",
        "wos",
        'SO="journal of clinical psychology"',
        {"source": "[Journal of Clinical Psychology]"},
        True,
    ),
    ("wos-doi", "wos", "DO=10.1037/pst0000123", {"doi": "[10.1037/pst0000123]"}, True),
    ("wos-py", "wos", "repair AND PY=2018", {T: "[repair]", "year": 2018}, True),
    ("wos-py-range", "wos", "repair AND PY=2010-2020", {T: "[repair]", "year": 2021}, False),
    ("scopus-title-abs-key", "scopus", "TITLE-ABS-KEY(rupture)", {"keywords": ["[rupture]"]}, True),
    ("scopus-title", "scopus", "TITLE(rupture)", {A: "rupture"}, False),
    ("scopus-abs", "scopus", "ABS(rupture)", {A: "[rupture]"}, True),
    ("scopus-key", "scopus", "KEY(rupture)", {"keywords": ["[rupture]"]}, True),
    ("scopus-auth", "scopus", "AUTH(muran)", {"authors": ["[Muran] J C"]}, True),
    (
        "scopus-srctitle",
        "scopus",
        "SRCTITLE(psychotherapy)",
        {"source": "[Psychotherapy] Research"},
        True,
    ),
    (
        "scopus-doi",
        "scopus",
        "DOI(10.1080/10503307.2017.1)",
        {"doi": "[10.1080/10503307.2017.1]"},
        True,
    ),
    (
        "scopus-pubyear-gt",
        "scopus",
        "TITLE(repair) AND PUBYEAR > 2009",
        {T: "[Repair]", "year": 2010},
        True,
    ),
    (
        "scopus-pubyear-lt",
        "scopus",
        "TITLE(repair) AND PUBYEAR < 2009",
        {T: "[Repair]", "year": 2010},
        False,
    ),
    (
        "scopus-pubyear-eq",
        "scopus",
        "TITLE(repair) AND PUBYEAR = 2010",
        {T: "[Repair]", "year": 2010},
        True,
    ),
    ("ebsco-ti", "ebsco", "TI rupture", {T: "[Rupture]"}, True),
    ("ebsco-ab-group", "ebsco", "AB (rupture OR tear)", {A: "a [tear]"}, True),
    ("ebsco-kw", "ebsco", "KW alliance", {"keywords": ["[alliance]"]}, True),
    ("ebsco-su", "ebsco", "SU psychotherapy", {"subject": ["[Psychotherapy]"]}, True),
    ("ebsco-au", "ebsco", "AU eubanks", {"authors": ["[Eubanks] C F"]}, True),
    ("ebsco-so", "ebsco", "SO psychotherapy", {"source": "[Psychotherapy]"}, True),
    ("ebsco-dt", "ebsco", "TI repair AND DT 2010-2020", {T: "[Repair]", "year": 2015}, True),
    ("ovid-ti-ab-kw", "ovid", "rupture.ti,ab,kw.", {"keywords": ["[rupture]"]}, True),
    ("ovid-phrase-juxtaposed", "ovid", "alliance repair.ab.", {A: "the [alliance repair]"}, True),
    (
        "ovid-phrase-juxtaposed-not-and",
        "ovid",
        "alliance repair.ab.",
        {A: "repair of the alliance"},
        False,
    ),
    ("ovid-sh", "ovid", "psychotherapy.sh.", {"subject": ["[Psychotherapy]"]}, True),
    ("ovid-au", "ovid", "safran.au.", {"authors": ["[Safran] J D"]}, True),
    ("ovid-jn", "ovid", "psychotherapy.jn.", {"source": "[Psychotherapy]"}, True),
    ("ovid-yr", "ovid", "repair.ti. and 2010-2020.yr.", {T: "[Repair]", "year": 2009}, False),
    ("pubmed-tiab", "pubmed", "rupture[tiab]", {A: "[rupture]"}, True),
    ("pubmed-ti", "pubmed", "rupture[ti]", {A: "rupture"}, False),
    ("pubmed-mh", "pubmed", "psychotherapy[mh]", {"subject": ["[Psychotherapy]"]}, True),
    ("pubmed-au", "pubmed", "safran[au]", {"authors": ["[Safran] J"]}, True),
    ("pubmed-ta", "pubmed", "psychotherapy[ta]", {"source": "[Psychotherapy]"}, True),
    ("pubmed-aid", "pubmed", "10.1037/a0012345[aid]", {"doi": "[10.1037/a0012345]"}, True),
    (
        "pubmed-dp-range",
        "pubmed",
        "repair[ti] AND 2010:2020[dp]",
        {T: "[Repair]", "year": 2020},
        True,
    ),
    ("default-fields-not-author", "wos", "safran", {"authors": ["Safran J"]}, False),
    # --- the reference equation ---------------------------------------------------------
    (
        "reference-matches",
        "wos",
        '("rupture repair" OR "alliance repair" OR repair*) AND (psychotherapy OR therapy)',
        {T: "[Repairing] alliance ruptures in [psychotherapy]"},
        True,
    ),
    (
        "reference-misses-medicine",
        "wos",
        '("rupture repair" OR "alliance repair" OR repair*) AND (psychotherapy OR therapy)',
        {T: "Meniscal [repair] outcomes", A: "Surgical outcomes at two years."},
        False,
    ),
]


@pytest.mark.parametrize(
    "syntax,equation,spec,matched", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_equation_matches_record_with_expected_spans(syntax, equation, spec, matched):
    record, expected = make_record(spec)
    tree = get_syntax(syntax).parse(equation)
    why = explain(record, tree)
    assert why.matched is matched
    got = {}
    for hit in why.hits:
        got.setdefault((hit.field, hit.item), set()).add((hit.start, hit.end))
    got = {k: sorted(v) for k, v in got.items()}
    assert got == expected
    # the bulk evaluator agrees, with the record among others
    others = [make_record({T: "Unrelated text about valves", A: "Nothing here"})[0]] * 3
    index = Index.build(enumerate([*others, record, *others]))
    mask = Matcher(index).mask(tree)
    assert mask.tolist() == [False] * 3 + [matched] + [False] * 3


def test_table_has_at_least_sixty_cases():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
