"""Classifiers, class-imbalance handling and query strategies, each chosen by name.

A classifier turns the labelled rows into a score for every row (higher = more likely
relevant). Relevant records are rare, so the training rows are rebalanced: ``balanced`` weighs
each class by the inverse of its size (scikit-learn's ``class_weight="balanced"``),
``undersample`` keeps every relevant row and a fresh random draw of at most ``ratio`` times as
many irrelevant rows at each retrain (dynamic resampling), ``none`` leaves them as they are. A
query strategy turns the scores of the unlabelled rows into the order they are shown in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from evimap.errors import PrioritiseError
from evimap.prioritise.rows import TrainingRows

# --------------------------------------------------------------------------- classifiers


@dataclass
class Classifier:
    """Base of the classifiers: ``fit`` on labelled rows, ``score`` every row.

    :cvar name: the name used in review.toml and ``--model``.
    :cvar label: a human label.
    :param params: parameters of the scikit-learn estimator over the defaults.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    params: dict[str, Any] = field(default_factory=dict)

    def estimator(self, seed: int):
        """A new scikit-learn estimator."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise :class:`PrioritiseError` unless :attr:`params` are parameters the estimator
        takes, with values it accepts.

        The fits of a cycle skip scikit-learn's parameter validation (:meth:`fit`), so a bad
        value would otherwise go unnoticed or fail deep in a background retrain. This builds
        the estimator and fits it once on a toy problem with every check on.
        """
        try:
            model = self.estimator(0)
        except TypeError:
            known = sorted(type(self)().estimator(0).get_params()) + sorted(self.own_params())
            unknown = sorted(set(self.params) - set(known))
            raise PrioritiseError(
                f"unknown parameter {', '.join(map(repr, unknown))} of the {self.name} "
                f"classifier; its parameters: {', '.join(known)}"
            ) from None
        X = np.eye(4) + 0.5
        try:
            model.fit(X, np.array([0, 1, 0, 1]))
        except (TypeError, ValueError) as exc:
            raise PrioritiseError(f"the {self.name} classifier's parameters: {exc}") from None

    def own_params(self) -> tuple[str, ...]:
        """Parameters the classifier reads itself rather than passing to its estimator."""
        return ()

    def fit(self, X, y: np.ndarray, weights: np.ndarray | None, seed: int) -> Any:
        """Fit a new estimator on ``X``/``y`` with per-row ``weights``; returns it.

        scikit-learn's per-call input checks (finite values, parameter validation) are
        skipped: the cycle checks its feature matrix once when it builds it
        (:meth:`~evimap.prioritise.cycle.ActiveLearningCycle.features`), and a retrain runs
        after every decision, where those checks cost as much as a third of the fit.
        """
        from sklearn import config_context

        model = self.estimator(seed)
        with config_context(assume_finite=True, skip_parameter_validation=True):
            model.fit(X, y, sample_weight=weights)
        return model

    def fit_rows(self, X, rows: np.ndarray, y: np.ndarray, weights, seed: int) -> Any:
        """Fit on rows ``rows`` of ``X`` (what :meth:`fit` does on ``X[rows]``); returns the model.

        :param X: the feature matrix of every record.
        :param rows: the training rows, in order.
        :param y: their labels.
        :param weights: their weights (or ``None``).
        :param seed: the fit's seed.
        """
        return self.fit(X[rows], y, weights, seed)

    def score(self, model: Any, X) -> np.ndarray:
        """A relevance score per row of ``X``: higher is more likely relevant.

        For a linear model this is ``X @ coef + intercept`` (what ``decision_function``
        computes, without its per-call input checks).
        """
        coef = getattr(model, "coef_", None)
        if coef is not None and np.ndim(coef) == 2 and coef.shape[0] == 1:
            scores = X @ np.asarray(coef[0], dtype=np.float64) + float(model.intercept_[0])
            return np.asarray(scores, dtype=np.float64).ravel()
        return np.asarray(model.decision_function(X), dtype=np.float64).ravel()

    boundary: ClassVar[float] = 0.0
    """The score where the two classes meet (for uncertainty sampling)."""


