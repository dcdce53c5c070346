"""The active-learning cycle: one object that fits on labelled rows and ranks the rest.

As ASReview's ``ActiveLearningCycle``, it bundles a feature extractor, a classifier, a balance
rule and a query strategy behind ``fit`` / ``rank``, and the same cycle serves both uses: the
live queue of each reviewer (:mod:`evimap.prioritise.live`) and simulations with the labels as
the oracle (:mod:`evimap.prioritise.simulate`). It only ever orders records: no method here
decides anything about a record.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from evimap.prioritise.features import FEATURE_EXTRACTORS, FeatureExtractor, PrioritiseError
from evimap.prioritise.models import (
    CLASSIFIERS,
    QUERIES,
    Classifier,
    Query,
    training_rows,
)
from evimap.protocol.prioritise import (
    BALANCERS,
    PrioritiseSettings,
    check_name,
)
from evimap.protocol.prioritise import (
    CLASSIFIERS as CLASSIFIER_NAMES,
)
from evimap.protocol.prioritise import (
    FEATURES as FEATURE_NAMES,
)
from evimap.protocol.prioritise import (
    MODELS as MODEL_NAMES,
)
from evimap.protocol.prioritise import (
    QUERIES as QUERY_NAMES,
)

MODELS: dict[str, dict[str, Any]] = {
    "default": {
        "features": "tfidf",
        "classifier": "svm",
        "balance": "balanced",
        "query": "max",
        "params": {"C": 0.11, "ratio": 9.8},
    },
    "svm": {"features": "tfidf", "classifier": "svm", "balance": "balanced", "query": "max"},
    "logistic": {
        "features": "tfidf",
        "classifier": "logistic",
        "balance": "balanced",
        "query": "max",
    },
    "nb": {"features": "tfidf", "classifier": "nb", "balance": "balanced", "query": "max"},
    "svm-char": {
        "features": "tfidf-char",
        "classifier": "svm",
        "balance": "balanced",
        "query": "max",
    },
    "embeddings": {
        "features": "embeddings",
        "classifier": "logistic",
        "balance": "balanced",
        "query": "max",
        "params": {"C": 1.0},
    },
}
"""Named presets. ``default`` takes ASReview's ``elas_u4`` classifier and balance values (tuned
by ASReview's authors on the SYNERGY sets) and also reads the keywords;
``benchmarks/prioritise_vs_asreview.py`` checks that choice leaving one labelled set out
(candidates ``default`` and ``nokw``, see docs/prioritise.md)."""


QUERY_PARAMS = ("random_share",)
"""Parameters of the query strategy rather than the classifier."""

BALANCE_PARAMS = ("ratio",)
"""Parameters of the balance rule rather than the classifier."""


@dataclass(frozen=True)
class ModelSpec:
    """The named parts of one model, as stored beside every ranking it makes.

    :param name: the preset it started from.
    :param features: feature extractor name.
    :param classifier: classifier name.
    :param balance: ``balanced``, ``undersample`` or ``none``.
    :param query: query strategy name.
    :param params: classifier parameters over its defaults.
    :param feature_params: feature-extractor parameters over its defaults.
    """

    name: str = "default"
    features: str = "tfidf"
    classifier: str = "svm"
    balance: str = "balanced"
    query: str = "max"
    params: dict[str, Any] = field(default_factory=dict)
    feature_params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def named(cls, name: str, **overrides: Any) -> ModelSpec:
        """The preset ``name`` with some parts replaced (``None`` keeps the preset's).

        :raises PrioritiseError: for an unknown name of a model or part, listing valid ones.
        """
        try:
            check_name("model", name, MODEL_NAMES)
            preset = dict(MODELS[name])
            changed = overrides.get("classifier")
            if changed and changed != preset["classifier"]:
                # the preset's classifier parameters belong to its own classifier
                preset["params"] = {
                    k: v
                    for k, v in preset.get("params", {}).items()
                    if k in QUERY_PARAMS + BALANCE_PARAMS
                }
            for key, value in overrides.items():
                if key == "params" and value:
                    preset["params"] = {**preset.get("params", {}), **value}
                elif key == "feature_params" and value:
                    preset["feature_params"] = {**preset.get("feature_params", {}), **value}
                elif value is not None and value != {}:
                    preset[key] = value
            check_name("features", preset["features"], FEATURE_NAMES)
            check_name("classifier", preset["classifier"], CLASSIFIER_NAMES)
            check_name("balance", preset["balance"], BALANCERS)
            check_name("query", preset["query"], QUERY_NAMES)
        except ValueError as exc:
            raise PrioritiseError(str(exc)) from None
        return cls(name=name, **preset)

    @classmethod
    def from_settings(
        cls,
        settings: PrioritiseSettings,
        model: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        feature_params: dict[str, Any] | None = None,
        **parts: str | None,
    ) -> ModelSpec:
        """The model of a ``[prioritise]`` section, with another preset, parts and parameters
        over it (``evimap simulate``'s options; none given: the section's own model).

        A part changing the classifier drops the section's classifier parameters (they belong
        to its own classifier), as :meth:`named` drops a preset's.

        :param settings: the section.
        :param model: a preset in place of the section's.
        :param params: classifier parameters over the section's.
        :param feature_params: feature parameters over the section's.
        :param parts: ``features``, ``classifier``, ``balance``, ``query`` (None: the section's).
        """
        name = model or settings.model
        given = dict(settings.params)
        current = settings.classifier or MODELS.get(name, {}).get("classifier")
        if parts.get("classifier") and parts["classifier"] != current:
            given = {k: v for k, v in given.items() if k in QUERY_PARAMS + BALANCE_PARAMS}
        chosen = {
            key: parts.get(key) or getattr(settings, key)
            for key in ("features", "classifier", "balance", "query")
        }
        return cls.named(
            name,
            **chosen,
            params={**given, **(params or {})} or None,
            feature_params={**settings.feature_params, **(feature_params or {})} or None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stored with each ranking)."""
        return {
            "name": self.name,
            "features": self.features,
            "classifier": self.classifier,
            "balance": self.balance,
            "query": self.query,
            "params": dict(self.params),
            "feature_params": dict(self.feature_params),
        }

    def describe(self) -> str:
        """One line for people: ``default (tfidf + svm, balanced, max)``, with the parameters
        that differ from the preset's after a semicolon (``...; C=0.3, authors=true``)."""
        preset = MODELS.get(self.name, {})
        changed = [
            f"{key}={_toml_word(value)}"
            for given, base in (
                (self.params, preset.get("params", {})),
                (self.feature_params, preset.get("feature_params", {})),
            )
            for key, value in given.items()
            if base.get(key, _UNSET) != value
        ]
        extra = f"; {', '.join(changed)}" if changed else ""
        return (
            f"{self.name} ({self.features} + {self.classifier}, {self.balance}, {self.query}"
            f"{extra})"
        )


_UNSET = object()


def _toml_word(value: Any) -> str:
    """A parameter value as review.toml writes it (``true``, ``0.3``, ``"words"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@dataclass
class Ranking:
    """What one retrain produced.

    :param order: positions (rows of the feature matrix) of the unlabelled pool, best first.
    :param scores: the classifier's score of each row of ``order``, in that order.
    :param training_size: labelled rows the model was fitted on.
    :param relevant: relevant rows among them.
    :param seconds: time to fit and score (wall clock).
    :param cpu_seconds: processor time of the same work (steadier on a shared machine).
    """

    order: np.ndarray
    scores: np.ndarray
    training_size: int
    relevant: int
    seconds: float
    cpu_seconds: float = 0.0


class ActiveLearningCycle:
    """Features, classifier, balance and query, behind ``features`` / ``rank``.

    :param spec: the model's named parts.
    :param seed: the seed of every random choice of the cycle.
    """

    def __init__(self, spec: ModelSpec, seed: int = 0):
        self.spec = spec
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.extractor: FeatureExtractor = FEATURE_EXTRACTORS[spec.features](
            dict(spec.feature_params)
        )
        params = {k: v for k, v in spec.params.items() if k not in QUERY_PARAMS + BALANCE_PARAMS}
        self.ratio = float(spec.params.get("ratio", 1.0))
        self.classifier: Classifier = CLASSIFIERS[spec.classifier](params)
        self.query: Query = QUERIES[spec.query](
            {k: v for k, v in spec.params.items() if k in QUERY_PARAMS}
        )
        # Check the parameters once (the retrains skip scikit-learn's checks); this also
        # imports the estimator's module now: a retrain's time is the fit, not a first import.
        self.classifier.check()

    def features(self, texts: Sequence[str]) -> Any:
        """The feature matrix of ``texts`` (one row a record).

        :raises PrioritiseError: if a value is not finite (the classifiers rely on this check,
            made once here rather than at every retrain).
        """
        try:
            X = self.extractor.fit_transform(texts)
        except (TypeError, ValueError) as exc:  # scikit-learn's word for a bad parameter value
            raise PrioritiseError(f"the {self.spec.features} features: {exc}") from None
        values = X.data if sparse.issparse(X) else np.asarray(X)
        if values.size and not np.isfinite(values).all():
            raise PrioritiseError("the feature matrix holds a value that is not finite")
        return X

    def rank(self, X, labelled: np.ndarray, labels: np.ndarray, pool: np.ndarray) -> Ranking:
        """Fit on the labelled rows and order the pool.

        :param X: the feature matrix of every record.
        :param labelled: rows with a label.
        :param labels: their labels (1 relevant, 0 irrelevant), in the same order.
        :param pool: rows to order (unlabelled).
        :raises PrioritiseError: unless both classes are among the labels.
        """
        labels = np.asarray(labels, dtype=np.int64)
        if len(pool) == 0:
            empty = np.asarray([], dtype=np.int64)
            return Ranking(empty, np.asarray([], dtype=np.float64), len(labels), 0, 0.0)
        n_one = int(labels.sum())
        if n_one == 0 or n_one == len(labels):
            raise PrioritiseError(
                "the model needs at least one relevant and one irrelevant labelled record "
                f"(it has {n_one} relevant of {len(labels)})"
            )
        start, cpu = time.perf_counter(), time.process_time()
        rows, weights = training_rows(labels, self.spec.balance, self.rng, self.ratio)
        model = self.classifier.fit_rows(X, labelled[rows], labels[rows], weights, self.seed)
        # Scoring every row and picking the pool's is cheaper than slicing the pool's rows.
        scores = self.classifier.score(model, X)[pool]
        order = self.query.order(scores, self.classifier.boundary, self.rng)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        return Ranking(pool[order], scores[order], len(labels), n_one, seconds, cpu)


def build(name: str = "default", seed: int = 0, **overrides: Any) -> ActiveLearningCycle:
    """A cycle from a preset name and optional part overrides.

    :param name: a preset of :data:`MODELS`.
    :param seed: the seed of its random choices.
    :param overrides: ``features``, ``classifier``, ``balance``, ``query``, ``params``.
    """
    return ActiveLearningCycle(ModelSpec.named(name, **overrides), seed)


def check_registry() -> None:
    """The names review.toml accepts are exactly the parts the cycle knows (a test calls it)."""
    if set(FEATURE_NAMES) != set(FEATURE_EXTRACTORS):
        raise PrioritiseError("feature names differ between protocol and registry")
    if set(CLASSIFIER_NAMES) != set(CLASSIFIERS) or set(QUERY_NAMES) != set(QUERIES):
        raise PrioritiseError("classifier or query names differ between protocol and registry")
    if set(MODEL_NAMES) != set(MODELS):
        raise PrioritiseError("model names differ between protocol and registry")
