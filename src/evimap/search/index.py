"""An inverted index of records' words, built once, so an equation runs in milliseconds.

Each searchable field of a record becomes a stream of token ids. All records' streams of one
field are laid end to end with one empty position between records (and between the items of a
list field such as keywords), so a phrase can never run from one record or keyword into the
next. Postings are kept column-wise in numpy arrays (token -> sorted global positions), and the
vocabulary is sorted once so truncation and wildcards expand by bisecting the vocabulary, never
by scanning records.

Hand-written instead of a search-engine library because the speed target (re-running an edited
equation on a million records interactively) and the exact database semantics (hyphens as
spaces, phrase adjacency, NEAR distances, spans for highlighting) need direct control of the
postings.

Words are case-folded and stripped of diacritics, one character for one character, so the
offsets found in the folded text are offsets in the original text too. A hyphen, like any other
punctuation, separates words (``self-esteem`` is the two words ``self esteem``), as Web of
Science and Scopus read it.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evimap.records import Record

TOKEN = re.compile(r"[^\W_]+")
# Canonical field -> the index streams it reads. "keywords" is what the databases' KEY/TS/KW
# search: author keywords and the database's own index terms.
STREAMS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "keywords": ("keywords", "subject"),
    "subject": ("subject",),
    "author": ("author",),
    "source": ("source",),
    "doi": ("doi",),
}
STREAM_NAMES: tuple[str, ...] = (
    "title",
    "abstract",
    "keywords",
    "subject",
    "author",
    "source",
    "doi",
)


class _FoldTable(dict):
    """``str.translate`` table: a non-ASCII character -> one lower-case, accent-free one."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out = (base[:1] or " ").lower()
        if len(out) != 1:
            out = out[:1] or " "
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without diacritics, the same length as ``text`` (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD).lower()


def tokens(text: str) -> list[str]:
    """The words of a text as the index sees them."""
    return TOKEN.findall(fold(text))


def record_streams(record: Record) -> dict[str, list[str]]:
    """The text of each stream of a record; list fields give one item each."""
    authors = [" ".join(x for x in (a.family, a.given) if x) or a.literal for a in record.authors]
    return {
        "title": [record.title],
        "abstract": [record.abstract],
        "keywords": list(record.keywords),
        "subject": list(record.indexed_keywords),
        "author": authors,
        "source": [record.source_title],
        "doi": [record.doi],
    }


class _Vocab(dict):
    """token -> id; a new token gets the next id (0 is the gap between records)."""

    def __missing__(self, key: str) -> int:
        value = len(self) + 1
        self[key] = value
        return value


