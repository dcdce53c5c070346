"""A word index of one laid-out stream: each distinct word -> the records that hold it.

Built from the stream's bytes after the first run has answered (never on its critical path),
kept as flat files in the review's cache folder, so a later run looks a new word up instead of
searching the whole stream for it. It holds no positions: phrases and proximity are checked on
the bytes of the candidate records only (the records that hold every word), by the same code
that searches the whole stream, so the results are the same.

A *word* is a maximal run of word bytes of the stream (ASCII letters and digits, and the UTF-8
bytes of the letters and digits left after folding), exactly what the stream search finds at
word boundaries. So the records of a word, of a truncation (``repair*``: a range of the sorted
vocabulary) or of a pattern with other wildcards (the vocabulary filtered by the same regex)
are exactly those the stream search finds.

Files in the folder, per stream (``w.<stream>.<tag>.*``, where ``tag`` names the index key the
stream was laid out for, so a builder that finishes after the records changed never writes
files a newer index would read):

- ``vocab.bin``: the sorted words, each followed by ``\\n``; ``voff.bin``: int64 offset of each
  word in it (and of the end);
- ``rows.bin``: int32 record rows, word after word in vocabulary order, each word's sorted;
  ``woff.bin``: int64 offset of each word's rows (and of the end), so the rows of a word, or of
  a truncation, are one read;
- ``words.json``: written last, with the sizes, the key and the stream's length, so an index
  that is incomplete, or built for other bytes, is never used.

Rows are read with ``pread`` rather than mapped: a process that looks up a few words keeps
only those rows in memory. Building takes a window of records at a time (a *segment*: its
distinct (word, record) pairs, sorted), then merges the segments into the word order a block
of words at a time, so its memory stays a few tens of MB whatever the stream's size.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import threading
from pathlib import Path

import numpy as np

from evimap.search.index import Stream, private_tmp, word_regex

WINDOW = 2 * 1024 * 1024  # bytes of records tokenised at a time
BLOCK = 4 * 1024 * 1024  # rows merged at a time
FILES = ("vocab", "voff", "rows", "woff")


_SEEK_LOCK = threading.Lock()


def _pread(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` of a file, without moving a shared file position."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    with _SEEK_LOCK:  # no pread (Windows): seek and read under a lock
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)


class BuildCancelled(Exception):
    """The build was asked to stop (the records changed, or the process is ending)."""


class _Vocab:
    """The sorted words as a sequence for :mod:`bisect` (read from the ``vocab`` blob)."""

    def __init__(self, blob, offsets: np.ndarray):
        self.blob = blob
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return bytes(self.blob[int(self.offsets[i]) : int(self.offsets[i + 1]) - 1])


class WordIndex:
    """Word -> record rows for one stream.

    :param prefix: the files' common path (``.../w.<tag>``).
    :param records: how many records the stream holds.
    """

    def __init__(self, prefix: str, records: int):
        with open(f"{prefix}.vocab.bin", "rb") as handle:
            blob = handle.read()
        self.vocab = _Vocab(blob, np.fromfile(f"{prefix}.voff.bin", dtype=np.int64))
        self.woff = np.fromfile(f"{prefix}.woff.bin", dtype=np.int64)
        self._rows_file = open(f"{prefix}.rows.bin", "rb")  # noqa: SIM115 (kept open)
        self.records = records
        self._cache: dict[str, np.ndarray] = {}

    @property
    def size(self) -> int:
        """Distinct words."""
        return len(self.vocab)

    def close(self) -> None:
        self._rows_file.close()

    def word_ids(self, pattern: str) -> np.ndarray:
        """Sorted ids of the vocabulary's words matching a folded word pattern."""
        cut = min((pattern.find(c) for c in "*?$" if c in pattern), default=len(pattern))
        literal = pattern[:cut].encode("utf-8")
        if cut == len(pattern):
            i = bisect.bisect_left(self.vocab, literal)
            found = i < len(self.vocab) and self.vocab[i] == literal
            return np.array([i] if found else [], dtype=np.int64)
        lo = bisect.bisect_left(self.vocab, literal) if literal else 0
        hi = bisect.bisect_left(self.vocab, literal + b"\xff") if literal else len(self.vocab)
        if lo >= hi or pattern == pattern[:cut] + "*":
            return np.arange(lo, hi, dtype=np.int64)
        # other wildcards: the same regex the stream search applies, over the range's words
        offsets = self.vocab.offsets
        a, b = int(offsets[lo]), int(offsets[hi])
        regex = re.compile(rb"(?m)^(?:" + word_regex(pattern).pattern + rb")$")
        starts = np.fromiter((m.start() for m in regex.finditer(self.vocab.blob, a, b)), np.int64)
        return np.searchsorted(offsets, starts)

    def rows(self, pattern: str) -> np.ndarray:
        """Sorted rows of the records holding a word matching ``pattern`` (cached by pattern)."""
        found = self._cache.get(pattern)
        if found is None:
            found = self._rows(self.word_ids(pattern))
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[pattern] = found
        return found

    def _read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the rows file."""
        if stop <= start:
            return np.zeros(0, np.int32)
        data = _pread(self._rows_file.fileno(), (stop - start) * 4, start * 4)
        if len(data) != (stop - start) * 4:
            raise ValueError("the word index's rows file is truncated")
        return np.frombuffer(data, dtype=np.int32)

    def _rows(self, wanted: np.ndarray) -> np.ndarray:
        if not len(wanted):
            return np.zeros(0, np.int64)
        lo, hi = int(wanted[0]), int(wanted[-1]) + 1
        if hi - lo == len(wanted):  # a range of the vocabulary: one read
            rows = self._read(int(self.woff[lo]), int(self.woff[hi]))
        else:
            rows = np.concatenate(
                [self._read(int(self.woff[i]), int(self.woff[i + 1])) for i in wanted.tolist()]
            )
        rows = rows.astype(np.int64)
        return distinct(rows) if len(wanted) > 1 else rows


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` hashes, which is slower for many integers)."""
    values = np.sort(values)
    if len(values):
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


