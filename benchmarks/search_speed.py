"""Search speed and memory: a per-record regex scan against evimap's index, at several sizes.

Builds N records by recombining the titles, abstracts and keywords of the screening datasets in
../shared/data/screening (each record: one dataset record's title and keywords, its abstract
with one sentence swapped in from another record; the same N records for a seed, generated as
they are read, so no process holds them all). For each size it runs, each in its own process so
that peak memory is that approach's alone:

1. the scan (baseline): one compiled regex per term or phrase, walked per record with
   short-circuit AND/OR, on text folded beforehand (folding is not counted against it; each
   regex starts with its literal prefix so the regex engine can skip ahead); the folded texts
   stay in memory so the edited equation is scanned again the same way (equations are parsed
   before the clocks start, in both);
2. evimap's first run: laying out the records' text and evaluating the equation (the time spent
   generating the records is measured and left out, as the scan's folding is);
3. evimap's re-run after editing one term (only the new word is searched, the other leaves come
   from the cache), and the same re-run on a cold matcher (index kept, no leaf cache).

It prints one table (time, and peak resident memory of each process) and asserts that evimap's
matches are the scan's, record by record, for both equations.

Usage: python benchmarks/search_speed.py [--records 20000,100000,1000000] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from evimap.records import Record
from evimap.search import parse
from evimap.search.evaluate import Matcher
from evimap.search.index import Index, fold, query_tokens
from evimap.search.tree import And, Node, Not, Or, Phrase, Term

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "screening"

EQUATION = (
    '("rupture repair" OR "rupture resolutions" OR "rupture repair process" OR "alliance repair"'
    ' OR "therapeutic alliance repair" OR "relationship repair" OR "therapeutic repair" OR'
    ' repair* OR "rupture resolution strategies") AND (psychotherapy OR therapy OR treatment OR'
    ' intervention OR "clinical practice" OR "psychotherapeutic treatment" OR'
    ' "psychotherapeutic intervention" OR "psychotherapeutic process")'
)
EDITED = EQUATION.replace('"rupture resolutions"', "resolution*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def load_pool() -> list[tuple[str, str, list[str]]]:
    """(title, abstract, keywords) of every screening-dataset record with a title."""
    if not DATA.exists():
        sys.exit(f"real data not found: {DATA}")
    pool = []
    for path in sorted(DATA.rglob("*.csv")):
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.DictReader(handle):
                title = (row.get("title") or "").strip()
                if not title:
                    continue
                keywords = [k.strip() for k in (row.get("keywords") or "").split(";") if k.strip()]
                pool.append((title, (row.get("abstract") or "").strip(), keywords))
    return pool


class Records:
    """N records recombined from the pool, reproducibly, generated each time they are read;
    ``spent`` is the time spent generating them."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed = n, seed
        self.pool = load_pool()
        self.sentences = [_SENTENCE.split(a) for _, a, _ in self.pool]
        self.spent = 0.0

    def __iter__(self) -> Iterator[Record]:
        rng = random.Random(self.seed)
        pool, sentences, clock = self.pool, self.sentences, time.perf_counter
        for _ in range(self.n):
            t = clock()
            i, j = rng.randrange(len(pool)), rng.randrange(len(pool))
            title, _, keywords = pool[i]
            mine, theirs = list(sentences[i]), sentences[j]
            if theirs and theirs[0]:
                swap = rng.choice(theirs)
                if mine and mine[0]:
                    mine[rng.randrange(len(mine))] = swap
                else:
                    mine = [swap]
            record = Record(title=title, abstract=" ".join(mine), keywords=keywords)
            self.spent += clock() - t
            yield record


# ---- the baseline ---------------------------------------------------------------------------


def _word_regex(word: str) -> str:
    return "".join({"*": r"\w*", "?": r"\w", "$": r"\w?"}.get(ch, re.escape(ch)) for ch in word)


def leaf_regex(node: Term | Phrase) -> re.Pattern[str]:
    """``\\bword\\b`` regex of a term or phrase (words joined by non-word characters).

    Written with its literal prefix first and the left word boundary as a lookbehind after it
    (``repair(?<!\\wrepair)\\w*\\b``), which lets Python's regex engine jump to candidate
    positions: about 15x faster than a leading ``\\b``, so the baseline is not a straw man.
    """
    words = [node.text] if isinstance(node, Term) else list(node.words)
    parts = [_word_regex(t) for w in words for t in query_tokens(w)]
    body = r"\W+".join(parts) + r"\b"
    first = query_tokens(words[0])[0]
    literal = re.match(r"[^*?$]*", first).group()
    if not literal:
        return re.compile(r"\b" + body)
    lit = re.escape(literal)
    return re.compile(lit + rf"(?<!\w{lit})" + body[len(_word_regex(literal)) :])