@dataclass
class LinearSvm(Classifier):
    """A linear support vector machine (``LinearSVC``); scores are signed distances."""

    name: ClassVar[str] = "svm"
    label: ClassVar[str] = "linear SVM"
    DEFAULTS: ClassVar[dict[str, Any]] = {"C": 0.5, "loss": "squared_hinge", "max_iter": 5000}

    def estimator(self, seed: int):
        from sklearn.svm import LinearSVC

        return LinearSVC(**{**self.DEFAULTS, **self.params}, random_state=seed)

    DIRECT_PARAMS: ClassVar[frozenset[str]] = frozenset({"C", "loss", "max_iter", "tol"})
    """Parameters the direct liblinear call (:meth:`fit`) knows; any other uses LinearSVC."""

    training: TrainingRows = field(default_factory=TrainingRows, repr=False, compare=False)
    """The training rows of the previous retrain, for :meth:`fit_rows`."""

    def fit(self, X, y, weights, seed):
        """Fit as ``LinearSVC.fit`` does, calling scikit-learn's liblinear wrapper directly.

        ``LinearSVC.fit`` spends about 2 ms per call on Python around the solver (estimator
        introspection, label encoding, input checks), more than the solver itself takes on
        a few hundred records, and a retrain runs after every decision. This makes the same
        liblinear call with the same arguments, so the model is the same, bit for bit (a test
        compares it with ``LinearSVC``). Where the call does not apply (other parameters,
        dense or 64-bit-indexed input, a scikit-learn without the wrapper), ``LinearSVC`` fits.
        """
        dual = self._direct_dual(X, X.shape, y)
        if dual is None:
            return super().fit(X, y, weights, seed)
        return self._train(X, y, weights, seed, dual)

    def fit_rows(self, X, rows, y, weights, seed):
        """Fit on rows ``rows`` of ``X``: the model :meth:`fit` makes of ``X[rows]``, bit for bit.

        Where liblinear's dual solver runs (more columns than training rows, as with TF-IDF),
        the rows come from :class:`~evimap.prioritise.rows.TrainingRows`: kept from the
        previous call when they extend its rows (only the new rows are taken out of ``X``),
        in the compact column layout, where the solver makes the same sums faster. The weights
        are mapped back to ``X``'s columns (0 for a column no training row holds, as in a fit
        on ``X[rows]``). Elsewhere (the primal solver, LinearSVC) it fits ``X[rows]``.
        """
        rows = np.asarray(rows, dtype=np.int64)
        dual = self._direct_dual(X, (len(rows), X.shape[1]), y)
        if not dual:
            return self.fit(X[rows], y, weights, seed)
        compact = self.training.matrix(X, rows)
        fitted = self._train(compact, y, weights, seed, dual)
        coef = np.zeros(X.shape[1], dtype=np.float64)
        coef[self.training.columns] = fitted.coef_[0]
        return LinearFit(coef[np.newaxis, :], fitted.intercept_, fitted.n_iter_)

    def _direct_dual(self, X, shape: tuple[int, int], y) -> bool | None:
        """Whether liblinear's dual solver is LinearSVC's choice for training data of
        ``shape``, or ``None`` where the direct call does not apply."""
        direct = _liblinear_direct()
        if (
            direct is None
            or not set(self.params) <= self.DIRECT_PARAMS
            or {**self.DEFAULTS, **self.params}["loss"] not in ("squared_hinge", "hinge")
            or not _liblinear_ready(X)
            or not _zeros_and_ones(y)
        ):
            return None
        return direct[2](shape, {**self.DEFAULTS, **self.params}["loss"])

    def _train(self, X, y, weights, seed: int, dual: bool) -> LinearFit:
        """liblinear's fit of ``X``, called as ``LinearSVC.fit`` calls it."""
        train_wrap, solver_type, _ = _liblinear_direct()
        options = {**self.DEFAULTS, **self.params}
        n = X.shape[0]
        sample_weight = (
            np.ones(n, dtype=np.float64)
            if weights is None
            else np.ascontiguousarray(weights, dtype=np.float64)
        )
        raw, n_iter = train_wrap(
            X,
            np.require(np.asarray(y, dtype=np.float64).ravel(), requirements="W"),
            True,
            solver_type(options["loss"], dual),
            float(options.get("tol", 1e-4)),
            1.0,  # bias: the intercept, scaled by intercept_scaling = 1
            float(options["C"]),
            np.ones(2, dtype=np.float64),  # class_weight None
            int(options["max_iter"]),
            np.random.RandomState(seed).randint(np.iinfo("i").max),
            0.1,  # epsilon (unused by these losses), as LinearSVC passes it
            sample_weight,
        )
        return LinearFit(raw[:, :-1], raw[:, -1].copy(), int(np.max(n_iter)))


