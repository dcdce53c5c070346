"""Authors as features (``authors = true``): one token an author, a TF-IDF block of weight 1
beside the text, the same matrix as ``default`` when no record has authors, and the path from a
file's authors column to the model's rows."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy import sparse

from evimap.errors import ProtocolError
from evimap.prioritise.cycle import ModelSpec, build
from evimap.prioritise.data import read_labelled
from evimap.prioritise.features import (
    Document,
    Embeddings,
    PrioritiseError,
    Tfidf,
    TfidfTerms,
    author_token,
    record_document,
)
from evimap.protocol import parse_protocol
from evimap.records import Author, Record
from tests.screening_support import write_review

AUTHORED = [
    Document("olanzapine in schizophrenia", ("Humans",), "t1", ("tollefson gd", "beasley cm")),
    Document("weight gain with clozapine", ("Humans",), "t2", ("tollefson gd",)),
    Document("bridge corrosion in salt air", ("Steel",), "t3", ("smith j",)),
    Document("maize nitrogen uptake", ("Zea mays",), "t4", ()),
]


@pytest.mark.parametrize(
    ("author", "token"),
    [
        (Author("Reimer", "E J", "Reimer, E J"), "reimer ej"),  # Cohen 2006 / PubMed style
        (Author("Moyé", "L A"), "moye la"),  # accents stripped
        (Author("Moye", "L.A."), "moye la"),  # the same person, written otherwise
        (Author("Muran", "J. Christopher"), "muran jc"),  # a given name gives its initial
        (Author("Harzing", "A.-W."), "harzing aw"),
        (Author("Smith", "JA"), "smith ja"),  # initials run together
        (Author("Le Chevalier", "T"), "le chevalier t"),  # a family name of two words: one token
        (Author("O'Carroll", "R E"), "o'carroll re"),
        (Author("Zhang", ""), "zhang"),
        (Author("", "", "WHO Study Group"), "who study group"),  # corporate, kept as written
        (Author("", "", ""), ""),
    ],
)
def test_an_author_is_one_token_of_family_name_and_initials(author, token):
    assert author_token(author) == token


def test_a_records_document_holds_its_authors_once_each_in_order_outside_the_text():
    record = Record(
        title="T",
        abstract="A",
        authors=[Author("Reimer", "E J"), Author("Dunn", "G S"), Author("Reimer", "E.J.")],
    )
    doc = record_document(record)
    assert doc.authors == ("reimer ej", "dunn gs")
    assert doc.joined() == "T A"  # the text a model reads is unchanged
    assert record_document(Record(title="T")).authors == ()


def test_without_the_parameter_authors_are_not_read():
    plain = Tfidf().fit_transform([Document(d.text, d.terms, d.title) for d in AUTHORED])
    assert (Tfidf().fit_transform(AUTHORED) != plain).nnz == 0
    assert (Tfidf({"authors": False}).fit_transform(AUTHORED) != plain).nnz == 0


@pytest.mark.parametrize("extractor", [Tfidf, TfidfTerms])
def test_with_no_author_in_any_record_the_matrix_is_defaults_bit_for_bit(extractor):
    bare = [Document(d.text, d.terms, d.title) for d in AUTHORED]
    default = extractor().fit_transform(bare)
    with_authors = extractor({"authors": True}).fit_transform(bare)
    assert with_authors.shape == default.shape
    assert np.array_equal(with_authors.indptr, default.indptr)
    assert np.array_equal(with_authors.indices, default.indices)
    assert np.array_equal(with_authors.data, default.data)  # exact, not close
    texts = [d.joined() for d in bare]  # plain texts carry no authors either
    assert (Tfidf({"authors": True}).fit_transform(texts) != Tfidf().fit_transform(texts)).nnz == 0


def test_the_authors_block_weighs_one_against_the_text():
    text = Tfidf().fit_transform(AUTHORED)
    X = Tfidf({"authors": True}).fit_transform(AUTHORED)
    n_text = text.shape[1]
    assert X.shape == (4, n_text + 3)  # one column per distinct author
    assert np.allclose(sparse.linalg.norm(X, axis=1), 1.0)
    share = sparse.linalg.norm(X[:, n_text:], axis=1)
    # a record with authors: text and authors each of length 1/sqrt(2); without: text alone
    assert np.allclose(share, [2**-0.5, 2**-0.5, 2**-0.5, 0.0])
    assert np.allclose(X[:3, :n_text].toarray(), text[:3].toarray() * 2**-0.5)
    assert np.allclose(X[3, :n_text].toarray(), text[3].toarray())
    # the block is TF-IDF of whole tokens: the author shared by two records weighs less in a
    # row than the one only record 0 has (columns in alphabetical order: beasley, smith, tollefson)
    authors = X[:, n_text:].toarray()
    assert authors[0, 0] > authors[0, 2] > 0 and authors[1, 2] == pytest.approx(2**-0.5)
    assert authors[2, 1] == pytest.approx(2**-0.5) and authors[3].sum() == 0


def test_the_same_helpers_stack_whole_keyword_terms():
    # tfidf-terms' whole-term block and the authors block are made by one mechanism: with
    # authors, a tfidf-terms matrix gets the authors block beside its own text+terms row
    terms = TfidfTerms({"keywords": "whole"}).fit_transform(AUTHORED)
    both = TfidfTerms({"keywords": "whole", "authors": True}).fit_transform(AUTHORED)
    assert both.shape == (4, terms.shape[1] + 3)
    assert np.allclose(both[:3, : terms.shape[1]].toarray(), terms[:3].toarray() * 2**-0.5)


@pytest.mark.parametrize(
    ("extractor", "params", "message"),
    [
        (Tfidf, {"authors": "yes"}, "authors must be true or false"),
        (Tfidf, {"author": True}, "unknown feature parameter for tfidf"),
        (Embeddings, {"authors": True}, "TF-IDF features only"),
    ],
)
def test_what_the_authors_parameter_refuses(extractor, params, message):
    with pytest.raises(PrioritiseError, match=message):
        extractor(params).fit_transform(AUTHORED)


def _authored_csv(path):
    """A labelled file with an authors column as the Cohen 2006 sets write it: the relevant
    records share a research group, their texts say nothing the others do not."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "authors", "label_included"])
        for i in range(24):
            relevant = i % 6 == 0
            group = "Tollefson, G D; Beasley, C M" if relevant else f"Other{i}, A; Else{i}, B"
            words = "a randomised trial of drug dosing in adults"
            writer.writerow([i + 1, f"Trial {i}", words, group, int(relevant)])
    return path


