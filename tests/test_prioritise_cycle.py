"""The parts of the active-learning cycle: features, balance, queries, classifiers, simulation."""

from __future__ import annotations

import numpy as np
import pytest

from evimap.errors import PrioritiseError
from evimap.prioritise.cycle import ModelSpec, build
from evimap.prioritise.features import FeatureExtractor, record_text
from evimap.prioritise.models import MixedQuery, UncertaintyQuery, training_rows
from evimap.prioritise.simulate import choose_priors, simulate
from evimap.records import Record

TEXTS = [
    "alliance rupture repair in psychotherapy",
    "wheat rust resistance genes",
    "repairing ruptures in the therapeutic alliance",
    "soil nitrogen of maize",
    "therapist responses to an alliance rupture",
    "coastal bridge corrosion",
    "rupture resolution and the working alliance",
    "enzyme kinetics of lipases",
]
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0])


def test_record_text_reads_title_abstract_and_keywords():
    record = Record(title="T", abstract="A", keywords=["k1"], indexed_keywords=["MeSH"])
    assert record_text(record) == "T A k1; MeSH"
    assert record_text(record, keywords=False) == "T A"


def test_balanced_weights_give_the_relevant_class_ratio_times_the_weight():
    y = np.array([1, 0, 0, 0, 0])
    rows, weights = training_rows(y, "balanced", np.random.default_rng(0), ratio=2.0)
    assert list(rows) == [0, 1, 2, 3, 4]
    assert weights[0] == pytest.approx(2 * weights[1:].sum())
    assert weights.sum() == pytest.approx(5)
    _, equal = training_rows(y, "balanced", np.random.default_rng(0), ratio=1.0)
    assert equal[0] == pytest.approx(equal[1:].sum())


def test_undersampling_keeps_every_relevant_row_and_draws_the_rest():
    y = np.array([1] + [0] * 20)
    rows, weights = training_rows(y, "undersample", np.random.default_rng(0), ratio=3.0)
    assert weights is None and 0 in rows and len(rows) == 4


@pytest.mark.parametrize("classifier", ["svm", "logistic", "nb", "svm-nb"])
def test_every_classifier_ranks_the_on_topic_records_first(classifier):
    cycle = build("default", classifier=classifier)
    X = cycle.features(TEXTS)
    ranking = cycle.rank(X, np.array([0, 1]), np.array([1, 0]), np.arange(2, 8))
    assert set(ranking.order[:3].tolist()) == {2, 4, 6}
    assert ranking.training_size == 2 and ranking.relevant == 1


def test_the_cycle_needs_both_classes():
    cycle = build("default")
    X = cycle.features(TEXTS)
    with pytest.raises(PrioritiseError, match="one relevant and one irrelevant"):
        cycle.rank(X, np.array([0, 2]), np.array([1, 1]), np.arange(3, 8))


def test_queries_order_every_record_once():
    scores = np.array([0.9, -2.0, 0.1, 1.5, -0.05])
    rng = np.random.default_rng(0)
    assert list(UncertaintyQuery().order(scores, 0.0, rng)) == [4, 2, 0, 3, 1]
    mixed = MixedQuery({"random_share": 0.5}).order(scores, 0.0, rng)
    assert sorted(mixed.tolist()) == [0, 1, 2, 3, 4]
    assert mixed[0] == 3  # the first place is the best score; every second place is random
    assert len(build("default", query="random").query.order(scores, 0.0, rng)) == 5


def test_presets_merge_parameter_overrides():
    spec = ModelSpec.named("default", params={"C": 0.5})
    assert spec.params == {"C": 0.5, "ratio": 9.8}
    assert "svm" in spec.describe()


def test_a_simulation_finds_every_relevant_record_and_is_repeatable():
    cycle = build("default", seed=3)
    X = cycle.features(TEXTS)
    priors = choose_priors(LABELS, 3)
    assert LABELS[priors].tolist() == [1, 0]
    run = simulate(X, LABELS, cycle, priors)
    again = simulate(X, LABELS, build("default", seed=3), priors)
    assert run.order == again.order
    assert sorted(run.order + priors) == list(range(8))
    assert sum(run.labels) == 3 and run.labels[:3] == [1, 1, 1]
    assert run.metrics.wss100 == pytest.approx(0.5)


