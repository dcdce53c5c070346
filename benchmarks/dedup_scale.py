"""Dedup at scale: 10k, 50k and 100k records built from real records, time and peak memory.

Records are made from the bib-dedupe gold sets' real records: each synthetic work draws its
title words and authors from the real titles and author lists (in their real frequencies) and
takes a real journal, so works are distinct but look like bibliographic data;
about a quarter of them then get duplicates with the perturbations seen between databases
(case, punctuation, a dropped subtitle, a typo, initials instead of given names, abbreviated or
missing journal, missing pages, year off by one, DOI present in one copy only). Each size runs
in its own process so its peak memory (max RSS, DuckDB included) is its own.

Usage: ``python benchmarks/dedup_scale.py [--sizes 10000,50000,100000] [--engine duckdb]
[--with-store]``
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gold import SETS, available, load_gold  # noqa: E402
from evimap.records import Author, Record  # noqa: E402

DUPLICATE_SHARE = 0.25


def _base() -> list[Record]:
    records: list[Record] = []
    for name in SETS:
        if available(name):
            records += [r for _, r in load_gold(name).records if r.title]
    return records


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 10:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _pools(base: list[Record]) -> tuple[list[str], list[Author]]:
    words = [w for r in base for w in r.title.split()]
    authors = [a for r in base for a in r.authors]
    return words, authors


def _work(i: int, base: list[Record], pools, rng: random.Random) -> Record:
    words, authors = pools
    a = rng.choice(base)
    # Real title words in the frequencies real titles use them, drawn anew for every work, so
    # works are distinct (as in a real review) yet read like titles.
    title = " ".join(rng.choice(words) for _ in range(rng.randrange(6, 16))).capitalize()
    start = rng.randrange(1, 2000)
    return Record(
        title=title,
        authors=[rng.choice(authors) for _ in range(rng.randrange(1, 7))],
        year=rng.randrange(1990, 2025),
        source_title=a.source_title,
        volume=str(rng.randrange(1, 120)),
        issue=str(rng.randrange(1, 12)),
        pages=f"{start}-{start + rng.randrange(3, 20)}",
        doi=f"10.{rng.randrange(1000, 9999)}/synthetic.{i}" if rng.random() < 0.6 else "",
        source_database=rng.choice(["Web of Science", "Scopus", "PubMed"]),
        source_record_id=f"W{i}",
    )


def _duplicate(record: Record, j: int, rng: random.Random) -> Record:
    copy = Record.from_dict(record.to_dict())
    copy.source_record_id = f"{record.source_record_id}-d{j}"
    copy.source_database = rng.choice(["Web of Science", "Scopus", "PubMed", "PsycINFO"])
    roll = rng.random
    if roll() < 0.3:
        copy.title = copy.title.upper() if roll() < 0.5 else copy.title.lower()
    if roll() < 0.3:
        copy.title = copy.title.rstrip(".") + "."
    if roll() < 0.15:
        copy.title = _typo(copy.title, rng)
    if roll() < 0.4:
        copy.authors = [
            Author(a.family, (a.given[:1] + ".") if a.given else "") for a in copy.authors
        ]
    if roll() < 0.2:
        copy.source_title = "".join(w[:4] + " " for w in copy.source_title.split()).strip()
    if roll() < 0.1:
        copy.source_title = ""
    if roll() < 0.15:
        copy.pages = ""
    if roll() < 0.05 and copy.year:
        copy.year += 1
    if roll() < 0.4:
        copy.doi = ""
    return copy


def build(n: int, seed: int = 7) -> list[tuple[int, Record]]:
    """``n`` records: distinct works plus duplicates of about a quarter of them."""
    rng = random.Random(seed)
    base = _base()
    pools = _pools(base)
    records: list[Record] = []
    i = 0
    while len(records) < n:
        work = _work(i, base, pools, rng)
        records.append(work)
        if rng.random() < DUPLICATE_SHARE:
            for j in range(rng.choice([1, 1, 1, 2])):
                records.append(_duplicate(work, j, rng))
        i += 1
    return list(enumerate(records[:n], start=1))


def _store_run(records: list[tuple[int, Record]], engine: str) -> tuple[float, int, int]:
    """The whole verb: records in a SQLite review, ``review.dedup.run()`` storing clusters."""
    import tempfile

    from evimap.review import Review
    from evimap.store.models import SourceFile
    from evimap.store.records import insert_rows, record_to_row

    with tempfile.TemporaryDirectory() as tmp:
        review = Review.init(Path(tmp) / "review", title="scale")
        with review.store.transaction() as session:
            source = SourceFile(
                name="synthetic",
                path="synthetic",
                sha256="0" * 64,
                format="synthetic",
                database="",
                record_count=len(records),
                skipped_count=0,
                imported_by="benchmark",
            )
            session.add(source)
            session.flush()
            for start in range(0, len(records), 5000):
                insert_rows(
                    session, [record_to_row(r, source.id) for _, r in records[start : start + 5000]]
                )
        began = time.perf_counter()
        summary = review.dedup.run(engine=engine, member=review.team.member("owner"))
        seconds = time.perf_counter() - began
        review.close()
    return seconds, summary.counts["clusters"], summary.queued


def run_one(n: int, engine: str, with_store: bool = False) -> dict:
    """Build ``n`` records and deduplicate them; time and peak memory of this process."""
    from evimap.dedup.pipeline import deduplicate

    records = build(n)
    if with_store:
        seconds, clusters, queued = _store_run(records, engine)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "records": n,
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_mb),
            "clusters": clusters,
            "true_works": len({r.source_record_id.split("-d")[0] for _, r in records}),
            "queued": queued,
            "stages": {"review.dedup.run (SQLite)": round(seconds, 1)},
        }
    truth_works = len({r.source_record_id.split("-d")[0] for _, r in records})
    stages: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def step(name: str) -> None:
        now = time.perf_counter()
        if last[1]:
            stages[last[1]] = round(now - last[0], 1)
        last[0], last[1] = now, name

    start = time.perf_counter()
    outcome = deduplicate(records, engine=engine, step=step)
    step("")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "records": n,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "clusters": len(outcome.groups),
        "true_works": truth_works,
        "queued": len(outcome.queued),
        "exact_pairs": sum(1 for p in outcome.accepted if p.rule != "splink"),
        "linked_pairs": sum(1 for p in outcome.accepted if p.rule == "splink"),
        "stages": stages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument(
        "--with-store",
        action="store_true",
        help="time review.dedup.run() on a SQLite review (clusters stored)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.engine, args.with_store)))
        return 0
    print(
        f"{'records':>8} {'seconds':>8} {'s/1k':>6} {'peak MB':>8} {'clusters':>9} "
        f"{'true':>7} {'queued':>7}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--engine", args.engine]
            + (["--with-store"] if args.with_store else []),
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['records']:>8} {r['seconds']:>8} {r['seconds'] / n * 1000:>6.2f} "
            f"{r['peak_rss_mb']:>8} {r['clusters']:>9} {r['true_works']:>7} {r['queued']:>7}  "
            + ", ".join(f"{k} {v}s" for k, v in r["stages"].items()),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