@dataclass(frozen=True)
class LinearFit:
    """A fitted linear model: what :meth:`Classifier.score` reads (as a scikit-learn one).

    :param coef_: one row of weights.
    :param intercept_: one intercept.
    :param n_iter_: the solver's iterations.
    """

    coef_: np.ndarray
    intercept_: np.ndarray
    n_iter_: int


@functools.cache
def _liblinear_direct():
    """scikit-learn's liblinear ``train_wrap`` and the two rules LinearSVC applies before
    calling it (solver type, dual or primal), or ``None`` if this scikit-learn lacks them."""
    try:
        from sklearn.svm import _liblinear
        from sklearn.svm._base import _get_liblinear_solver_type
        from sklearn.svm._classes import _validate_dual_parameter
    except ImportError:  # pragma: no cover - a scikit-learn that moved its private parts
        return None

    def solver_type(loss: str, dual: bool) -> int:
        return _get_liblinear_solver_type("ovr", "l2", loss, dual)

    def dual_for(shape: tuple[int, int], loss: str) -> bool:
        # LinearSVC's rule reads only the shape of the training data
        return bool(_validate_dual_parameter("auto", loss, "l2", "ovr", _Shape(shape)))

    def train_wrap(*args):
        _liblinear.set_verbosity_wrap(0)  # LinearSVC sets it at every fit too
        return _liblinear.train_wrap(*args)

    return train_wrap, solver_type, dual_for


def _zeros_and_ones(y) -> bool:
    """True if ``y`` holds both 0 and 1 and nothing else."""
    y = np.asarray(y)
    return bool(((y == 0) | (y == 1)).all() and y.any() and not y.all())


@dataclass(frozen=True)
class _Shape:
    shape: tuple[int, int]


def _liblinear_ready(X) -> bool:
    """True for input liblinear takes as is: CSR, float64 values, 32-bit indices."""
    from scipy import sparse

    return (
        sparse.issparse(X)
        and X.format == "csr"
        and X.dtype == np.float64
        and X.indices.dtype == np.int32
        and X.indptr.dtype == np.int32
    )


@dataclass
class Logistic(Classifier):
    """L2-regularised logistic regression; scores are log-odds."""

    name: ClassVar[str] = "logistic"
    label: ClassVar[str] = "logistic regression"
    DEFAULTS: ClassVar[dict[str, Any]] = {"C": 10.0, "solver": "liblinear", "max_iter": 1000}

    def estimator(self, seed: int):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(**{**self.DEFAULTS, **self.params}, random_state=seed)


@dataclass
class NaiveBayes(Classifier):
    """Multinomial naive Bayes (needs non-negative features, as TF-IDF is); scores are the
    log-odds of relevance, which keep their order where probabilities round to 0 or 1."""

    name: ClassVar[str] = "nb"
    label: ClassVar[str] = "multinomial naive Bayes"
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 3.822}

    def estimator(self, seed: int):
        from sklearn.naive_bayes import MultinomialNB

        return MultinomialNB(**{**self.DEFAULTS, **self.params})

    def fit(self, X, y, weights, seed):
        if _has_negative(X):
            raise PrioritiseError(
                "naive Bayes needs non-negative features (TF-IDF); choose classifier "
                "'logistic' or 'svm' for embeddings"
            )
        return super().fit(X, y, weights, seed)

    def score(self, model, X) -> np.ndarray:
        logp = model.predict_log_proba(X)
        return logp[:, 1] - logp[:, 0]


def _has_negative(X) -> bool:
    data = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
    return bool(np.asarray(data).size and np.asarray(data).min() < 0)