def test_a_files_authors_reach_the_model_and_rank_the_groups_records_first(tmp_path):
    data = read_labelled(_authored_csv(tmp_path / "set.csv"))
    docs = [record_document(r) for r in data.records]
    assert docs[0].authors == ("tollefson gd", "beasley cm")
    assert docs[1].authors == ("other1 a", "else1 b")
    cycle = build("default", feature_params={"authors": True})
    assert cycle.spec.feature_params == {"authors": True}
    X = cycle.features(docs)
    labelled = np.array([0, 1])
    pool = np.arange(2, len(docs))
    ranking = cycle.rank(X, labelled, data.labels[labelled], pool)
    group = {i for i in pool if data.labels[i] == 1}
    assert set(ranking.order[: len(group)].tolist()) == group
    # without authors the texts cannot tell them apart: the group is not all first
    plain = build("default")
    order = plain.rank(plain.features(docs), labelled, data.labels[labelled], pool).order
    assert set(order[: len(group)].tolist()) != group


def test_review_toml_turns_authors_on_through_feature_params(tmp_path):
    folder = write_review(tmp_path / "r")
    base = (folder / "review.toml").read_text(encoding="utf-8")
    on = parse_protocol(
        base + "\n[prioritise]\nfeature_params = { authors = true }\n",
        str(folder / "review.toml"),
    )
    assert on.prioritise.feature_params == {"authors": True}
    spec = ModelSpec.named(on.prioritise.model, feature_params=on.prioritise.feature_params)
    assert spec.feature_params == {"authors": True} and spec.features == "tfidf"
    assert parse_protocol(base, str(folder / "review.toml")).prioritise.feature_params == {}
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(
            base + '\n[prioritise]\nfeature_params = { authors = "yes" }\n',
            str(folder / "review.toml"),
        )
    assert "authors must be true or false" in str(caught.value.problems)


def test_a_live_ranking_reads_the_authors_review_toml_asks_for(tmp_path):
    from evimap.review import Review
    from tests.screening_support import TEAM, add_records
    from tests.test_prioritise_live import PRIORITISE, _records

    folder = write_review(tmp_path / "r")
    text = (folder / "review.toml").read_text(encoding="utf-8")
    text += PRIORITISE.replace(
        "enabled = true", "enabled = true\nfeature_params = {authors = true}"
    )
    (folder / "review.toml").write_text(text, encoding="utf-8")
    records = _records()
    for i, record in enumerate(records):  # the on-topic records share a research group
        group = [Author("Safran", "J D")] if i % 12 < 6 else [Author(f"Other{i}", "A")]
        record.authors = group
    review = Review.open(folder)
    try:
        ids = add_records(review, records)
        review.screening.assign("title_abstract", member=TEAM["O"])
        assert review.prioritise.spec().feature_params == {"authors": True}
        for rid, call in ((ids[0], "include"), (ids[6], "exclude")):
            review.screening.decide("title_abstract", rid, call, member=TEAM["A"])
        info = review.prioritise.rank("title_abstract", member=TEAM["A"])
        assert info is not None and info.model["feature_params"] == {"authors": True}
    finally:
        review.close()
