"""The index: folding, tokens, vocabulary expansion, boundaries between records and items."""

from __future__ import annotations

import numpy as np

from evimap.records import Record
from evimap.search import parse
from evimap.search.evaluate import Matcher
from evimap.search.index import Index, fold, query_tokens, tokens


def test_fold_keeps_length_so_offsets_stay_valid():
    for text in ["Café Müller", "ÅNGSTRÖM", "naïve façade", "plain"]:
        assert len(fold(text)) == len(text)
    assert fold("Café Müller") == "cafe muller"


def test_tokens_split_hyphens_and_punctuation_like_the_databases():
    assert tokens("Self-esteem: a (re)view") == ["self", "esteem", "a", "re", "view"]
    assert query_tokens("self-esteem") == ["self", "esteem"]
    assert query_tokens("repair*") == ["repair*"]
    assert query_tokens("wom?n") == ["wom?n"]


def test_truncation_expands_over_the_sorted_vocabulary():
    index = Index.build(enumerate([Record(title="repair repairs repaired reparation rep")]))
    assert index.expand("repair*") == ["repair", "repaired", "repairs"]
    assert index.expand("rep*") == ["rep", "repair", "repaired", "repairs", "reparation"]
    assert index.expand("repai?") == ["repair"]
    assert index.expand("*airs") == ["repairs"]
    assert index.expand("missing") == []


def test_phrases_never_run_from_one_record_into_the_next():
    index = Index.build(enumerate([Record(title="the alliance"), Record(title="repair work")]))
    assert Matcher(index).mask(parse('"alliance repair"')).tolist() == [False, False]
    near = Matcher(index).mask(parse("TS=(alliance NEAR/0 repair)"))
    assert near.tolist() == [False, False]


def test_matcher_reuses_leaf_results_after_an_edit():
    records = [Record(title=f"repair number {i}", abstract="therapy") for i in range(50)]
    matcher = Matcher(Index.build(enumerate(records)))
    first = matcher.mask(parse("repair AND therapy"))
    cached = dict(matcher._cache)
    second = matcher.mask(parse("repair AND (therapy OR psychotherapy)"))
    assert np.array_equal(first, second)
    assert all(matcher._cache[k] is v for k, v in cached.items())
    assert len(matcher._cache) == len(cached) + 1


def test_years_and_empty_fields():
    index = Index.build(enumerate([Record(title="", year=2001), Record(title="x", year=None)]))
    matcher = Matcher(index)
    assert matcher.mask(parse("PY=2000-2002")).tolist() == [True, False]
    assert matcher.mask(parse("x")).tolist() == [False, True]


def test_control_characters_in_a_field_never_split_records_or_items():
    from evimap.search import explain

    records = [
        Record(title="alliance\x1erepair\x1d here", keywords=["a\x1eb"]),
        Record(title="second"),
    ]
    index = Index.build(enumerate(records))
    assert Matcher(index).mask(parse('"alliance repair"')).tolist() == [True, False]
    assert Matcher(index).mask(parse("second")).tolist() == [False, True]
    why = explain(records[0], parse('"alliance repair"'))
    assert [(h.field, h.text) for h in why.hits] == [("title", "alliance\x1erepair")]