# ---- building ---------------------------------------------------------------------------------


# the stream's non-word bytes (space, record and item separators) all as spaces, so that the
# words are exactly the runs between ASCII whitespace
_SPACES = bytes(0x20 if b in (0x0A, 0x1E) else b for b in range(256))


class _Vocabulary(dict):
    """Word -> id, a new word getting the next id."""

    def __missing__(self, word: bytes) -> int:
        self[word] = found = len(self)
        return found


def _split(words) -> list[bytes]:
    """An arrow array of words as Python bytes: the words' bytes with a space after each, split
    once (no object made per token)."""
    n = len(words)
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int64)[words.offset : words.offset + n + 1]
    data = np.frombuffer(words.buffers()[2], dtype=np.uint8)
    first, last = int(offsets[0]), int(offsets[-1])
    out = np.full(last - first + n, 0x20, np.uint8)
    out[np.arange(last - first) + np.repeat(np.arange(n), np.diff(offsets))] = data[first:last]
    return out.tobytes().split(b" ")[:n]


def _segment(window: bytes, record_starts: np.ndarray, vocab: _Vocabulary) -> np.ndarray:
    """The distinct ``(word id, row)`` pairs of a window of records, as ``id * rows + row``
    (``row`` counted in the window), sorted; new words get the next ids in ``vocab``.

    :param window: the records' bytes, the record separator first.
    :param record_starts: offset of each record in ``window``, then its length.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pool = pa.system_memory_pool()  # returns freed memory (the default pool keeps it)
    count = len(record_starts) - 1
    text = pa.LargeStringArray.from_buffers(
        count,
        pa.py_buffer(record_starts.astype(np.int64)),
        pa.py_buffer(window.translate(_SPACES)),
    )
    lists = pc.ascii_split_whitespace(text, memory_pool=pool)
    parents = pc.list_parent_indices(lists, memory_pool=pool).to_numpy()
    encoded = pc.dictionary_encode(lists.flatten(), memory_pool=pool)
    # the window's distinct words -> global ids (one join, one split: no object per token)
    found = _split(encoded.dictionary.cast(pa.large_binary(), memory_pool=pool))
    local = np.fromiter(map(vocab.__getitem__, found), np.int64, len(found))
    with contextlib.suppress(ValueError):  # the split's blank, at leading/trailing separators
        local[found.index(b"")] = -1
    ids = local[encoded.indices.to_numpy()]
    keep = ids >= 0
    return distinct(ids[keep] * count + parents[keep])


def _merge(
    tmp: dict[str, Path],
    segments: list[tuple[int, int, int]],
    rank: np.ndarray,
    totals: np.ndarray,
    stop: threading.Event | None,
) -> None:
    """Write ``rows`` in word order from the segments' runs, and ``woff``.

    :param tmp: the temporary files (``seg.rows``, ``seg.ids``, ``seg.counts`` in; ``rows``,
        ``woff`` out).
    :param segments: each segment's first entry, its number of entries and its first row.
    :param rank: a word's first id -> its sorted id.
    :param totals: rows of each word (by first id).
    """
    by_rank = np.zeros(len(rank), np.int64)
    by_rank[rank[rank >= 0]] = totals[rank >= 0]
    vocab_size = int((rank >= 0).sum())
    woff = np.concatenate(([0], np.cumsum(by_rank[:vocab_size]))).astype(np.int64)
    woff.tofile(tmp["woff"])
    fds = {n: os.open(tmp[n], os.O_RDONLY) for n in ("seg.rows", "seg.ids", "seg.counts")}

    def read(name: str, dtype, start: int, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize
        return np.frombuffer(_pread(fds[name], count * size, start * size), dtype=dtype)

    try:
        # each segment re-sorted by the words' sorted ids (rows and entries), once
        with (
            open(f"{tmp['seg.rows']}.2", "wb") as rows_out,
            open(f"{tmp['seg.ids']}.2", "wb") as ids_out,
            open(f"{tmp['seg.counts']}.2", "wb") as counts_out,
        ):
            for first, size, row0 in segments:
                ids = rank[read("seg.ids", np.int32, first, size)]
                counts = read("seg.counts", np.int32, first, size).astype(np.int64)
                ends = np.cumsum(counts)
                rows = read("seg.rows", np.int32, row0, int(ends[-1]) if size else 0)
                order = np.argsort(ids, kind="stable")
                begin = np.repeat(ends[order] - counts[order], counts[order])
                rows_out.write(rows[begin + _ramp(counts[order])].tobytes())
                ids_out.write(ids[order].astype(np.int32).tobytes())
                counts_out.write(counts[order].astype(np.int32).tobytes())
        for name in ("seg.rows", "seg.ids", "seg.counts"):
            os.close(fds[name])
            os.replace(f"{tmp[name]}.2", tmp[name])
            fds[name] = os.open(tmp[name], os.O_RDONLY)
        # then word blocks: every segment's runs of those words, placed in word order
        heads = [0] * len(segments)  # entries of each segment already merged
        row_heads = [row0 for _, _, row0 in segments]
        with open(tmp["rows"], "wb") as rows_out:
            w0 = 0
            while w0 < vocab_size:
                if stop is not None and stop.is_set():
                    raise BuildCancelled()
                w1 = int(np.searchsorted(woff, woff[w0] + BLOCK, side="right")) - 1
                w1 = min(max(w1, w0 + 1), vocab_size)
                base = int(woff[w0])
                out = np.empty(int(woff[w1]) - base, np.int32)
                cursor = woff[w0:w1] - base
                for k, (first, size, _) in enumerate(segments):
                    i0 = heads[k]
                    if i0 >= size:
                        continue
                    ids = read("seg.ids", np.int32, first + i0, size - i0)  # not merged yet
                    i1 = i0 + int(np.searchsorted(ids, w1, side="left"))
                    if i1 <= i0:
                        continue
                    local = ids[: i1 - i0].astype(np.int64) - w0
                    counts = read("seg.counts", np.int32, first + i0, i1 - i0).astype(np.int64)
                    total = int(counts.sum())
                    rows = read("seg.rows", np.int32, row_heads[k], total)
                    dest = cursor[local]
                    cursor[local] += counts
                    out[np.repeat(dest, counts) + _ramp(counts)] = rows
                    heads[k], row_heads[k] = i1, row_heads[k] + total
                rows_out.write(out.tobytes())
                w0 = w1
    finally:
        for fd in fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)


def _give_back() -> None:
    """Return the heap memory freed by the last phase to the system (glibc keeps freed blocks
    of a few MB for reuse; the build runs beside the laid-out text, so its peak counts)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... counts[0]-1, 0, 1, ... counts[1]-1, ...: each run's offsets."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return np.arange(total) - np.repeat(starts, counts)


