"""Training rows kept between retrains (compact layout) and the SVM fit on them, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from evimap.prioritise.cycle import build
from evimap.prioritise.models import Classifier, LinearSvm
from evimap.prioritise.rows import TrainingRows
from evimap.prioritise.simulate import choose_priors, simulate

from .conftest import shared_data


def unsorted_matrix(n_rows: int = 60, n_cols: int = 400, seed: int = 0) -> sparse.csr_matrix:
    """A random CSR matrix whose rows hold their columns out of order (as a matrix may)."""
    rng = np.random.default_rng(seed)
    X = sparse.random(n_rows, n_cols, density=0.04, format="csr", random_state=seed)
    for i in range(n_rows):
        a, b = X.indptr[i], X.indptr[i + 1]
        shuffle = rng.permutation(b - a)
        X.indices[a:b] = X.indices[a:b][shuffle]
        X.data[a:b] = X.data[a:b][shuffle]
    X.has_sorted_indices = False
    return X


def test_the_compact_rows_are_the_chosen_rows_with_columns_renumbered_by_first_occurrence():
    X = unsorted_matrix()
    rows = np.array([5, 2, 40, 7])
    compact = TrainingRows()
    got = compact.matrix(X, rows)
    expected = X[rows]
    assert got.shape == (4, len(compact.columns))
    assert np.array_equal(got.toarray(), expected[:, compact.columns].toarray())
    # each row keeps its values in their own order; columns numbered as they first occur
    assert np.array_equal(got.data, expected.data)
    assert np.array_equal(compact.columns[got.indices], expected.indices)
    first_seen = list(dict.fromkeys(expected.indices.tolist()))
    assert compact.columns.tolist() == first_seen


def test_growing_rows_give_the_matrix_a_fresh_start_gives():
    X = unsorted_matrix(seed=1)
    order = np.random.default_rng(1).permutation(60)
    grown = TrainingRows()
    for size in (2, 3, 13, 14, 40, 60):
        got = grown.matrix(X, order[:size])
        fresh = TrainingRows().matrix(X, order[:size])
        for part in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(got, part), getattr(fresh, part))
        assert got.shape == fresh.shape


def test_rows_that_do_not_extend_the_last_ones_or_another_matrix_start_again():
    X = unsorted_matrix(seed=2)
    held = TrainingRows()
    held.matrix(X, np.array([1, 2, 3]))
    assert held.extends(X, np.array([1, 2, 3, 9]))
    assert not held.extends(X, np.array([1, 3, 2, 9]))
    assert not held.extends(X.copy(), np.array([1, 2, 3, 9]))
    again = held.matrix(X, np.array([3, 1]))
    assert np.array_equal(again.toarray(), X[[3, 1]][:, held.columns].toarray())
    assert set(held.columns.tolist()) == set(X[[3, 1]].indices.tolist())


def assert_same_fit(a, b):
    assert np.array_equal(a.coef_, b.coef_)
    assert np.array_equal(a.intercept_, b.intercept_)
    assert a.n_iter_ == b.n_iter_


@pytest.mark.parametrize("params", [{"C": 0.11}, {"C": 2.0, "loss": "hinge"}])
def test_fitting_on_kept_rows_is_the_fit_on_the_sliced_rows_bit_for_bit(params):
    X = unsorted_matrix(n_rows=80, n_cols=500, seed=3)
    rng = np.random.default_rng(3)
    y_all = (rng.random(80) < 0.3).astype(np.int64)
    y_all[:2] = [1, 0]
    svm = LinearSvm(params)
    order = np.concatenate([[0, 1], rng.permutation(np.arange(2, 80))])
    for size in (2, 6, 20, 21, 50):
        rows = order[:size]
        weights = np.where(y_all[rows] == 1, 2.0, 0.5)
        kept = svm.fit_rows(X, rows, y_all[rows], weights, 7)
        assert_same_fit(kept, LinearSvm(params).fit(X[rows], y_all[rows], weights, 7))
        assert svm.training.extends(X, rows)
    shuffled = order[:30][::-1]  # not an extension: starts again, same fit
    kept = svm.fit_rows(X, shuffled, y_all[shuffled], None, 1)
    assert_same_fit(kept, LinearSvm(params).fit(X[shuffled], y_all[shuffled], None, 1))


def test_with_more_rows_than_columns_the_primal_fit_of_the_sliced_rows_is_used():
    X = unsorted_matrix(n_rows=50, n_cols=20, seed=4)
    y = np.array([1, 0] * 25)
    rows = np.arange(40)
    svm = LinearSvm({"C": 0.11})
    assert_same_fit(svm.fit_rows(X, rows, y[rows], None, 0), svm.fit(X[rows], y[rows], None, 0))
    assert len(svm.training.columns) == 0  # never used


class SlicedSvm(LinearSvm):
    """The SVM as it fitted before the rows were kept: ``fit`` on ``X[rows]``."""

    fit_rows = Classifier.fit_rows


def simulated_orders(X, labels, seeds, sliced: bool, batch: int = 1) -> list[list[int]]:
    orders = []
    for seed in seeds:
        cycle = build("default", seed=seed)
        if sliced:
            cycle.classifier = SlicedSvm(dict(cycle.classifier.params))
        run = simulate(X, labels, cycle, choose_priors(labels, seed), batch=batch)
        orders.append(run.order)
    return orders


def test_a_simulation_ranks_exactly_as_with_sliced_rows_on_a_real_set():
    from evimap.prioritise.data import read_labelled
    from evimap.prioritise.features import record_text

    path = shared_data(
        "screening",
        "asreview+systematic-review-datasets",
        "datasets",
        "Cohen_2006",
        "output",
        "local",
        "Antihistamines.csv",
    )
    data = read_labelled(path)
    labels = np.asarray(data.labels)
    X = build("default").features([record_text(r) for r in data.records])
    kept = simulated_orders(X, labels, [0, 1], sliced=False, batch=3)
    assert kept == simulated_orders(X, labels, [0, 1], sliced=True, batch=3)