@dataclass(frozen=True)
class EnsembleFit:
    """The two models of :class:`SvmNbEnsemble`.

    :param svm: the SVM's fit.
    :param nb_weights: naive Bayes log-odds weight of each column.
    :param nb_per_unit: what every unit of a row's feature mass adds to its log-odds.
    """

    svm: LinearFit
    nb_weights: np.ndarray
    nb_per_unit: float


@dataclass
class SvmNbEnsemble(LinearSvm):
    """The linear SVM and multinomial naive Bayes on the same rows, ranked by the mean of
    their two ranks (a benchmark candidate, ``classifier = "svm-nb"``).

    Two learners that err differently: the SVM weighs the words that separate the labelled
    rows best, naive Bayes every word by how much more often it occurs in relevant rows. The
    mean rank needs no scale common to both scores. The SVM is fitted as ``svm`` is (same
    parameters, the same model); naive Bayes (``alpha``, ASReview's 3.822) on the same rows
    and weights. Scores are the mean of the two ranks among all rows, as a share (higher is
    more likely relevant).
    """

    name: ClassVar[str] = "svm-nb"
    label: ClassVar[str] = "linear SVM + naive Bayes, mean rank"
    NB_PARAMS: ClassVar[tuple[str, ...]] = ("alpha",)
    boundary: ClassVar[float] = 0.5

    def own_params(self) -> tuple[str, ...]:
        return self.NB_PARAMS

    def __post_init__(self) -> None:
        self.alpha = float(self.params.get("alpha", NaiveBayes.DEFAULTS["alpha"]))
        self.params = {k: v for k, v in self.params.items() if k not in self.NB_PARAMS}
        self._row_mass: tuple[Any, np.ndarray] | None = None

    def fit_rows(self, X, rows, y, weights, seed):
        rows = np.asarray(rows, dtype=np.int64)
        svm = super().fit_rows(X, rows, y, weights, seed)
        if self.training.extends(X, rows) and len(rows) == len(self.training.rows):
            # the SVM's kept rows: naive Bayes counts over their columns only
            compact = self.training.matrix(X, rows)
            return self._with_nb(svm, compact, y, weights, X.shape[1], self.training.columns)
        return self._with_nb(svm, X[rows], y, weights, X.shape[1], None)

    def fit(self, X, y, weights, seed):
        return self._with_nb(super().fit(X, y, weights, seed), X, y, weights, X.shape[1], None)

    def _with_nb(self, svm, Xr, y, weights, n_columns: int, columns) -> EnsembleFit:
        """Naive Bayes on ``Xr`` (columns ``columns`` of the matrix, or all of them)."""
        if _has_negative(Xr):
            raise PrioritiseError("naive Bayes needs non-negative features (TF-IDF)")
        w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
        y = np.asarray(y)
        counts = Xr.T @ np.column_stack([w * (y == 0), w * (y == 1)])  # per column and class
        totals = counts.sum(axis=0) + self.alpha * n_columns
        # a column no row holds has equal counts (0) in both classes: weight 0
        held = np.log(counts[:, 1] + self.alpha) - np.log(counts[:, 0] + self.alpha)
        nb = held if columns is None else np.zeros(n_columns)
        if columns is not None:
            nb[columns] = held
        return EnsembleFit(svm, nb, float(np.log(totals[0]) - np.log(totals[1])))

    def score(self, model, X) -> np.ndarray:
        svm = super().score(model.svm, X)
        if self._row_mass is None or self._row_mass[0] is not X:
            self._row_mass = (X, np.asarray(X.sum(axis=1)).ravel())
        nb = np.asarray(X @ model.nb_weights).ravel() + model.nb_per_unit * self._row_mass[1]
        return (_ranks(svm) + _ranks(nb)) / (2.0 * max(1, len(svm) - 1))


def _ranks(scores: np.ndarray) -> np.ndarray:
    """0 for the lowest score up to n - 1 for the highest (ties: the later row ranks higher)."""
    out = np.empty(len(scores), dtype=np.float64)
    out[np.argsort(scores, kind="stable")] = np.arange(len(scores), dtype=np.float64)
    return out


CLASSIFIERS: dict[str, type[Classifier]] = {
    c.name: c for c in (LinearSvm, Logistic, NaiveBayes, SvmNbEnsemble)
}

# --------------------------------------------------------------------------- balancing


