"""The optional ``[prioritise]`` section of review.toml: active learning and stopping.

Settings are named data (as ASReview's ``ActiveLearningCycleData``): each part of the model is
chosen by name, and an unknown name lists the valid ones. Every key has a default, so a protocol
without the section simply screens in assignment order.

```toml
[prioritise]
enabled = true             # order each reviewer's queue by the model
model = "default"          # a named preset: see evimap.prioritise.registry.MODELS
classifier = "svm"         # override one part of the preset (optional)
# feature_params = { authors = true }   # feature parameters (optional; authors lost out of sample)
retrain_every = 5          # decisions between background retrains

[prioritise.stopping]
recall_target = 0.95
confidence = 0.95
heuristic_run = 100        # "N irrelevant in a row" (a heuristic, no guarantee)
```
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MODELS: tuple[str, ...] = ("default", "svm", "logistic", "nb", "svm-char", "embeddings")
"""Named presets (features + classifier + balance + query); see ``evimap.prioritise.registry``."""

FEATURES: tuple[str, ...] = ("tfidf", "tfidf-char", "tfidf-terms", "embeddings")
CLASSIFIERS: tuple[str, ...] = ("svm", "logistic", "nb", "svm-nb")
BALANCERS: tuple[str, ...] = ("balanced", "undersample", "none")
QUERIES: tuple[str, ...] = ("max", "uncertainty", "random", "mixed")


def check_name(kind: str, value: str, valid: tuple[str, ...]) -> str:
    """``value`` if it is one of ``valid``; else a ValueError that lists the valid names.

    :param kind: what the name is of (``classifier``...), for the message.
    :param value: the name given.
    :param valid: the valid names.
    """
    if value not in valid:
        raise ValueError(f"unknown {kind} {value!r}; valid {kind} names: {', '.join(valid)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StoppingSettings(_Strict):
    """How the team is told when screening may stop.

    :param recall_target: the recall the statistical test is about (0.95 = 95%).
    :param confidence: the confidence at which the test rejects "recall is below target".
    :param heuristic_run: the run of consecutive irrelevant records the heuristic waits for.
    """

    recall_target: float = Field(0.95, gt=0, lt=1)
    confidence: float = Field(0.95, gt=0, lt=1)
    heuristic_run: int = Field(100, ge=1)


class PrioritiseSettings(_Strict):
    """The ``[prioritise]`` section.

    :param enabled: order each reviewer's screening queue by the model.
    :param model: a named preset; ``features``, ``classifier``, ``balance`` and ``query``
        override its parts.
    :param params: extra parameters of the classifier (e.g. ``{C = 0.5}``).
    :param feature_params: parameters of the feature extractor over the preset's (e.g.
        ``{authors = true}``: TF-IDF also reads the authors).
    :param retrain_every: decisions of one reviewer between background retrains.
    :param seed: seed of every random choice (random queries, samples for stopping).
    :param stopping: the stopping rules.
    """

    enabled: bool = False
    model: str = "default"
    features: str | None = None
    classifier: str | None = None
    balance: str | None = None
    query: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    feature_params: dict[str, Any] = Field(default_factory=dict)
    retrain_every: int = Field(5, ge=1)
    seed: int = 20240101
    stopping: StoppingSettings = Field(default_factory=StoppingSettings)

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return check_name("model", value, MODELS)

    @field_validator("features")
    @classmethod
    def _features(cls, value: str | None) -> str | None:
        return None if value is None else check_name("features", value, FEATURES)

    @field_validator("classifier")
    @classmethod
    def _classifier(cls, value: str | None) -> str | None:
        return None if value is None else check_name("classifier", value, CLASSIFIERS)

    @field_validator("balance")
    @classmethod
    def _balance(cls, value: str | None) -> str | None:
        return None if value is None else check_name("balance", value, BALANCERS)

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        return None if value is None else check_name("query", value, QUERIES)

    @field_validator("feature_params")
    @classmethod
    def _feature_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "authors" in value and not isinstance(value["authors"], bool):
            raise ValueError(
                f"feature_params.authors must be true or false, not {value['authors']!r}"
            )
        return value