def build(
    stream: Stream,
    folder: str | Path,
    tag: str,
    meta: dict,
    stop: threading.Event | None = None,
) -> WordIndex:
    """Build the word index of ``stream`` into ``folder`` and return it.

    :param stream: the laid-out stream.
    :param folder: where to write it (created if needed).
    :param tag: the stream's name and key, part of every file name.
    :param meta: written into ``words.json`` (checked when the index is loaded).
    :param stop: set it to abandon the build (:class:`BuildCancelled`; files are removed).
    :raises BuildCancelled: when ``stop`` was set.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / f"w.{tag}"
    names = (*FILES, "seg.rows", "seg.ids", "seg.counts")
    # temporary files of this build only: two builds of one index at once (two runs, two
    # processes) each write their own and rename them into place; the finished files of two
    # builds of one tag hold the same bytes, so a reader meets one or the other, whole
    tmp = {name: private_tmp(f"{prefix}.{name}.bin") for name in names}
    vocab = _Vocabulary()
    totals = np.zeros(0, np.int64)
    data, starts = stream.data, stream.starts
    view = memoryview(data)
    total_records = len(starts) - 1
    segments: list[tuple[int, int, int]] = []
    entries = rows_written = 0
    try:
        with (
            open(tmp["seg.rows"], "wb") as rows_out,
            open(tmp["seg.ids"], "wb") as ids_out,
            open(tmp["seg.counts"], "wb") as counts_out,
        ):
            row = 0
            while row < total_records:
                if stop is not None and stop.is_set():
                    raise BuildCancelled()
                stop_row = int(np.searchsorted(starts, starts[row] + WINDOW, side="right")) - 1
                stop_row = min(max(stop_row, row + 1), total_records)
                a, b = int(starts[row]), int(starts[stop_row])
                count = stop_row - row
                pairs = _segment(bytes(view[a:b]), starts[row : stop_row + 1] - a, vocab)
                gids, rows = np.divmod(pairs, count)
                heads = np.flatnonzero(np.concatenate(([True], gids[1:] != gids[:-1])))
                if not len(gids):
                    heads = heads[:0]
                counts = np.diff(np.concatenate((heads, [len(gids)])))
                if len(totals) < len(vocab):
                    totals = np.concatenate((totals, np.zeros(len(vocab) * 2, np.int64)))
                totals[gids[heads]] += counts
                ids_out.write(gids[heads].astype(np.int32).tobytes())
                counts_out.write(counts.astype(np.int32).tobytes())
                rows_out.write((rows + row).astype(np.int32).tobytes())
                segments.append((entries, len(heads), rows_written))
                entries += len(heads)
                rows_written += len(rows)
                row = stop_row
        view.release()
        _give_back()
        # number the words in sorted order, so a truncation is a range of ids
        blank = vocab.pop(b"", None)  # the split's blanks, never a word
        rank = np.full(len(vocab) + (blank is not None), -1, np.int64)
        sorted_words = sorted(vocab)
        rank[np.fromiter(map(vocab.__getitem__, sorted_words), np.int64, len(vocab))] = np.arange(
            len(vocab)
        )
        del vocab
        with open(tmp["vocab"], "wb") as handle:
            for i in range(0, len(sorted_words), 65536):
                handle.write(b"".join(w + b"\n" for w in sorted_words[i : i + 65536]))
        lengths = np.fromiter(map(len, sorted_words), np.int64, len(sorted_words)) + 1
        np.concatenate(([0], np.cumsum(lengths))).astype(np.int64).tofile(tmp["voff"])
        vocab_size = len(sorted_words)
        del sorted_words, lengths
        _merge(tmp, segments, rank, totals[: len(rank)], stop)
        _give_back()
        for name in FILES:
            os.replace(tmp[name], f"{prefix}.{name}.bin")
        manifest = dict(meta, tag=tag, vocab=vocab_size, rows=rows_written)
        manifest_tmp = private_tmp(f"{prefix}.words.json")
        manifest_tmp.write_text(json.dumps(manifest))
        os.replace(manifest_tmp, f"{prefix}.words.json")
    except BaseException:
        for path in tmp.values():
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        for name in ("seg.rows", "seg.ids", "seg.counts"):
            with contextlib.suppress(OSError):
                tmp[name].unlink()
    return load(folder, tag, meta)


def load(folder: str | Path, tag: str, meta: dict) -> WordIndex:
    """The word index built by :func:`build` with this tag.

    :raises ValueError: when it is missing, incomplete, or was built for other bytes (its
        ``words.json`` does not hold ``meta``).
    """
    prefix = Path(folder) / f"w.{tag}"
    try:
        manifest = json.loads(Path(f"{prefix}.words.json").read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"no word index {tag}") from exc
    if any(manifest.get(k) != v for k, v in meta.items()):
        raise ValueError(f"word index {tag} was built for other records")
    vocab, rows = manifest["vocab"], manifest["rows"]
    sizes = {"voff": (vocab + 1) * 8, "woff": (vocab + 1) * 8, "rows": rows * 4}
    try:
        for name, size in sizes.items():
            if Path(f"{prefix}.{name}.bin").stat().st_size != size:
                raise ValueError(f"word index {tag}: {name} is truncated")
        index = WordIndex(str(prefix), int(meta.get("records", 0)))
    except OSError as exc:
        raise ValueError(f"word index {tag} is incomplete") from exc
    if int(index.vocab.offsets[-1]) != len(index.vocab.blob) or index.woff[-1] != rows:
        index.close()
        raise ValueError(f"word index {tag}: vocab is truncated")
    return index
