"""Translation: every syntax to every other, and back to the same query tree."""

from __future__ import annotations

import itertools

import pytest

from evimap.errors import SearchSyntaxError
from evimap.search import SYNTAXES, get_syntax, translate
from evimap.search.tree import normalise, resolve_defaults

REFERENCE = (
    '("rupture repair" OR "rupture resolutions" OR "rupture repair process" OR "alliance repair"'
    ' OR "therapeutic alliance repair" OR "relationship repair" OR "therapeutic repair" OR'
    ' repair* OR "rupture resolution strategies") AND (psychotherapy OR therapy OR treatment OR'
    ' intervention OR "clinical practice" OR "psychotherapeutic treatment" OR'
    ' "psychotherapeutic intervention" OR "psychotherapeutic process")'
)

# Equations (in WoS syntax) every one of the five syntaxes can say exactly.
COMMON = [
    REFERENCE,
    "repair* AND psychotherapy NOT heart",
    'TI=("alliance rupture" OR repair*) AND AB=psychotherapy',
    "TS=(rupture NEAR/3 repair)",
    "AU=safran AND SO=psychotherapy AND PY=2000-2020",
    "AK=alliance",
    "DO=10.1037/pst0000123",
    "(TS=repair OR TI=rupture) AND (AB=therapy NOT AB=surgery)",
    "PY=2015 AND TS=repair",
]

PAIRS = list(itertools.product(SYNTAXES, SYNTAXES))


def _canonical(equation: str):
    return normalise(resolve_defaults(get_syntax("wos").parse(equation)))


@pytest.mark.parametrize("equation", COMMON)
@pytest.mark.parametrize("source,target", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_translating_and_parsing_back_gives_the_same_tree(source, target, equation):
    tree = _canonical(equation)
    written = get_syntax(source).render(tree)
    assert written.warnings == []
    parsed = get_syntax(source).parse(written.text)
    assert parsed == tree, written.text
    translated = get_syntax(target).render(parsed)
    assert translated.warnings == []
    assert get_syntax(target).parse(translated.text) == tree, translated.text


def test_reference_equation_translates_to_all_five_syntaxes():
    expected_start = {
        "wos": 'TS=(("rupture repair" OR ',
        "scopus": 'TITLE-ABS-KEY(("rupture repair" OR ',
        "ebsco": '((TI "rupture repair" OR AB "rupture repair" OR KW "rupture repair") OR ',
        "ovid": '(("rupture repair" or ',
        "pubmed": '("rupture repair"[tiab] OR ',
    }
    for name, start in expected_start.items():
        out = translate(REFERENCE, name)
        assert out.text.startswith(start), out.text
        assert out.warnings == []
        assert "repair*" in out.text


@pytest.mark.parametrize(
    "equation,target,warning",
    [
        ("behavio?r", "pubmed", "only truncates at the end"),
        ("wom?n", "pubmed", "rejects truncation with fewer than 4 letters"),
        ("KP=psychotherapy", "pubmed", "has no field for words in subject headings"),
        ("behavio$r", "scopus", "no '$' wildcard"),
        ("TS=(rupture NEAR/3 repair*)", "pubmed", "proximity works only"),
        ("TS=(rupture NEAR/3 repair)", "pubmed", None),
        ("PY=2010-2020", "scopus", None),
    ],
)
def test_features_a_target_lacks_are_warned_about(equation, target, warning):
    out = translate(equation, target)
    if warning is None:
        assert out.warnings == []
    else:
        assert any(warning in w for w in out.warnings), out.warnings


def test_ordered_proximity_keeps_order_where_the_target_can():
    tree = get_syntax("scopus").parse("TITLE-ABS-KEY(rupture PRE/2 repair)")
    assert get_syntax("ebsco").render(tree).text.count("W2") == 3
    wos = get_syntax("wos").render(tree)
    assert wos.text == "TS=(rupture NEAR/2 repair)"
    assert any("order" in w for w in wos.warnings)


def test_open_year_range_is_exact_in_scopus_and_warned_elsewhere():
    tree = get_syntax("scopus").parse("TITLE(repair) AND PUBYEAR > 2009")
    assert get_syntax("scopus").render(tree).text == "TITLE(repair) AND PUBYEAR > 2009"
    wos = get_syntax("wos").render(tree)
    assert wos.text == "TI=repair AND PY=2010-2100"
    assert wos.warnings


def test_typographic_quotes_as_papers_print_them_are_read():
    printed = REFERENCE.replace('"rupture repair"', "\u201crupture repair\u201d")
    assert get_syntax("wos").parse(printed) == get_syntax("wos").parse(REFERENCE)


def test_scopus_writes_and_not():
    out = translate("repair NOT heart", "scopus")
    assert out.text == "TITLE-ABS-KEY(repair AND NOT heart)"


def test_ovid_writes_wildcards_in_its_own_notation():
    out = translate("wom?n OR behavio$r", "ovid")
    assert out.text == "(wom#n or behavio?r).ti,ab,kw."
    assert get_syntax("ovid").parse(out.text) == _canonical("wom?n OR behavio$r")


@pytest.mark.parametrize(
    "syntax,equation,message,column",
    [
        ("wos", "repair AND (therapy OR", "parenthesis opened here is never closed", 12),
        ("wos", "repair AND therapy)", "closing parenthesis without an opening one", 19),
        ("wos", '"alliance repair AND x', "quote opened here is never closed", 1),
        ("wos", "repair AND AND therapy", "unexpected operator 'AND'", 12),
        ("wos", "repair AND", "the equation ends where a term was expected", 11),
        ("scopus", "TITLE-ABS-KEY(repair W/2)", "unexpected ')'", 25),
        ("ovid", "(repair or).ti.", "unexpected ')'", 11),
        ("wos", "repair rupture)", "closing parenthesis", 15),
        ("pubmed", "repair[xx]", "unexpected character '['", 7),
        ("wos", "", "the equation is empty", 1),
        ("wos", "TS=(repair SAME rupture)", "SAME works only", 12),
        ("wos", "TS=((a AND b) NEAR/2 c)", "proximity operands", 15),
        ("wos", "PY=recent", "a year field needs a year", 1),
        ("pubmed", '"a b c"[tiab:~2]', "proximity needs a two-word phrase", 8),
    ],
)
def test_syntax_errors_point_at_the_position_with_a_caret(syntax, equation, message, column):
    with pytest.raises(SearchSyntaxError) as info:
        get_syntax(syntax).parse(equation)
    err = info.value
    assert message in err.message
    assert err.column == column, str(err)
    lines = str(err).splitlines()
    assert lines[1] == "  " + equation
    assert lines[2] == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize(
    "equation,text,warned",
    [
        ("rep*", "rep[tiab]", True),
        ("ab*", "ab[tiab]", True),
        ("ther*", "ther*[tiab]", False),
        ("therap*", "therap*[tiab]", False),
        ('"alliance rup*"', '"alliance rup"[tiab]', True),
    ],
)
def test_pubmed_never_gets_truncation_under_four_letters(equation, text, warned):
    out = translate(equation, "pubmed")
    assert out.text == text
    assert any("fewer than 4 letters" in w for w in out.warnings) == warned


def test_subject_words_round_trip_where_databases_have_them():
    tree = _canonical("AK=alliance OR KP=psychotherapy")
    for name in ("wos", "scopus", "ebsco", "ovid"):
        written = get_syntax(name).render(tree)
        assert written.warnings == []
        assert get_syntax(name).parse(written.text) == tree, written.text