@pytest.mark.parametrize("classifier", ["svm", "logistic", "nb"])
def test_the_fast_score_is_the_estimators_own_score(classifier):
    cycle = build("default", classifier=classifier)
    X = cycle.features(TEXTS)
    model = cycle.classifier.fit(X[[0, 1, 2, 3]], np.array([1, 0, 1, 0]), None, 0)
    if classifier == "nb":
        logp = model.predict_log_proba(X)
        expected = logp[:, 1] - logp[:, 0]
    elif classifier == "svm":  # fitted by the direct liblinear call: LinearSVC's own score
        reference = cycle.classifier.estimator(0).fit(X[[0, 1, 2, 3]], np.array([1, 0, 1, 0]))
        expected = reference.decision_function(X)
    else:
        expected = model.decision_function(X)
    assert cycle.classifier.score(model, X) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("params", [{}, {"C": 0.11}, {"C": 2.0, "loss": "hinge"}])
def test_the_direct_liblinear_fit_is_linearsvcs_fit_bit_for_bit(params, seed):
    from scipy import sparse
    from sklearn.svm import LinearSVC

    from evimap.prioritise.models import LinearFit, LinearSvm

    rng = np.random.default_rng(seed)
    X = sparse.random(80, 300, density=0.05, format="csr", random_state=seed)
    y = (rng.random(80) < 0.2).astype(np.int64)
    y[:2] = [1, 0]
    weights = np.where(y == 1, 1.0, 0.3)
    svm = LinearSvm(params)
    fitted = svm.fit(X, y, weights, seed)
    assert isinstance(fitted, LinearFit)
    reference = LinearSVC(**{**LinearSvm.DEFAULTS, **params}, random_state=seed)
    reference.fit(X, y, sample_weight=weights)
    assert np.array_equal(fitted.coef_, reference.coef_)
    assert np.array_equal(fitted.intercept_, reference.intercept_)
    assert fitted.n_iter_ == reference.n_iter_
    assert np.array_equal(svm.score(fitted, X), reference.decision_function(X))


def test_the_svm_falls_back_to_linearsvc_where_the_direct_call_does_not_apply():
    from sklearn.svm import LinearSVC

    from evimap.prioritise.models import LinearSvm

    X = np.eye(6)  # dense input
    y = np.array([1, 0, 1, 0, 1, 0])
    assert isinstance(LinearSvm().fit(X, y, None, 0), LinearSVC)
    sparse_X = build("default").features(TEXTS[:6])
    assert isinstance(LinearSvm({"class_weight": "balanced"}).fit(sparse_X, y, None, 0), LinearSVC)


def test_a_feature_matrix_that_is_not_finite_is_refused_once_when_built():
    class Broken(FeatureExtractor):
        def fit_transform(self, texts):
            return np.array([[0.0, np.nan]] * len(texts))

    cycle = build("default", classifier="logistic")
    cycle.extractor = Broken()
    with pytest.raises(PrioritiseError, match="not finite"):
        cycle.features(TEXTS)


def test_each_retrain_reports_wall_clock_and_processor_seconds():
    cycle = build("default", seed=1)
    X = cycle.features(TEXTS)
    run = simulate(X, LABELS, cycle, choose_priors(LABELS, 1))
    assert len(run.retrain_cpu_seconds) == len(run.retrain_seconds) > 0
    assert all(s > 0 for s in run.retrain_cpu_seconds)
    assert run.cpu_seconds_per_retrain == pytest.approx(np.mean(run.retrain_cpu_seconds))


def test_the_svm_nb_ensemble_ranks_by_the_mean_of_the_svm_and_naive_bayes_ranks():
    from evimap.prioritise.models import LinearSvm, NaiveBayes, _ranks

    cycle = build("default", classifier="svm-nb", params={"C": 0.11, "alpha": 2.0})
    ensemble = cycle.classifier
    assert ensemble.params == {"C": 0.11} and ensemble.alpha == 2.0
    X = cycle.features(TEXTS)
    rows, y = np.array([0, 1, 2, 3]), np.array([1, 0, 1, 0])
    weights = np.array([2.0, 0.5, 2.0, 0.5])
    fitted = ensemble.fit_rows(X, rows, y, weights, 0)
    svm = LinearSvm({"C": 0.11}).fit(X[rows], y, weights, 0)
    assert np.array_equal(fitted.svm.coef_, svm.coef_)  # the SVM is the svm classifier's
    nb = NaiveBayes({"alpha": 2.0})
    nb_scores = nb.score(nb.fit(X[rows], y, weights, 0), X)
    svm_scores = LinearSvm().score(svm, X)
    expected = (_ranks(svm_scores) + _ranks(nb_scores)) / (2 * (len(TEXTS) - 1))
    assert ensemble.score(fitted, X) == pytest.approx(expected)
    # fitted on the sliced rows (no kept rows): the same scores
    plain = build("default", classifier="svm-nb", params={"C": 0.11, "alpha": 2.0}).classifier
    assert plain.score(plain.fit(X[rows], y, weights, 0), X) == pytest.approx(expected)
