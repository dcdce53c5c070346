"""Search speed: a per-record regex baseline against evimap's index, on ~1M real-text records.

Builds N records (default 1,000,000) by recombining the titles, abstracts and keywords of the
screening datasets in ../shared/data/screening (each record: one dataset record's title and
keywords, its abstract with one sentence swapped in from another record). Then prints, in one
run:

1. the baseline: a straightforward per-record evaluation, one compiled regex per term or phrase,
   walking the query tree for every record with short-circuit AND/OR (written here, on text
   folded beforehand, so folding is not counted against it; each regex starts with its literal
   prefix so the regex engine can skip ahead);
2. evimap's first evaluation, including building the index;
3. evimap's re-evaluation after editing one term (leaf results cached, as in an interactive
   session), and the same re-evaluation on a cold matcher (no cache, index reused);

and asserts that evimap's matches are identical to the baseline's, record by record.

Usage: python benchmarks/search_speed.py [--records N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import resource
import sys
import time
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


def make_records(n: int, seed: int) -> list[Record]:
    """N records recombined and perturbed from the pool, reproducibly."""
    pool = load_pool()
    sentences = [_SENTENCE.split(a) for _, a, _ in pool]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        i, j = rng.randrange(len(pool)), rng.randrange(len(pool))
        title, _, keywords = pool[i]
        mine, theirs = list(sentences[i]), sentences[j]
        if theirs and theirs[0]:
            swap = rng.choice(theirs)
            if mine and mine[0]:
                mine[rng.randrange(len(mine))] = swap
            else:
                mine = [swap]
        out.append(Record(title=title, abstract=" ".join(mine), keywords=keywords))
    return out


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


# ---- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    t = time.perf_counter()
    records = make_records(args.records, args.seed)
    print(
        f"records: {len(records):,} built from the screening datasets "
        f"in {time.perf_counter() - t:.1f} s"
    )
    # folded once, outside the timings (as the index folds once); "_" -> " " makes the regex
    # \w the same word characters as the index's tokens
    folded = [
        [fold(t).replace("_", " ") for t in (r.title, r.abstract, *r.keywords)] for r in records
    ]
    tree, edited = parse(EQUATION), parse(EDITED)

    t = time.perf_counter()
    base = baseline(tree, folded)
    base_time = time.perf_counter() - t
    t = time.perf_counter()
    base_edited = baseline(edited, folded)
    base_edited_time = time.perf_counter() - t
    del folded
    print(f"baseline, per-record regex:        {base_time:8.2f} s  ({int(base.sum()):,} match)")
    print(
        f"baseline, edited equation:         {base_edited_time:8.2f} s  "
        f"({int(base_edited.sum()):,} match)"
    )

    t = time.perf_counter()
    index = Index.build(enumerate(records))
    build_time = time.perf_counter() - t
    matcher = Matcher(index)
    t = time.perf_counter()
    first = matcher.mask(parse(EQUATION))
    first_eval = time.perf_counter() - t
    print(
        f"evimap first run, with indexing:   {build_time + first_eval:8.2f} s  "
        f"(index {build_time:.2f} s + evaluation {first_eval:.3f} s)"
    )

    t = time.perf_counter()
    again = matcher.mask(parse(EDITED))
    warm = time.perf_counter() - t
    t = time.perf_counter()
    cold = Matcher(index).mask(parse(EDITED))
    cold_time = time.perf_counter() - t
    print(
        f"evimap re-run after editing a term:{warm:8.3f} s  "
        f"({base_edited_time / warm:,.0f}x faster than the baseline)"
    )
    print(
        f"evimap re-run, cold leaf cache:    {cold_time:8.3f} s  "
        f"({base_edited_time / cold_time:,.0f}x faster than the baseline)"
    )

    assert np.array_equal(first, base), "first run differs from the baseline"
    assert np.array_equal(again, base_edited), "re-run differs from the baseline"
    assert np.array_equal(cold, base_edited), "cold re-run differs from the baseline"
    print(
        f"results identical to the baseline: {int(first.sum()):,} and "
        f"{int(again.sum()):,} matching records"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak memory: {peak:.1f} GiB")
    assert base_edited_time / warm >= 10, "re-evaluation is not 10x faster than the baseline"


if __name__ == "__main__":
    main()
