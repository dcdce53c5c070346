"""How many cited references parse with first author and year, per real export.

Reads every export under ../shared/data/exports whose records carry reference lists (WoS
``CR``, Scopus CSV/RIS/BibTeX references, PsycINFO free text), parses each reference with
evimap and, in the same run, with two baselines:

- ``naive``: the first word as the author and the first four-digit year (what a one-line
  regex gives; it shows how much of the share is easy);
- ``refextract`` (INSPIRE's reference extractor, PyPI ``refextract``), when a Python that has
  it is named with ``--refextract-python``. refextract pins ``pypdf<7`` (evimap pins 7.1.0),
  so it lives in its own throw-away venv:

      python -m venv /tmp/rx && /tmp/rx/bin/pip install refextract==1.1.7
      python benchmarks/chase_parse.py --refextract-python /tmp/rx/bin/python

Files marked ``dev`` are the ones the parser's rules were written against; ``held-out`` ones
were only measured. Target: at least 95% with first author and year on each file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from evimap.citations.parse import parse_reference
from evimap.citations.sources import citing_in_file

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT.parent / "shared" / "data" / "exports"
DEV = {"wos_sample.txt", "scopus_sample.csv", "scopus.ris"}
SUFFIXES = {".txt", ".ciw", ".ris", ".csv", ".bib", ".nbib", ".xml"}
# references that are bare identifiers (Lens IDs, OpenAlex work ids), not citations
IDENTIFIER = re.compile(
    r"^(?:\d{3}-\d{3}-\d{3}-\d{3}-\d{3}[\dX]?|(?:https?://openalex\.org/)?W\d+)$"
)
YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)")

REFEXTRACT = r"""
import json, re, sys
from refextract import extract_references_from_string
out = []
for raw in json.load(sys.stdin):
    found = extract_references_from_string(raw, is_only_references=True)
    author = year = ""
    for ref in found:
        author = author or (ref.get("author") or [""])[0]
        year = year or (ref.get("year") or [""])[0]
    first = re.split(r",|&|\band\b|;", author)[0].strip() if author else ""
    out.append({"first_author": first, "year": year})
json.dump(out, sys.stdout)
"""


def pct(n: int, of: int) -> str:
    """``n`` of ``of`` as a percentage, one decimal."""
    return f"{100 * n / of:.1f}%"


def naive(raw: str) -> bool:
    """The one-line baseline: a leading word and any year."""
    return bool(re.match(r"\s*[^\W\d_]{2,}", raw)) and bool(YEAR.search(raw))


def refextract_parse(python: str, refs: list[str]) -> list[dict]:
    """Run refextract on ``refs`` in another interpreter (its own venv)."""
    done = subprocess.run(
        [python, "-c", REFEXTRACT],
        input=json.dumps(refs),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def files_with_references() -> list[tuple[Path, list[tuple[str, str]]]]:
    """Every export that carries references, with them."""
    out = []
    for path in sorted(p for p in EXPORTS.rglob("*") if p.suffix.lower() in SUFFIXES):
        try:
            refs = [r for c in citing_in_file(path) for r in c.references]
        except Exception:  # not an export evimap reads: not this benchmark's business
            continue
        if refs:
            out.append((path, refs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refextract-python", help="A Python with refextract installed.")
    parser.add_argument(
        "--sample",
        type=int,
        default=150,
        help="References per file given to refextract (a seeded sample; it is slow).",
    )
    args = parser.parse_args()
    if not EXPORTS.is_dir():
        sys.exit(f"no shared data at {EXPORTS}")
    header = f"{'file':38} {'set':8} {'refs':>5} {'evimap':>8} {'naive':>8}"
    if args.refextract_python:
        header += f" {'evimap*':>8} {'refextract*':>10} {'agree*':>6}"
    print(header, flush=True)
    totals = dict.fromkeys(("refs", "evimap", "naive", "refextract", "sample", "sample_evimap"), 0)
    for path, refs in files_with_references():
        if sum(1 for raw, _ in refs if IDENTIFIER.match(raw.strip())) >= 0.9 * len(refs):
            print(f"{path.name:38} {'':8} {len(refs):>5}  skipped: identifiers, not citations")
            continue
        started = time.perf_counter()
        parsed = [parse_reference(raw, db) for raw, db in refs]
        seconds = time.perf_counter() - started
        ours = sum(r.has_author_year for r in parsed)
        base = sum(naive(raw) for raw, _ in refs)
        line = f"{path.name:38} {'dev' if path.name in DEV else 'held-out':8} {len(refs):>5}"
        line += f" {pct(ours, len(refs)):>8} {pct(base, len(refs)):>8}"
        totals["refs"] += len(refs)
        totals["evimap"] += ours
        totals["naive"] += base
        if args.refextract_python:
            picked = sorted(random.Random(7).sample(range(len(refs)), min(args.sample, len(refs))))
            theirs = refextract_parse(args.refextract_python, [refs[i][0] for i in picked])
            mine = [parsed[i] for i in picked]
            on_sample = sum(r.has_author_year for r in mine)
            got = sum(1 for t in theirs if t["first_author"] and t["year"])
            agree = sum(
                1
                for ours_ref, t in zip(mine, theirs, strict=True)
                if ours_ref.has_author_year
                and t["first_author"]
                and t["year"]
                and str(ours_ref.year) == str(t["year"])[:4]
                and ours_ref.first_author.lower() in t["first_author"].lower()
            )
            totals["sample"] += len(picked)
            totals["sample_evimap"] += on_sample
            totals["refextract"] += got
            line += f" {pct(on_sample, len(picked)):>8} {pct(got, len(picked)):>10}"
            line += f" {pct(agree, len(picked)):>6}  (n={len(picked)})"
        print(line + f"   ({1000 * seconds / len(refs):.2f} ms/ref)", flush=True)
    n = totals["refs"]
    line = f"{'all files':38} {'':8} {n:>5} {100 * totals['evimap'] / n:7.1f}%"
    line += f" {100 * totals['naive'] / n:7.1f}%"
    if args.refextract_python and totals["sample"]:
        m = totals["sample"]
        line += f" {100 * totals['sample_evimap'] / m:7.1f}% {100 * totals['refextract'] / m:9.1f}%"
    print(line, flush=True)
    print(
        "evimap/naive/refextract: share of references read with a first author and a year; "
        "*: on the sample given to refextract; agree: evimap and refextract read the same "
        "first author and year."
    )


if __name__ == "__main__":
    main()
