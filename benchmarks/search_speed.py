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
3. evimap's re-run after editing one term before the word index exists (one pass over the text
   for the new word, the other leaves from the cache);
4. the word index, built in a thread after the first run has answered (as ``search run`` does);
5. the re-run after editing the term with the word index ready (the new word looked up), the
   same with no leaf results cached, and the same in a new process (laid-out text and word
   index mapped from the cache folder, loading counted; its own peak memory).

It prints one table (time, and peak resident memory of each process: evimap's after its first
run, and after the word index was built in the same process) and the load average, and asserts
that evimap's matches are the scan's, record by record, for both equations, with and without
the word index.

Each size runs three times up to 100,000 records (once above; ``--repeat N``), the scan and
evimap alternated; times are medians, peaks the highest.

Usage: python benchmarks/search_speed.py [--records 20000,100000,1000000] [--seed S] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
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
    folder = out.with_suffix(".cache")
    index = Index.lazy(lambda: enumerate(records))
    matcher = Matcher(index)
    tree, edited_tree = parse(EQUATION), parse(EDITED)
    t = time.perf_counter()
    first = matcher.mask(tree)
    first_time = time.perf_counter() - t - records.spent
    first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    # without the word index (while it is not built yet): one pass over the text per new word
    t = time.perf_counter()
    no_words = matcher.mask(edited_tree)
    no_words_time = time.perf_counter() - t
    # the word index, built in a thread after the answer, as `search run` does
    t = time.perf_counter()
    builder = threading.Thread(target=index.index_words, args=(folder,))
    builder.start()
    builder.join()
    build_time = time.perf_counter() - t
    # re-run after editing a term, the index ready (leaf results of the first equation cached)
    ready = Matcher(index)
    ready.mask(tree)
    t = time.perf_counter()
    edited = ready.mask(edited_tree)
    edited_time = time.perf_counter() - t
    # the same process, no leaf results cached (the word index's looked-up rows dropped too)
    for words in index.words.values():
        words._cache.clear()
    t = time.perf_counter()
    no_cache = Matcher(index).mask(edited_tree)
    no_cache_time = time.perf_counter() - t
    # cold: what a new process does (streams and word index mapped from the cache folder)
    index.save(folder)
    cold, cold_time, cold_peak = cold_run(folder, out.with_suffix(".cold.npz"))
    assert np.array_equal(cold, edited) and np.array_equal(no_words, edited)
    assert np.array_equal(no_cache, edited)
    times = [first_time, edited_time, cold_time, no_words_time, build_time, first_peak]
    times += [cold_peak, no_cache_time]
    np.savez(out, first=first, edited=edited, times=np.array(times))


def cold_run(folder: Path, out: Path) -> tuple[np.ndarray, float, float]:
    """Run the edited equation in a new Python process on the index saved in ``folder``
    (loading the index counted, starting Python not): its matches, time and peak resident
    memory (GiB)."""
    done = subprocess.run(
        [sys.executable, __file__, "--cold", str(folder), "--out", str(out)], check=False
    )
    if done.returncode != 0:
        sys.exit("the cold run failed")
    with np.load(out) as data:
        found, (took, peak) = data["found"], data["times"].tolist()
    return found, took, peak


def cold_worker(folder: Path, out: Path) -> None:
    tree = parse(EDITED)
    t = time.perf_counter()
    loaded, _ = Index.load(folder)
    loaded.load_words(folder)
    found = Matcher(loaded).mask(tree)
    took = time.perf_counter() - t
    # this process's own high-water mark (ru_maxrss would include the forking parent's pages)
    with open("/proc/self/status") as handle:
        peak = next(int(x.split()[1]) for x in handle if x.startswith("VmHWM:")) / 1024 / 1024
    np.savez(out, found=found, times=np.array([took, peak]))


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
    parser.add_argument(
        "--repeat", type=int, default=0, help="runs per size (default: 3 up to 100k, else 1)"
    )
    parser.add_argument("--cold", type=Path, help=argparse.SUPPRESS)  # the cold run's process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        cold_worker(args.cold, args.out)
        return
    sizes = [int(x) for x in args.records.split(",")]
    # the parent's own size, inherited by each fork (its pages count in the child's peak)
    print(f"parent process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            repeats = args.repeat if args.repeat else (3 if n <= 100_000 else 1)
            scans, runs = [], []
            for _ in range(repeats):  # alternated, so both see the same load
                scans.append(in_process(scan_worker, n, args.seed, folder))
                runs.append(in_process(evimap_worker, n, args.seed, folder))
            for (scan, _), (ours, _) in zip(scans, runs, strict=True):
                assert np.array_equal(ours["first"], scan["first"]), f"first run differs at {n}"
                assert np.array_equal(ours["edited"], scan["edited"]), f"re-run differs at {n}"
            # medians of the times, the highest peaks
            s_first, s_edit, _ = np.median([x["times"] for x, _ in scans], axis=0).tolist()
            scan_mem = max(m for _, m in scans)
            e_first, e_edit, e_cold, e_scan, e_build, e_peak1, e_cold_mem, e_nocache = np.median(
                [x["times"] for x, _ in runs], axis=0
            ).tolist()
            e_peak1 = max(float(x["times"][5]) for x, _ in runs)
            e_cold_mem = max(float(x["times"][6]) for x, _ in runs)
            our_mem = max(m for _, m in runs)
            rows.append(
                (n, s_first, s_edit, scan_mem, e_first, e_edit, e_nocache, e_cold, e_scan)
                + (e_build, e_peak1, our_mem, e_cold_mem)
            )
            print(
                f"{n:>9,} records: scan {s_first:.2f} s / edited {s_edit:.2f} s, peak "
                f"{scan_mem:.2f} GiB | evimap first run {e_first:.2f} s (peak {e_peak1:.2f} GiB),"
                f" re-run without word index {e_scan:.3f} s, word index built in {e_build:.1f} s,"
                f" re-run {e_edit:.3f} s (no leaf cache {e_nocache:.3f} s, new process "
                f"{e_cold:.3f} s, peak {e_cold_mem:.2f} GiB), peak "
                f"{our_mem:.2f} GiB | "
                f"identical: {int(ours['first'].sum()):,} and {int(ours['edited'].sum()):,}"
                " matches",
                flush=True,
            )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(
        "| records | scan | scan, edited | scan peak | evimap first run | first run / scan "
        "| re-run after edit, no word index | word index build (after the answer) "
        "| re-run after edit, index ready | the same, no leaf cache | the same, new process "
        "| evimap peak, first run "
        "| evimap peak, with the build | cold process peak |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, s1, s2, sm, e1, e2, e6, e3, e4, e5, ep, em, cm in rows:
        print(
            f"| {n:,} | {s1:.2f} s | {s2:.2f} s | {sm:.2f} GiB | {e1:.2f} s | {e1 / s1:.2f}x "
            f"| {e4 * 1000:.0f} ms | {e5:.1f} s | {e2 * 1000:.1f} ms | {e6 * 1000:.1f} ms "
            f"| {e3 * 1000:.1f} ms "
            f"| {ep:.2f} GiB | {em:.2f} GiB | {cm:.2f} GiB |"
        )


if __name__ == "__main__":
    main()