@dataclass
class Stream:
    """One field's postings: ``positions[offsets[t]:offsets[t+1]]`` are token t's positions."""

    starts: np.ndarray  # record row -> first global position (len n + 1)
    offsets: np.ndarray
    positions: np.ndarray
    char_starts: np.ndarray | None = None  # global position -> char offset (explain only)
    items: np.ndarray | None = None  # global position -> list item index (explain only)

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The record row of each global position."""
        return np.searchsorted(self.starts, positions, side="right") - 1


@dataclass
class Index:
    """Token postings of a set of records.

    :param ids: the store id of each row.
    :param years: publication year of each row (0 when unknown).
    :param vocab: token -> id.
    :param streams: stream name -> :class:`Stream`.
    """

    ids: np.ndarray
    years: np.ndarray
    vocab: dict[str, int]
    streams: dict[str, Stream]
    key: tuple = ()
    sorted_vocab: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        records: Iterable[tuple[int, Record]],
        *,
        key: tuple = (),
        offsets: bool = False,
        streams: Iterable[str] = STREAM_NAMES,
    ) -> Index:
        """Index ``(id, record)`` pairs.

        :param records: the records with their store ids.
        :param key: what the index was built from (to know when it is stale).
        :param offsets: keep each token's character offset (for highlighting one record).
        :param streams: the streams to index (all by default).
        """
        names = tuple(streams)
        vocab = _Vocab()
        get = vocab.__getitem__
        toks = {s: array("i") for s in names}
        starts = {s: array("q") for s in names}
        chars = {s: array("q") for s in names} if offsets else None
        items = {s: array("i") for s in names} if offsets else None
        ids = array("q")
        years = array("i")
        for record_id, record in records:
            ids.append(record_id)
            years.append(record.year or 0)
            texts = record_streams(record)
            for s in names:
                out = toks[s]
                starts[s].append(len(out))
                for item_no, text in enumerate(texts[s]):
                    if not text:
                        continue
                    if offsets:
                        for m in TOKEN.finditer(fold(text)):
                            out.append(get(m.group()))
                            chars[s].append(m.start())
                            items[s].append(item_no)
                        out.append(0)
                        chars[s].append(-1)
                        items[s].append(-1)
                    else:
                        out.extend(map(get, TOKEN.findall(fold(text))))
                        out.append(0)
                if not texts[s] or not any(texts[s]):
                    out.append(0)
                    if offsets:
                        chars[s].append(-1)
                        items[s].append(-1)
        size = len(vocab) + 1
        built: dict[str, Stream] = {}
        for s in names:
            tok = (
                np.frombuffer(toks[s], dtype=np.int32)
                if len(toks[s])
                else np.zeros(0, dtype=np.int32)
            )
            starts[s].append(len(toks[s]))
            order = np.argsort(tok, kind="stable")
            pos_dtype = np.int32 if len(tok) < 2**31 - 1 else np.int64
            positions = order.astype(pos_dtype)
            del order
            counts = np.bincount(tok, minlength=size)
            offs = np.zeros(size + 1, dtype=np.int64)
            np.cumsum(counts, out=offs[1:])
            built[s] = Stream(
                starts=np.frombuffer(starts[s], dtype=np.int64).astype(pos_dtype),
                offsets=offs,
                positions=positions,
                char_starts=np.frombuffer(chars[s], dtype=np.int64) if offsets else None,
                items=np.frombuffer(items[s], dtype=np.int32) if offsets else None,
            )
            toks[s] = array("i")
        index = cls(
            ids=np.frombuffer(ids, dtype=np.int64) if len(ids) else np.zeros(0, dtype=np.int64),
            years=np.frombuffer(years, dtype=np.int32)
            if len(years)
            else np.zeros(0, dtype=np.int32),
            vocab=dict(vocab),
            streams=built,
            key=key,
        )
        index.sorted_vocab = sorted(index.vocab)
        return index

    # ---- saving --------------------------------------------------------------------------

    def save(self, path: str | Path, extra: dict[str, list[str]] | None = None) -> None:
        """Write the index (and string columns ``extra``) to one ``.npz`` file, atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "ids": self.ids,
            "years": self.years,
            "key": np.array(self.key, dtype=np.int64),
            "vocab": _pack(self.sorted_vocab),
            "vocab_ids": np.array([self.vocab[t] for t in self.sorted_vocab], dtype=np.int64),
        }
        for name, stream in self.streams.items():
            arrays[f"s.{name}.starts"] = stream.starts
            arrays[f"s.{name}.offsets"] = stream.offsets
            arrays[f"s.{name}.positions"] = stream.positions
        for name, values in (extra or {}).items():
            arrays[f"x.{name}"] = _pack(values)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path) -> tuple[Index, dict[str, list[str]]]:
        """Read an index written by :meth:`save`, and its string columns."""
        with np.load(path, allow_pickle=False) as data:
            words = _unpack(data["vocab"])
            vocab = dict(zip(words, data["vocab_ids"].tolist(), strict=True))
            streams = {}
            extra = {}
            for name in data.files:
                if name.startswith("s.") and name.endswith(".starts"):
                    s = name[2:-7]
                    streams[s] = Stream(
                        data[f"s.{s}.starts"], data[f"s.{s}.offsets"], data[f"s.{s}.positions"]
                    )
                elif name.startswith("x."):
                    extra[name[2:]] = _unpack(data[name])
            index = cls(
                ids=data["ids"],
                years=data["years"],
                vocab=vocab,
                streams=streams,
                key=tuple(data["key"].tolist()),
                sorted_vocab=words,
            )
        return index, extra

    # ---- vocabulary ----------------------------------------------------------------------

    def expand(self, pattern: str) -> list[str]:
        """Vocabulary words matching a folded word pattern (``repair*``, ``wom?n``, ``behavio$r``).

        Bisects the sorted vocabulary on the literal prefix, then filters that range by regex.
        """
        if not any(c in pattern for c in "*?$"):
            return [pattern] if pattern in self.vocab else []
        cut = min(pattern.find(c) for c in "*?$" if c in pattern)
        prefix = pattern[:cut]
        lo = bisect.bisect_left(self.sorted_vocab, prefix)
        hi = (
            bisect.bisect_left(self.sorted_vocab, prefix + "\U0010ffff")
            if prefix
            else len(self.sorted_vocab)
        )
        candidates = self.sorted_vocab[lo:hi]
        if pattern == prefix + "*":
            return candidates
        regex = wildcard_regex(pattern)
        return [w for w in candidates if regex.fullmatch(w)]

    def token_ids(self, pattern: str) -> np.ndarray:
        """Token ids of every vocabulary word matching ``pattern``."""
        return np.array([self.vocab[w] for w in self.expand(pattern)], dtype=np.int64)

    def positions(self, stream: str, token_ids: np.ndarray) -> np.ndarray:
        """Sorted global positions of any of ``token_ids`` in ``stream``."""
        s = self.streams[stream]
        valid = token_ids[token_ids < len(s.offsets) - 1]
        parts = [s.positions[s.offsets[t] : s.offsets[t + 1]] for t in valid]
        if not parts:
            return np.zeros(0, dtype=s.positions.dtype)
        if len(parts) == 1:
            return parts[0]
        return np.sort(np.concatenate(parts), kind="stable")


_SEP = "\x1f"


def _pack(values: list[str]) -> np.ndarray:
    text = "".join(_SEP + v for v in values)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def _unpack(data: np.ndarray) -> list[str]:
    return data.tobytes().decode("utf-8").split(_SEP)[1:]


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a folded word with canonical wildcards: ``*`` any, ``?`` one, ``$`` 0-1."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(r"[^\W_]*")
        elif ch == "?":
            out.append(r"[^\W_]")
        elif ch == "$":
            out.append(r"[^\W_]?")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out))


_QUERY_TOKEN = re.compile(r"[^\W_]+|[*?$]+")


def query_tokens(text: str) -> list[str]:
    """A query word split as the index splits text, keeping wildcards with their word.

    ``self-esteem`` -> ``["self", "esteem"]``; ``repair*`` -> ``["repair*"]``.
    """
    folded = fold(text)
    out: list[str] = []
    prev_end = -1
    for m in re.finditer(r"[^\W_*?$]+|[*?$]", folded):
        if out and m.start() == prev_end:
            out[-1] += m.group()
        else:
            out.append(m.group())
        prev_end = m.end()
    return [t for t in out if t.strip("*?$") or t == "*"]