def baseline(tree: Node, folded: list[list[str]]) -> np.ndarray:
    """Match every record by walking the tree with one regex search per term."""
    regexes: dict[Node, re.Pattern[str]] = {}
    for node in tree.walk():
        if isinstance(node, Term | Phrase):
            regexes[node] = leaf_regex(node)

    def match(node: Node, texts: list[str]) -> bool:
        if isinstance(node, Term | Phrase):
            search = regexes[node].search
            return any(search(t) for t in texts)
        if isinstance(node, And):
            return all(match(c, texts) for c in node.items)
        if isinstance(node, Or):
            return any(match(c, texts) for c in node.items)
        if isinstance(node, Not):
            return match(node.include, texts) and not match(node.exclude, texts)
        raise TypeError(node)

    return np.fromiter((match(tree, texts) for texts in folded), dtype=bool, count=len(folded))


# ---- the two workers, each in its own process ------------------------------------------------


def scan_worker(n: int, seed: int, out: Path) -> None:
    # "_" -> " " makes the regex \w the same word characters as the index's
    folded = [
        [fold(t).replace("_", " ") for t in (r.title, r.abstract, *r.keywords)]
        for r in Records(n, seed)
    ]
    tree, edited_tree = parse(EQUATION), parse(EDITED)
    t = time.perf_counter()
    first = baseline(tree, folded)
    first_time = time.perf_counter() - t
    t = time.perf_counter()
    edited = baseline(edited_tree, folded)
    edited_time = time.perf_counter() - t
    np.savez(out, first=first, edited=edited, times=np.array([first_time, edited_time, 0.0]))


def evimap_worker(n: int, seed: int, out: Path) -> None:
    records = Records(n, seed)
    index = Index.lazy(lambda: enumerate(records))
    matcher = Matcher(index)
    tree, edited_tree = parse(EQUATION), parse(EDITED)
    t = time.perf_counter()
    first = matcher.mask(tree)
    first_time = time.perf_counter() - t - records.spent
    t = time.perf_counter()
    edited = matcher.mask(edited_tree)
    edited_time = time.perf_counter() - t
    t = time.perf_counter()
    cold = Matcher(index).mask(edited_tree)
    cold_time = time.perf_counter() - t
    assert np.array_equal(cold, edited)
    np.savez(out, first=first, edited=edited, times=np.array([first_time, edited_time, cold_time]))


def in_process(worker, n: int, seed: int, folder: Path) -> tuple[dict, float]:
    """Run ``worker`` in a forked process; its results and its peak resident memory (GiB)."""
    out = folder / f"{worker.__name__}-{n}.npz"
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            worker(n, seed, out)
        except BaseException:  # report in the parent, never return into its code
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{worker.__name__} failed at {n:,} records")
    with np.load(out) as data:
        result = {k: data[k] for k in data.files}
    return result, usage.ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="20000,100000,1000000")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    sizes = [int(x) for x in args.records.split(",")]
    # the parent's own size, inherited by each fork (its pages count in the child's peak)
    print(f"parent process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            scan, scan_mem = in_process(scan_worker, n, args.seed, folder)
            ours, our_mem = in_process(evimap_worker, n, args.seed, folder)
            assert np.array_equal(ours["first"], scan["first"]), f"first run differs at {n}"
            assert np.array_equal(ours["edited"], scan["edited"]), f"re-run differs at {n}"
            s_first, s_edit, _ = scan["times"].tolist()
            e_first, e_edit, e_cold = ours["times"].tolist()
            rows.append((n, s_first, s_edit, scan_mem, e_first, e_edit, e_cold, our_mem))
            print(
                f"{n:>9,} records: scan {s_first:.2f} s / edited {s_edit:.2f} s, peak "
                f"{scan_mem:.2f} GiB | evimap first run {e_first:.2f} s, re-run {e_edit:.3f} s "
                f"(cold {e_cold:.3f} s), peak {our_mem:.2f} GiB | identical: "
                f"{int(ours['first'].sum()):,} and {int(ours['edited'].sum()):,} matches",
                flush=True,
            )
    print()
    print(
        "| records | scan | scan, edited | scan peak | evimap first run | first run / scan "
        "| re-run after edit | re-run, cold cache | evimap peak |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, s1, s2, sm, e1, e2, e3, em in rows:
        print(
            f"| {n:,} | {s1:.2f} s | {s2:.2f} s | {sm:.2f} GiB | {e1:.2f} s | {e1 / s1:.2f}x "
            f"| {e2 * 1000:.1f} ms | {e3 * 1000:.1f} ms | {em:.2f} GiB |"
        )


if __name__ == "__main__":
    main()
