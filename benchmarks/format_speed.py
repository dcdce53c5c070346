"""Import speed of every format other than RIS (see import_speed.py for RIS against rispy).

Builds files of growing size by repeating real records: WoS plain text and MEDLINE from
../shared/data/exports, Scopus CSV rows from litstudy's scopus.csv (heavy with cited
references), Zotero CSV rows from ASySD, Scopus BibTeX from synthesisr plus the WoS-style BibTeX
fixture, and EndNote XML from tests/fixtures. Then it times, each in a fresh subprocess, the
reader alone (split + convert) and evimap's full import_file into a new SQLite store, printing
records/s, MB/s and peak memory (max RSS). The readers stream, so peak memory should stay flat
as files grow.

    python benchmarks/format_speed.py [--records 20000] [--steps 2] [--formats wos csv ...]
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


def wos_records() -> list[str]:
    records: list[str] = []
    for path in sorted(EXPORTS.rglob("*")):
        if path.suffix in (".ciw", ".txt") and path.is_file():
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            if text.startswith("FN ") or text.startswith("PT "):
                records += [
                    r.strip("\n") + "\nER\n\n"
                    for r in re.split(r"(?m)^ER[ \t]*$", text)
                    if "\nTI " in r and re.search(r"(?m)^PT ", r)
                ]
    return [r[re.search(r"(?m)^PT ", r).start() :] for r in records]


def medline_records() -> list[str]:
    records: list[str] = []
    for path in sorted(EXPORTS.rglob("*")):
        if path.is_file() and path.suffix in (".nbib", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if re.search(r"(?m)^PMID- ", text) and "\nFAU - " in text:
                records += [
                    "PMID- " + r.strip("\n") + "\n\n"
                    for r in re.split(r"(?m)^PMID- ", text)
                    if r.strip()
                ]
    return records


def endnote_records() -> list[str]:
    text = (FIXTURES / "endnote_library.xml").read_text(encoding="utf-8")
    return re.findall(r"<record>.*?</record>", text)


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


def _tagged(make, head: str = "", tail: str = ""):
    return lambda: (head, make(), tail)


def _delimited(make):
    def build() -> tuple[str, list[str], str]:
        head, records = make()
        return head, records, ""

    return build


# format -> () -> (text before the records, the records, text after them)
FORMATS = {
    "wos": _tagged(wos_records, "FN Clarivate Analytics Web of Science\nVR 1.0\n", "EF\n"),
    "medline": _tagged(medline_records),
    # EndNote writes one line: so does this benchmark.
    "endnote-xml": _tagged(
        endnote_records,
        '<?xml version="1.0" encoding="UTF-8" ?><xml><records>',
        "</records></xml>",
    ),
    "scopus-csv": _delimited(scopus_csv),
    "csv": _delimited(zotero_csv),
    "bibtex": _delimited(bibtex),
}


def build(path: Path, fmt: str, count: int) -> None:
    head, records, tail = FORMATS[fmt]()
    with open(path, "w", encoding="utf-8") as out:
        out.write(head)
        for i in range(count):
            out.write(records[i % len(records)])
        out.write(tail)


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