def training_rows(
    y: np.ndarray, balance: str, rng: np.random.Generator, ratio: float = 1.0
) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows (positions in ``y``) to train on and their weights, for one retrain.

    :param y: labels of the labelled rows (1 relevant, 0 irrelevant).
    :param balance: ``balanced``, ``undersample`` or ``none``.
    :param rng: the random generator of the run (``undersample`` draws from it).
    :param ratio: ``balanced``: the relevant class weighs ``ratio`` times the irrelevant class
        in all (1 = equal totals; ASReview's ``elas_u4`` uses 9.8); ``undersample``: at most
        ``ratio`` irrelevant rows are kept per relevant one.
    """
    rows = np.arange(len(y))
    n_one = int(y.sum())
    n_zero = len(y) - n_one
    if balance == "none" or n_one == 0 or n_zero == 0:
        return rows, None
    if balance == "balanced":
        weights = np.where(y == 1, 1.0, n_one / (ratio * n_zero))
        return rows, weights * (len(y) / weights.sum())
    if balance == "undersample":
        keep = int(min(n_zero, max(1, round(ratio * n_one))))
        zeros = rows[y == 0]
        chosen = np.sort(rng.choice(zeros, size=keep, replace=False)) if keep < n_zero else zeros
        return np.sort(np.concatenate([rows[y == 1], chosen])), None
    raise PrioritiseError(f"unknown balance {balance!r}; valid: balanced, undersample, none")


# --------------------------------------------------------------------------- queries


@dataclass
class Query:
    """Base of the query strategies: the order in which unlabelled rows are shown.

    :cvar name: the name used in review.toml and ``--model``.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    params: dict[str, Any] = field(default_factory=dict)

    def order(self, scores: np.ndarray, boundary: float, rng: np.random.Generator) -> np.ndarray:
        """Positions of ``scores`` (the unlabelled rows) in the order to show them."""
        raise NotImplementedError


def _descending(scores: np.ndarray) -> np.ndarray:
    """Highest score first; ties keep the rows' order (deterministic)."""
    return np.argsort(-scores, kind="stable")


@dataclass
class MaxQuery(Query):
    """Most likely relevant first (the default)."""

    name: ClassVar[str] = "max"
    label: ClassVar[str] = "most likely relevant first"

    def order(self, scores, boundary, rng):
        return _descending(scores)


@dataclass
class UncertaintyQuery(Query):
    """Closest to the class boundary first (the model learns fastest there)."""

    name: ClassVar[str] = "uncertainty"
    label: ClassVar[str] = "most uncertain first"

    def order(self, scores, boundary, rng):
        return np.argsort(np.abs(scores - boundary), kind="stable")


@dataclass
class RandomQuery(Query):
    """A random order (a baseline)."""

    name: ClassVar[str] = "random"
    label: ClassVar[str] = "random order"

    def order(self, scores, boundary, rng):
        return rng.permutation(len(scores))


@dataclass
class MixedQuery(Query):
    """Most likely relevant first, with a random record in every ``1/share`` places
    (``share`` 0.05 by default): a little exploration against a narrow model."""

    name: ClassVar[str] = "mixed"
    label: ClassVar[str] = "most likely relevant, 5% random"

    def order(self, scores, boundary, rng):
        share = float(self.params.get("random_share", 0.05))
        best = list(_descending(scores))
        if not 0 < share < 1 or len(best) < 2:
            return np.asarray(best, dtype=np.int64)
        every = max(2, round(1 / share))
        sources = [best, list(rng.permutation(len(scores)))]
        heads = [0, 0]
        taken = np.zeros(len(scores), dtype=bool)
        out: list[int] = []
        while len(out) < len(scores):
            which = 1 if (len(out) + 1) % every == 0 else 0
            for source in (which, 1 - which):
                while heads[source] < len(scores) and taken[sources[source][heads[source]]]:
                    heads[source] += 1
                if heads[source] < len(scores):
                    pick = sources[source][heads[source]]
                    taken[pick] = True
                    out.append(int(pick))
                    break
        return np.asarray(out, dtype=np.int64)


QUERIES: dict[str, type[Query]] = {q.name: q for q in (MaxQuery, UncertaintyQuery, RandomQuery)}
QUERIES[MixedQuery.name] = MixedQuery
