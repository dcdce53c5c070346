"""Feature builders: the record's document, and ``tfidf-terms`` (keywords read term by term)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from evimap.errors import PrioritiseError
from evimap.prioritise.cycle import build
from evimap.prioritise.features import (
    Document,
    Tfidf,
    TfidfTerms,
    record_document,
    record_text,
    term_key,
)
from evimap.records import Record

DOCS = [
    Document("olanzapine in schizophrenia", ("Humans", "Antipsychotic Agents", "Male"), "t1"),
    Document("weight gain with clozapine", ("Humans", "Schizophrenia", "Female"), "t2"),
    Document("bridge corrosion in salt air", ("Humans", "Steel"), "t3"),
    Document("maize nitrogen uptake", ("Humans", "Zea mays", "Male"), "t4"),
]


def test_a_records_document_keeps_title_abstract_and_each_term_whole():
    record = Record(
        title="T", abstract="A", keywords=["k one", " "], indexed_keywords=["Mesh Term"]
    )
    doc = record_document(record)
    assert doc == Document("T A", ("k one", "Mesh Term"), "T")
    assert record_document(record, keywords=False) == Document("T A", (), "T")
    assert record_text(record) == doc.joined() == "T A k one; Mesh Term"


def test_term_keys_are_lower_case_single_spaced_without_the_major_topic_star():
    assert term_key("  Antipsychotic   Agents* ") == "antipsychotic agents"


def test_joined_keywords_are_the_tfidf_features_exactly():
    plain = Tfidf().fit_transform(DOCS)
    joined = TfidfTerms({"keywords": "joined"}).fit_transform(DOCS)
    assert plain.shape == joined.shape and (plain != joined).nnz == 0
    assert (plain != Tfidf().fit_transform([d.joined() for d in DOCS])).nnz == 0


def test_words_mode_reads_each_term_alone_in_the_texts_vocabulary():
    extractor = TfidfTerms({"keywords": "words", "max_df": 1.0})
    analyse = extractor.vectorizer().build_analyzer()
    tokens = [*analyse(DOCS[0].text), *(w for t in DOCS[0].terms for w in analyse(t))]
    # within a term: its words and its bigram; across terms: nothing
    assert "antipsychotic agents" in tokens and "agents male" not in tokens
    assert "humans antipsychotic" not in tokens
    X = extractor.fit_transform(DOCS)
    plain = Tfidf({"max_df": 1.0}).fit_transform(DOCS)  # joined: has the cross-term bigrams
    assert X.shape[1] < plain.shape[1]
    assert (X.getnnz(axis=1) <= plain.getnnz(axis=1)).all() and X.nnz < plain.nnz
    # "schizophrenia" of record 2's MeSH term and of record 1's abstract share one column
    assert np.count_nonzero(X[:2].toarray().min(axis=0)) >= 1
    assert np.allclose(sparse.linalg.norm(X, axis=1), 1.0)


def test_term_max_df_drops_the_terms_nearly_every_record_carries():
    keep = TfidfTerms({"max_df": 1.0})
    drop = TfidfTerms({"max_df": 1.0, "term_max_df": 0.5})
    assert keep._kept_terms(DOCS)[0] == ("humans", "antipsychotic agents", "male")
    assert drop._kept_terms(DOCS)[0] == ("antipsychotic agents", "male")  # male: 2 of 4
    assert TfidfTerms({"term_min_df": 2})._kept_terms(DOCS)[3] == ("humans", "male")
    # "humans" is in no title or abstract: dropping the term drops its column
    assert keep.fit_transform(DOCS).shape[1] == drop.fit_transform(DOCS).shape[1] + 1


def test_whole_terms_are_one_column_each_in_a_block_weighted_against_the_text():
    text_only = TfidfTerms({"keywords": "whole", "term_weight": 0}).fit_transform(DOCS)
    assert (text_only != Tfidf().fit_transform([d.text for d in DOCS])).nnz == 0
    n_text = text_only.shape[1]
    distinct_terms = len({term_key(t) for d in DOCS for t in d.terms})
    for weight in (0.5, 1.0, 2.0):
        X = TfidfTerms({"keywords": "whole", "term_weight": weight}).fit_transform(DOCS)
        assert X.shape[1] == n_text + distinct_terms
        assert np.allclose(sparse.linalg.norm(X, axis=1), 1.0)
        term_share = sparse.linalg.norm(X[:, n_text:], axis=1)
        assert np.allclose(term_share, weight / np.sqrt(1 + weight**2))


def test_title_repeat_weighs_the_titles_words_more():
    docs = [Document("alpha beta", (), "alpha"), Document("gamma beta", (), "gamma")]
    once = TfidfTerms({"max_df": 1.0}).fit_transform(docs).toarray()
    twice = TfidfTerms({"max_df": 1.0, "title_repeat": 1}).fit_transform(docs).toarray()
    # the title word "alpha" (column 0, alphabetical) weighs more than "beta" once repeated
    assert once[0, 0] > once[0, 2]  # alpha is rarer than beta
    assert twice[0, 0] / twice[0, 2] > once[0, 0] / once[0, 2]


def test_plain_texts_are_read_as_documents_without_terms():
    texts = [d.text for d in DOCS]
    X = TfidfTerms().fit_transform(texts)
    assert (Tfidf().fit_transform(texts) != X).nnz == 0


@pytest.mark.parametrize(
    ("params", "docs", "message"),
    [
        ({"keywords": "bag"}, DOCS, "keywords must be"),
        ({"keywords": "whole", "term_weight": -1}, DOCS, "term_weight"),
        ({}, [Document(""), Document("  ")], "no record has"),
    ],
)
def test_tfidf_terms_refuses_what_it_cannot_read(params, docs, message):
    with pytest.raises(PrioritiseError, match=message):
        TfidfTerms(params).fit_transform(docs)


def test_terms_only_records_still_get_features():
    docs = [Document("", ("Schizophrenia",)), Document("", ("Steel",))]
    X = TfidfTerms({"max_df": 1.0}).fit_transform(docs)
    assert X.shape == (2, 2)


def test_a_cycle_with_tfidf_terms_ranks_the_on_topic_records_first():
    cycle = build("default", features="tfidf-terms")
    X = cycle.features(DOCS)
    ranking = cycle.rank(X, np.array([0, 2]), np.array([1, 0]), np.array([1, 3]))
    assert ranking.order.tolist() == [1, 3]
