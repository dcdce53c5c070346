"""Lint: redundancy by meaning, brackets, truncation, terms matching nothing."""

from __future__ import annotations

from evimap.records import Record
from evimap.search import lint
from evimap.search.index import Index
from evimap.search.lint import subsumes, word_covers
from evimap.search.tree import Phrase, Term
from tests.search.test_translate import REFERENCE


def _codes(findings):
    return [(f.code, f.term) for f in findings]


def test_reference_equation_reports_the_phrases_covered_by_repair_and_treatment():
    findings = lint(REFERENCE)
    redundant = [f.term for f in findings if f.code == "redundant"]
    assert redundant == [
        '"rupture repair"',
        '"rupture repair process"',
        '"alliance repair"',
        '"therapeutic alliance repair"',
        '"relationship repair"',
        '"therapeutic repair"',
        '"psychotherapeutic treatment"',
        '"psychotherapeutic intervention"',
    ]
    first = findings[0]
    assert first.message == (
        '"rupture repair" is redundant: every record it matches is also matched by repair* '
        "in the same OR"
    )
    assert REFERENCE[first.span[0] : first.span[1]] == '"rupture repair"'
    # not redundant: no branch covers them
    assert '"rupture resolutions"' not in redundant
    assert '"clinical practice"' not in redundant
    assert "therapy" not in redundant  # psychotherapy is another word, not a truncation


def test_identical_branches_report_only_the_later_one():
    findings = lint("repair OR therapy OR repair")
    assert _codes(findings) == [("redundant", "repair")]
    assert findings[0].span == (21, 27)


def test_and_operand_implied_by_another_is_redundant():
    findings = lint('repair* AND "alliance repair"')
    assert _codes(findings) == [("redundant", "repair*")]
    assert "already requires it" in findings[0].message


def test_fields_decide_redundancy():
    assert lint('TI=repair OR TS="alliance repair"') == []
    assert _codes(lint('TS=repair OR TI="alliance repair"')) == [("redundant", '"alliance repair"')]


def test_word_and_phrase_cover_rules():
    assert word_covers("repair*", "repairs")
    assert word_covers("rep*", "repair*")
    assert not word_covers("repair*", "rep*")
    assert word_covers("wom?n", "women")
    assert subsumes(Phrase(("rupture", "repair")), Phrase(("rupture", "repair", "process")))
    assert not subsumes(Phrase(("rupture", "repair")), Phrase(("repair", "rupture")))
    assert subsumes(Term("treatment"), Phrase(("psychotherapeutic", "treatment")))


def test_unbalanced_parentheses_are_an_error_with_position():
    findings = lint("(repair OR rupture AND therapy")
    assert [(f.code, f.severity, f.span) for f in findings] == [("unbalanced", "error", (0, 1))]
    assert "never closed" in findings[0].message


def test_short_and_leading_truncations():
    findings = lint("the* OR *pair OR repair*")
    assert _codes(findings) == [("short-truncation", "the*"), ("leading-wildcard", "*pair")]


def test_with_records_terms_matching_nothing_and_branches_adding_nothing():
    records = [
        Record(title="Alliance repair in psychotherapy"),
        Record(title="Repair of ruptures in therapy"),
    ]
    index = Index.build(enumerate(records))
    findings = lint("(repair OR mend* OR alliance) AND psychotherapy", index=index)
    assert ("no-match", "mend*") in _codes(findings)
    assert ("adds-nothing", "alliance") in _codes(findings)
    short = lint("rep* AND therapy", index=index)
    assert "matches 1 words (repair)" in short[0].message
