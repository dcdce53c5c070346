"""The records' searchable text, laid out once so any word is found by one fast pass.

Each searchable field (a *stream*: title, abstract, keywords ...) of every record is folded
(lower case, diacritics stripped, one character for one character), every character that is
not a letter or digit becomes a space, and the result is written as UTF-8 bytes, the records one
after the other::

    \\n<title of record 0>\\n<title of record 1>...\\n

Items of list fields (keywords, authors) are separated by ``\\x1e`` inside their record, so a
phrase never runs from one keyword, or one record, into the next. The ``headings`` stream holds
each record's indexed keywords and keywords as headings (``*Gambling/psychology`` is the heading
``gambling``), for subject-heading searches.

Nothing is indexed ahead of the first question: a word of the equation is found by one search
for its literal part over the stream (``ahocorasick_rs``, SIMD-accelerated, several GB/s),
checked at word boundaries with numpy, and cached by word. So the first run costs the layout
(about as much as folding the text) plus one pass per distinct word. Once it has answered, a
word index of the laid-out streams (:mod:`evimap.search.words`: word -> records, no positions)
is built in the background; from then on a word is looked up rather than searched for, and a
phrase or proximity is checked on the bytes of the records that hold all its words only. Streams
are laid out only when an equation needs them, and kept in the review folder's cache
(memory-mapped when loaded), their word indexes beside them.

Hand-written rather than a search engine's index (SQLite FTS5, tantivy) because building those
indexes before the first answer costs more than a plain scan of the records (measured: FTS5
took 2.5x the scan at 20k records), and because the exact database semantics (hyphens as spaces,
phrases, NEAR distances within one field item, spans for highlighting) need control of the text.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import json
import mmap
import operator
import os
import re
import threading
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick_rs
import numpy as np

from evimap.records import Record

if TYPE_CHECKING:
    from evimap.search.words import WordIndex

TOKEN = re.compile(r"[^\W_]+")
# Canonical field -> the streams it reads. "keywords" is what the databases' KEY/TS/KW search:
# author keywords and the database's own index terms.
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
    "headings",
)
ITEM = 0x1E  # between the items of a list field
RECORD = 0x0A  # before each record (and once at the end)
SPACE = 0x20
CHUNK = 4096  # records laid out per write
WINDOW = 64 * 1024 * 1024  # bytes searched per call (bounds the list of matches)
_START = operator.itemgetter(1)  # of a match (pattern, start, end)

# ---- folding --------------------------------------------------------------------------------


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


class _CleanTable(dict):
    """A non-ASCII character -> its folded form when that is a letter or digit, else a space."""

    def __missing__(self, ch: str) -> str:
        folded = _FOLD[ord(ch)].lower()[:1] or " "
        out = folded if folded.isalnum() else " "
        self[ch] = out
        return out


_CLEAN = _CleanTable()
# ASCII bytes: letters lower-cased, digits kept, everything else (with "_", "\n", "\x1e") a space;
# non-ASCII bytes (UTF-8 of letters and digits, once cleaned) pass through
_BYTES = bytes(
    b if b >= 128 else ord(chr(b).lower()) if chr(b).isalnum() else SPACE for b in range(256)
)
WORD_BYTE = np.array([(48 <= b <= 57) or (97 <= b <= 122) or b >= 128 for b in range(256)])
_WORD_CLASS = rb"[0-9a-z\x80-\xff]"
_ONE_CHAR = rb"(?:[0-9a-z]|[\xc0-\xff][\x80-\xbf]*)"


# the same, for a chunk of records laid out at once: "\x1d" (written before each record) becomes
# the record separator "\n", "\x1e" (between list items) stays
_CHUNK_BYTES = bytes(RECORD if b == 0x1D else ITEM if b == ITEM else _BYTES[b] for b in range(256))


def _clean_run(exc: UnicodeEncodeError) -> tuple[bytes, int]:
    """Codec error handler: a run of non-ASCII characters, cleaned, as UTF-8 bytes (so the
    ASCII bulk of a text is copied by the codec and only these runs cost a Python call)."""
    run = exc.object[exc.start : exc.end]
    return "".join([_CLEAN[c] for c in run]).encode("utf-8"), exc.end


codecs.register_error("evimap.search.clean", _clean_run)


def clean_chunk(texts: list[str]) -> bytes:
    """Many records' texts of one stream laid out at once: ``\n`` before each, list items
    already joined by ``\x1e``."""
    big = "\x1d" + "\x1d".join(texts)
    return big.encode("ascii", "evimap.search.clean").translate(_CHUNK_BYTES)


def clean(text: str) -> bytes:
    """A text as the streams hold it: folded, non-word characters as spaces, UTF-8."""
    return text.encode("ascii", "evimap.search.clean").translate(_BYTES)


_SUBHEADING = re.compile(r"^\*?([^/]*[A-Z][^/]*?)\s*(?:/\s*\*?[a-z][a-z ,&-]*)+$")


def heading_key(text: str) -> bytes:
    """A heading as the ``headings`` stream holds it: a MEDLINE ``*`` (major topic) and
    ``/subheading`` dropped, folded, words joined by one space (``Gambling/*psychology`` ->
    ``gambling``)."""
    text = text.strip().lstrip("*")
    m = _SUBHEADING.match(text)
    if m:
        text = m.group(1)
    return b" ".join(clean(text).split())


# ---- records -> stream texts --------------------------------------------------------------


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
        "headings": list(record.indexed_keywords) + list(record.keywords),
    }


def _plain(text: str | None) -> str:
    """A field's text without the two control characters the layout uses as separators."""
    if not text:
        return ""
    if "\x1e" in text or "\x1d" in text:
        return text.replace("\x1e", " ").replace("\x1d", " ")
    return text


def _raw(record: Record, stream: str) -> str:
    """A record's text of one stream, list items joined by ``\x1e``."""
    if stream == "title":
        return _plain(record.title)
    if stream == "abstract":
        return _plain(record.abstract)
    if stream == "keywords":
        return "\x1e".join(map(_plain, record.keywords))
    if stream == "subject":
        return "\x1e".join(map(_plain, record.indexed_keywords))
    return "\x1e".join(map(_plain, record_streams(record)[stream]))


def _headings(record: Record) -> bytes:
    items = record_streams(record)["headings"]
    return b"\n" + b"\x1e".join(heading_key(t) for t in items if t)


# ---- one stream ---------------------------------------------------------------------------


class Stream:
    """One field's text for every record, and the words found in it so far.

    :param data: the laid-out bytes (``bytes``, ``bytearray`` or a read-only ``mmap``).
    :param starts: byte offset of each record's leading ``\\n``, then of the final one.
    """

    def __init__(self, data, starts: np.ndarray):
        self.data = data
        self.starts = starts
        self.arr = np.frombuffer(data, dtype=np.uint8)
        self._words: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def size(self) -> int:
        return len(self.starts) - 1

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The record row of each byte offset."""
        return np.searchsorted(self.starts, positions, side="right") - 1

    def subset(self, rows: np.ndarray) -> Stream:
        """A stream of some of the records only (``rows``, sorted), their bytes as they are
        here: a record's words, phrases and proximity are found in it as in the whole stream.
        Its row ``i`` is this stream's row ``rows[i]``."""
        begin = self.starts[rows]
        end = self.starts[rows + 1]
        view = memoryview(self.data)
        data = b"".join([view[a:b] for a, b in zip(begin.tolist(), end.tolist(), strict=True)])
        view.release()
        starts = np.concatenate(([0], np.cumsum(end - begin))).astype(np.int64)
        return Stream(data + b"\n", starts)

    def find(self, literal: bytes) -> np.ndarray:
        """Sorted byte offsets of every occurrence of ``literal`` (word boundaries unchecked)."""
        searcher = ahocorasick_rs.BytesAhoCorasick([literal])
        view = memoryview(self.data)
        out: list[np.ndarray] = []
        total = len(self.data)
        at = 0
        while at < total:
            stop = min(total, at + WINDOW)
            if stop < total:  # end the window at a record boundary: no match spans records
                cut = self.data.rfind(b"\n", at, stop)
                stop = cut if cut > at else stop
            found = searcher.find_matches_as_indexes(view[at:stop])
            if found:
                out.append(np.fromiter(map(_START, found), np.int64, len(found)) + at)
            at = stop
        view.release()
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def word(self, pattern: str) -> tuple[np.ndarray, np.ndarray]:
        """``(starts, ends)`` byte spans of the words matching a folded word pattern
        (``repair``, ``repair*``, ``wom?n``, ``behavio$r``), sorted; cached by pattern."""
        found = self._words.get(pattern)
        if found is None:
            found = self._word(pattern)
            if len(self._words) > 4096:
                self._words.clear()
            self._words[pattern] = found
        return found

    def _word(self, pattern: str) -> tuple[np.ndarray, np.ndarray]:
        cut = min((pattern.find(c) for c in "*?$" if c in pattern), default=len(pattern))
        literal = pattern[:cut].encode("utf-8")
        if not literal:
            return self._regex_scan(pattern)
        starts = self.find(literal)
        if not len(starts):
            return starts, starts
        starts = starts[~WORD_BYTE[self.arr[starts - 1]]]
        after = starts + len(literal)
        if cut == len(pattern):
            keep = ~WORD_BYTE[self.arr[after]]
            return starts[keep], after[keep]
        ends = self._word_ends(after)
        if pattern == pattern[:cut] + "*":
            return starts, ends
        regex = word_regex(pattern)
        keep = np.fromiter(
            (
                regex.fullmatch(self.data, s, e) is not None
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
            ),
            bool,
            len(starts),
        )
        return starts[keep], ends[keep]

    def _word_ends(self, after: np.ndarray, width: int = 32) -> np.ndarray:
        """End of the word that continues at each offset (the next non-word byte)."""
        if not len(after):
            return after
        idx = np.minimum(after[:, None] + np.arange(width), len(self.arr) - 1)
        nonword = ~WORD_BYTE[self.arr[idx]]
        first = nonword.argmax(axis=1)
        ends = after + first
        for i in np.flatnonzero(~nonword.any(axis=1)).tolist():  # words longer than width
            j = int(after[i]) + width
            while WORD_BYTE[self.arr[j]]:
                j += 1
            ends[i] = j
        return ends

    def _regex_scan(self, pattern: str) -> tuple[np.ndarray, np.ndarray]:
        """A word beginning with a wildcard: the only case that needs a regex over the text."""
        regex = re.compile(
            rb"(?<![0-9a-z\x80-\xff])" + word_regex(pattern).pattern + rb"(?![0-9a-z\x80-\xff])"
        )
        spans = [m.span() for m in regex.finditer(self.data)]
        if not spans:
            z = np.zeros(0, np.int64)
            return z, z
        arr = np.array(spans, dtype=np.int64)
        return arr[:, 0], arr[:, 1]

    def spaces_only(self, a: np.ndarray, b: np.ndarray, width: int = 8) -> np.ndarray:
        """For each pair of offsets: is ``data[a:b]`` one or more spaces (same item, words
        next to each other)? Checked on the first ``width`` bytes for all pairs at once; only
        the rare gaps longer than that, all spaces so far, are read further."""
        gap = b - a
        ok = gap >= 1
        if not ok.any():
            return ok
        idx = np.minimum(a[:, None] + np.arange(width), len(self.arr) - 1)
        inside = np.arange(width) < gap[:, None]
        ok &= np.all((self.arr[idx] == SPACE) | ~inside, axis=1)
        for i in np.flatnonzero(ok & (gap > width)).tolist():
            ok[i] = not bytes(self.data[int(a[i]) : int(b[i])]).strip(b" ")
        return ok

    def words_between(self, a: int, b: int) -> int | None:
        """Words strictly between offsets ``a`` and ``b`` of one item, ``None`` across items."""
        segment = bytes(self.data[a:b])
        if b"\x1e" in segment or b"\n" in segment:
            return None
        return len(segment.split())


# ---- the index ------------------------------------------------------------------------------

Source = Callable[[], Iterable[tuple[int, Record]]]


class Index:
    """The laid-out streams of a set of records, built stream by stream when first needed.

    :param ids: the store id of each row.
    :param years: publication year of each row (0 when unknown).
    :param streams: stream name -> :class:`Stream` (those laid out so far).
    :param source: gives the ``(id, record)`` pairs again, to lay out more streams later.
    :param key: what the index was built from (to know when it is stale).
    """

    def __init__(
        self,
        ids: np.ndarray,
        years: np.ndarray,
        streams: dict[str, Stream],
        source: Source | None = None,
        key: tuple = (),
        on_build: Callable[[dict[str, list]], None] | None = None,
    ):
        self._ids = ids
        self._years = years
        self.streams = streams
        self.source = source
        self.key = key
        self.on_build = on_build
        self.words: dict[str, WordIndex] = {}  # stream name -> its word index, once built

    @property
    def ids(self) -> np.ndarray:
        """The store id of each row."""
        if self._ids is None:
            self.ensure(())
        return self._ids

    @property
    def years(self) -> np.ndarray:
        """The publication year of each row (0 when unknown)."""
        if self._ids is None:
            self.ensure(())
        return self._years

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        records: Iterable[tuple[int, Record]],
        *,
        key: tuple = (),
        streams: Iterable[str] = STREAM_NAMES,
    ) -> Index:
        """Lay out ``(id, record)`` pairs now, for the given streams (all by default).

        :param records: the records with their store ids.
        :param key: what the index was built from (to know when it is stale).
        :param streams: the streams to lay out.
        """
        index = cls(np.zeros(0, np.int64), np.zeros(0, np.int32), {}, None, key)
        index._lay_out(records, tuple(streams), first=True)
        return index

    @classmethod
    def lazy(cls, source: Source, *, key: tuple = (), on_build=None) -> Index:
        """An index that lays out a stream the first time an equation needs it.

        :param source: called each time streams are laid out; yields ``(id, record)`` pairs in
            the same order every time.
        :param on_build: called with ``{"streams": [...]}`` after streams were laid out (to save
            them).
        """
        return cls(None, None, {}, source, key, on_build)  # type: ignore[arg-type]

    def ensure(self, names: Iterable[str]) -> None:
        """Lay out the streams in ``names`` that are not laid out yet (one pass for all)."""
        missing = tuple(n for n in dict.fromkeys(names) if n not in self.streams)
        if not missing and self._ids is not None:
            return
        if self.source is None:
            raise KeyError(f"stream(s) {', '.join(missing)} were not laid out")
        self._lay_out(self.source(), missing, first=self._ids is None)
        if self.on_build is not None:
            self.on_build({"streams": list(missing)})

    def _lay_out(self, records: Iterable[tuple[int, Record]], names: tuple[str, ...], first: bool):
        texts: dict[str, list] = {n: [] for n in names}
        out: dict[str, bytearray] = {n: bytearray() for n in names}
        starts: dict[str, list[np.ndarray]] = {n: [] for n in names}
        ids: list[int] = []
        years: list[int] = []
        count = 0

        def flush() -> None:
            for n in names:
                if n == "headings":
                    part = b"".join(texts[n])
                else:
                    part = clean_chunk(texts[n]) if texts[n] else b""
                found = np.flatnonzero(np.frombuffer(part, dtype=np.uint8) == RECORD)
                starts[n].append(found + len(out[n]))
                out[n] += part
                texts[n].clear()

        for record_id, record in records:
            if first:
                ids.append(record_id)
                years.append(record.year or 0)
            for n in names:
                texts[n].append(_headings(record) if n == "headings" else _raw(record, n))
            count += 1
            if count % CHUNK == 0:
                flush()
        flush()
        if first:
            self._ids = np.array(ids, dtype=np.int64)
            self._years = np.array(years, dtype=np.int32)
        elif count != self.size:
            raise ValueError(f"the records changed while laying out ({count} != {self.size})")
        for n in names:
            found = np.concatenate(starts[n] + [np.array([len(out[n])], dtype=np.int64)])
            out[n] += b"\n"
            if len(found) != count + 1:
                raise ValueError(f"stream {n}: {len(found) - 1} records laid out, not {count}")
            self.streams[n] = Stream(out[n], found.astype(np.int64))

    # ---- saving --------------------------------------------------------------------------

    def save(self, folder: str | Path, extra: dict[str, list[str]] | None = None) -> None:
        """Write ids, years, the laid-out streams (and string columns ``extra``) to ``folder``.

        Streams already in the folder for the same key are not written again.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / "index.json"
        current = _read_manifest(manifest)
        same = current is not None and tuple(current.get("key", ())) == tuple(self.key)
        written = set(current.get("streams", [])) if same else set()
        if not same:
            _atomic_save(folder / "rows.npz", ids=self.ids, years=self.years)
            for name, values in (extra or {}).items():
                _atomic_save(folder / f"x.{name}.npz", data=_pack(values))
        for name, stream in self.streams.items():
            if name in written:
                continue
            _atomic_save(folder / f"s.{name}.npz", starts=stream.starts)
            tmp = private_tmp(folder / f"s.{name}.bin")
            with open(tmp, "wb") as handle:
                handle.write(stream.data)
            os.replace(tmp, folder / f"s.{name}.bin")
            written.add(name)
        tmp = private_tmp(manifest)
        tmp.write_text(json.dumps({"key": list(self.key), "streams": sorted(written)}))
        os.replace(tmp, manifest)

    @classmethod
    def load(
        cls, folder: str | Path, source: Source | None = None, on_build=None
    ) -> tuple[Index, dict[str, list[str]]]:
        """Read an index written by :meth:`save` (streams memory-mapped) and its string columns.

        :raises ValueError: when the folder holds no complete index.
        """
        folder = Path(folder)
        manifest = _read_manifest(folder / "index.json")
        if manifest is None:
            raise ValueError(f"no search index in {folder}")
        with np.load(folder / "rows.npz") as rows:
            ids, years = rows["ids"], rows["years"]
        streams = {}
        for name in manifest["streams"]:
            with np.load(folder / f"s.{name}.npz") as s:
                starts = s["starts"]
            with open(folder / f"s.{name}.bin", "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            if len(data) != int(starts[-1]) + 1:
                raise ValueError(f"stream {name} is truncated")
            streams[name] = Stream(data, starts)
        extra = {}
        for path in folder.glob("x.*.npz"):
            with np.load(path) as x:
                extra[path.name[2:-4]] = _unpack(x["data"])
        index = cls(ids, years, streams, source, tuple(manifest["key"]), on_build)
        return index, extra

    # ---- word indexes ----------------------------------------------------------------------

    def _word_meta(self, name: str) -> tuple[str, dict]:
        """The tag and checked facts of the word index of one stream, for this key."""
        stream = self.streams[name]
        digest = hashlib.sha1(json.dumps([list(self.key), name]).encode()).hexdigest()[:12]
        meta = {
            "key": list(self.key),
            "records": stream.size,
            "bytes": len(stream.data),
            "layout": zlib.crc32(np.ascontiguousarray(stream.starts)),  # each record's length
        }
        return f"{name}.{digest}", meta

    def index_words(
        self,
        folder: str | Path,
        names: Iterable[str] | None = None,
        stop: threading.Event | None = None,
    ) -> list[str]:
        """Build the word index of laid-out streams (``names``, default all but the headings)
        that have none, into ``folder``, and use it from then on. Returns the streams built.

        :param folder: where the arrays are written (and memory-mapped from).
        :param stop: set it to abandon the build (raises ``BuildCancelled``).
        """
        from evimap.search import words

        wanted = list(names) if names is not None else list(self.streams)
        built = []
        for name in wanted:
            if name == "headings" or name in self.words or name not in self.streams:
                continue
            tag, meta = self._word_meta(name)
            self.words[name] = words.build(self.streams[name], folder, tag, meta, stop)
            built.append(name)
        return built

    def load_words(self, folder: str | Path) -> list[str]:
        """Use the word indexes in ``folder`` built for these streams' bytes (others are
        ignored). Returns the streams that have one."""
        from evimap.search import words

        for name in self.streams:
            if name in self.words or name == "headings":
                continue
            tag, meta = self._word_meta(name)
            with contextlib.suppress(ValueError, OSError):
                self.words[name] = words.load(folder, tag, meta)
        return sorted(self.words)

    # ---- vocabulary ----------------------------------------------------------------------

    def expand(self, pattern: str, streams: Iterable[str] | None = None) -> list[str]:
        """The distinct words of the records matching a folded word pattern, sorted
        (``repair*`` -> ``["repair", "repaired", "repairs"]``)."""
        names = list(streams or ("title", "abstract", "keywords", "subject"))
        self.ensure(names)
        found: set[str] = set()
        for name in names:
            stream = self.streams[name]
            words = self.words.get(name)
            if words is not None and not word_regex(pattern).fullmatch(b""):
                vocab = words.vocab
                found.update(vocab[i].decode("utf-8") for i in words.word_ids(pattern).tolist())
                continue
            starts, ends = stream.word(pattern)
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                found.add(bytes(stream.data[s:e]).decode("utf-8"))
        return sorted(found)


def _read_manifest(path: Path) -> dict | None:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "key" in data and "streams" in data:
            return data
    return None


def private_tmp(path: str | Path) -> Path:
    """A temporary name beside ``path`` that no other writer uses (process, thread and a
    random part): two runs saving the same cache at once (two CLI calls, the web app beside
    the CLI) each write their own file and rename it into place, so neither truncates or
    renames a file the other is writing."""
    mine = f"{os.getpid()}-{threading.get_ident()}-{os.urandom(4).hex()}"
    return Path(f"{path}.{mine}.tmp")


def _atomic_save(path: Path, **arrays: np.ndarray) -> None:
    tmp = private_tmp(path)
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(tmp, path)


_SEP = "\x1f"


def _pack(values: list[str]) -> np.ndarray:
    text = "".join(_SEP + (v or "") for v in values)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def _unpack(data: np.ndarray) -> list[str]:
    return data.tobytes().decode("utf-8").split(_SEP)[1:]


@functools.lru_cache(maxsize=4096)
def word_regex(pattern: str) -> re.Pattern[bytes]:
    """A bytes regex for one folded word with canonical wildcards: ``*`` any number of
    characters, ``?`` exactly one, ``$`` zero or one."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(_WORD_CLASS + b"*")
        elif ch == "?":
            out.append(_ONE_CHAR)
        elif ch == "$":
            out.append(_ONE_CHAR + b"?")
        else:
            out.append(re.escape(ch.encode("utf-8")))
    return re.compile(b"".join(out))


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A text regex for a folded word with canonical wildcards: ``*`` any, ``?`` one, ``$`` 0-1."""
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
