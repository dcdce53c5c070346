"""Equations pasted from a database: the syntax is detected from field codes and operators, a
given syntax that disagrees is warned about, an ambiguous one is refused with its candidates,
and a code of another syntax is an error that names it, never a searched word."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from evimap.errors import AmbiguousSyntax, SearchSyntaxError
from evimap.search import detect, parse, read, translate
from evimap.search.tree import Heading, Phrase, Term, leaves

DATA = Path(__file__).parent / "data" / "real_equations.toml"
REAL = tomllib.loads(DATA.read_text(encoding="utf-8"))["equation"]


def _label(equation: str) -> str:
    found = detect(equation)
    if found.syntax:
        return found.syntax
    if found.plain:
        return "plain"
    if len(found.candidates) == 1:
        return found.candidates[0]
    return "ambiguous"


def accuracy(split: str) -> tuple[int, int, list[str]]:
    cases = [e for e in REAL if e["split"] == split]
    wrong = [
        f"{e['expect']} read as {_label(e['text'])}: {e['text'][:60]}"
        for e in cases
        if _label(e["text"]) != e["expect"]
    ]
    return len(cases) - len(wrong), len(cases), wrong


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_detection_accuracy_on_real_published_equations(split, capsys):
    right, total, wrong = accuracy(split)
    with capsys.disabled():
        print(f"\nsyntax detection, {split} set: {right}/{total} real equations")
    assert total >= 14
    assert wrong == []


@pytest.mark.parametrize(
    "equation,syntax",
    [
        ("TITLE-ABS-KEY(rupture W/3 repair) AND PUBYEAR > 2009", "scopus"),
        ("rupture PRE/2 repair", "scopus"),
        ("TS=(rupture NEAR/3 repair)", "wos"),
        ("rupture NEAR/3 repair", "wos"),
        ('"alliance rupture"[tiab] AND psychotherapy[mh]', "pubmed"),
        ("(rupture adj3 repair).ti,ab.", "ovid"),
        ("exp Psychotherapy/ or alliance.mp.", "ovid"),
        ('TI "alliance rupture" OR AB repair*', "ebsco"),
        ("rupture N3 repair", "ebsco"),
        ('(MH "Psychotherapy+")', "ebsco"),
    ],
)
def test_each_syntax_is_told_by_its_codes(equation, syntax):
    assert detect(equation).syntax == syntax
    assert read(equation).syntax == syntax


def test_plain_boolean_text_is_read_as_web_of_science():
    reading = read('("rupture repair" OR repair*) AND therapy')
    assert reading.detection.plain
    assert reading.syntax == "wos"
    assert reading.warnings == []


def test_codes_inside_quotes_are_words_not_codes():
    assert detect('"TS=x [tiab]" AND repair').plain


def test_scopus_pasted_without_syntax_runs_as_scopus_not_as_words():
    tree = parse("TITLE-ABS-KEY(repair) AND PUBYEAR > 2009")
    words = [leaf.text for leaf in leaves(tree) if isinstance(leaf, Term)]
    assert words == ["repair"]  # not TITLE-ABS-KEY, PUBYEAR or '>'
    out = translate("TITLE-ABS-KEY(repair) AND PUBYEAR > 2009", "wos")
    assert out.text == "TS=repair AND PY=2010-2100"


def test_pubmed_pasted_without_syntax_runs_as_pubmed():
    tree = parse('"alliance rupture"[tiab] AND 2010:2020[dp] AND Psychotherapy[mh]')
    assert any(isinstance(n, Heading) and n.text == "Psychotherapy" for n in leaves(tree))
    assert not any(isinstance(n, Term) and "dp" in n.text for n in leaves(tree))


def test_a_given_syntax_that_disagrees_is_warned_about_and_its_foreign_codes_named():
    reading = read("TS=(repair)", "wos")
    assert reading.warnings == []
    with pytest.raises(SearchSyntaxError) as info:
        read("TITLE-ABS-KEY(repair) AND PUBYEAR > 2009", "wos")
    err = info.value
    assert "'TITLE-ABS-KEY(' is a Scopus field code, not Web of Science syntax" in err.message
    assert "--syntax scopus" in err.message
    assert err.column == 1
    # a syntax that can read the text, but the codes point elsewhere: a warning, in the result
    out = translate('TI "x" OR AB y', "scopus", syntax="ebsco")
    assert out.warnings == []
    mixed = read('repair N3 alliance AND TI "x"', "ebsco")
    assert mixed.warnings == []


def test_a_foreign_operator_under_a_given_syntax_is_named_with_the_detected_syntax():
    with pytest.raises(SearchSyntaxError) as info:
        read("rupture N3 repair", "wos")
    message = info.value.message
    assert message.startswith("the equation looks like EBSCOhost syntax (N3 at column 9)")
    assert "'N3' is an EBSCOhost proximity operator, not Web of Science syntax" in message
    assert info.value.column == 9
    assert read("repair AND therapy", "scopus").warnings == []


def test_warning_in_the_python_result_when_detected_differs_from_given():
    from evimap.search.detect import choose_syntax

    syntax, found, warnings = choose_syntax("TITLE-ABS-KEY(repair)", "wos")
    assert syntax == "wos" and found.syntax == "scopus"
    assert warnings == [
        "the equation looks like Scopus syntax (TITLE-ABS-KEY( at column 1) but is read as "
        "Web of Science syntax, as asked"
    ]


def test_ambiguous_equations_are_refused_with_the_candidates():
    with pytest.raises(AmbiguousSyntax) as info:
        read("TS=(repair) AND alliance[tiab]")
    err = info.value
    assert err.candidates == ["pubmed", "wos"]
    assert "PubMed: [tiab] at column 25" in str(err)
    assert "Web of Science: TS= at column 1" in str(err)
    assert "Give --syntax" in str(err)


def test_platforms_evimap_does_not_read_are_named():
    with pytest.raises(AmbiguousSyntax) as info:
        read("'psychotherapy'/exp OR alliance:ti,ab")
    assert "Embase.com syntax" in str(info.value)
    assert "which evimap does not read" in str(info.value)


@pytest.mark.parametrize(
    "syntax,equation,named,column",
    [
        ("wos", "repair AND WC=Psychology", "'WC=' is the Web of Science Categories field", 12),
        ("scopus", 'TITLE(x) AND LIMIT-TO(DOCTYPE, "ar")', "'LIMIT-TO(' is a Scopus limit", 14),
        ("scopus", "TITLE(x) AND LANGUAGE(english)", "'LANGUAGE(' is a Scopus limit", 14),
        ("pubmed", "x[tiab] AND review[pt]", "'[pt]' is a publication type limit", 19),
        ("pubmed", "x[tiab] AND English[lang]", "'[lang]' is a language limit", 20),
        ("ovid", "x.ti. and review.pt.", "'.pt.' is a publication type field", 17),
        ("ebsco", "TI x AND LA english", "'LA' is a language limit", 10),
        ("wos", "repair > 2009", "'>' is not a search term", 8),
        ("wos", "repair AND x[tiab]", "'[tiab]' is a PubMed field tag", 13),
        ("pubmed", "repair.ti,ab.", "'.ti,ab.' is an Ovid field suffix", 7),
    ],
)
def test_codes_evimap_cannot_search_are_errors_that_name_them(syntax, equation, named, column):
    with pytest.raises(SearchSyntaxError) as info:
        read(equation, syntax)
    assert named in info.value.message, info.value.message
    assert info.value.column == column, str(info.value)


def test_numbered_search_histories_are_refused_with_a_clear_message():
    with pytest.raises(SearchSyntaxError) as info:
        read("1. TS=(digital health)\n2. TS=(exercise)\n3. #1 AND #2")
    assert "numbered search history" in info.value.message


def test_every_real_equation_reads_or_fails_naming_the_problem():
    """No field code of a real equation is ever searched as a word."""
    codes = ("TITLE", "PUBYEAR", "TIAB", "MESH", "DOCTYPE", "LANGUAGE", "LIMIT", "ADJ", "EXP")
    for case in REAL:
        if case["expect"] in ("embase.com", "cochrane"):
            continue
        try:
            tree = parse(case["text"])
        except SearchSyntaxError as exc:
            assert exc.position >= 0 and exc.message
            continue
        for leaf in leaves(tree):
            words = [leaf.text] if isinstance(leaf, Term) else getattr(leaf, "words", ())
            for word in words:
                assert word.strip("(").upper() not in codes, (word, case["text"])


def test_pubmed_tag_applies_to_the_words_before_it():
    tree = parse("breast cancer[tiab] OR Differential Diagnosis[MeSH]")
    kinds = sorted(type(n).__name__ for n in leaves(tree))
    assert kinds == ["Heading", "Phrase"]
    assert Phrase(("breast", "cancer"), frozenset({"title", "abstract", "keywords"})) in leaves(
        tree
    )
    untagged = parse("alliance rupture", "pubmed")
    assert type(untagged).__name__ == "And"
