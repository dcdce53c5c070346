"""Import speed of the delimited and BibTeX formats: Scopus CSV, generic CSV, BibTeX.

Builds files of growing size by repeating real records (Scopus CSV rows from litstudy's
scopus.csv, heavy with cited references; Zotero CSV rows from ASySD; Scopus BibTeX entries
from synthesisr and the WoS-style BibTeX fixture), then times, each in a fresh subprocess, the
reader alone (split + convert) and evimap's full import_file into a new SQLite store, printing
records/s, MB/s and peak memory (max RSS). The readers stream, so peak memory should stay flat
as files grow.

    python benchmarks/delimited_import_speed.py [--records 20000] [--steps 2] [--formats ...]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO.parent / "shared" / "data" / "exports"
FIXTURES = REPO / "tests" / "fixtures"


def _csv_rows(path: Path) -> tuple[str, list[str]]:
    """The header line and every record's text, verbatim (quoted line breaks included)."""
    from evimap.importers.delimited import iter_rows

    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    header, *rows = iter_rows(text.splitlines(keepends=True))
    return header.raw, [r.raw if r.raw.endswith("\n") else r.raw + "\n" for r in rows]


def scopus_csv() -> tuple[str, list[str]]:
    return _csv_rows(EXPORTS / "NLeSC+litstudy" / "tests" / "resources" / "scopus.csv")


def zotero_csv() -> tuple[str, list[str]]:
    return _csv_rows(EXPORTS / "camaradesuk+ASySD" / "tests" / "testthat" / "zotero_export.csv")


def bibtex() -> tuple[str, list[str]]:
    texts = [
        (
            EXPORTS
            / "mjwestgate+synthesisr"
            / "tests"
            / "testthat"
            / "testdata"
            / "Scopus_bib_example.bib"
        ).read_text(encoding="utf-8"),
        (FIXTURES / "bibtex" / "wos.bib").read_text(encoding="utf-8"),
    ]
    entries = []
    strings = ""
    for text in texts:
        strings += "".join(re.findall(r"(?m)^@string\{[^\n]*\}\n", text))
        for chunk in re.split(r"(?m)^(?=@)", text):
            if re.match(r"@(?!string|comment)\w+\{", chunk):
                entries.append(chunk.rstrip("\n") + "\n\n")
    return strings, entries


FORMATS = {"scopus-csv": scopus_csv, "csv": zotero_csv, "bibtex": bibtex}


def build(path: Path, fmt: str, count: int) -> None:
    head, records = FORMATS[fmt]()
    with open(path, "w", encoding="utf-8") as out:
        out.write(head)
        for i in range(count):
            out.write(records[i % len(records)])


def worker(kind: str, fmt: str, path: str) -> None:
    """Run one measurement in this (fresh) process and print JSON."""
    start = time.perf_counter()
    if kind == "reader":
        from evimap.importers.detect import iter_lines
        from evimap.importers.registry import reader_class

        reader = reader_class(fmt)(Path(path).name)
        n = sum(1 for entry in reader.split(iter_lines(Path(path))) if reader.convert(entry))
    else:
        from evimap.importing import import_file
        from evimap.store import open_store

        store = open_store(Path(path).with_suffix(".db"))
        n = import_file(store, path, format_name=fmt).added
        store.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": n, "seconds": seconds, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if not EXPORTS.exists():
        sys.exit(f"real exports not found: {EXPORTS}")
    sizes = [args.records // (10**i) for i in reversed(range(args.steps))]
    print(
        f"{'format':<11} {'records':>8} {'MB':>6} {'step':<7} {'rec/s':>7} {'MB/s':>6} "
        f"{'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            for size in sizes:
                path = Path(tmp) / f"{fmt}_{size}.txt"
                build(path, fmt, size)
                mb = path.stat().st_size / 1e6
                for kind in ("reader", "import"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", kind, fmt, str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    result = json.loads(out)
                    seconds = result["seconds"]
                    print(
                        f"{fmt:<11} {result['records']:>8} {mb:>6.1f} {kind:<7} "
                        f"{result['records'] / seconds:>7.0f} {mb / seconds:>6.1f} "
                        f"{result['peak_mb']:>8.1f}"
                    )
                path.unlink()
                path.with_suffix(".db").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
