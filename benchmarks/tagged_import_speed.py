"""Import speed of the tagged formats: WoS plain text, PubMed MEDLINE, EndNote XML.

Builds files of growing size by repeating real records (WoS and MEDLINE from
../shared/data/exports, EndNote XML from tests/fixtures), then times, each in a fresh
subprocess, the reader alone (split + convert) and evimap's full import_file into a new SQLite
store, printing records/s and peak memory (max RSS). The readers stream, so peak memory should
stay flat as files grow.

    python benchmarks/tagged_import_speed.py [--records 50000] [--steps 2] [--formats wos ...]
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


FORMATS = {
    "wos": (wos_records, "FN Clarivate Analytics Web of Science\nVR 1.0\n", "EF\n"),
    "medline": (medline_records, "", ""),
    # EndNote writes one line: so does this benchmark.
    "endnote-xml": (
        endnote_records,
        '<?xml version="1.0" encoding="UTF-8" ?><xml><records>',
        "</records></xml>",
    ),
}


def build(path: Path, fmt: str, count: int) -> None:
    make, head, tail = FORMATS[fmt]
    records = make()
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
    parser.add_argument("--records", type=int, default=50_000)
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
    print(f"{'format':<12} {'records':>8} {'MB':>6} {'step':<8} {'rec/s':>8} {'peak MB':>8}")
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
                    rate = result["records"] / result["seconds"]
                    print(
                        f"{fmt:<12} {result['records']:>8} {mb:>6.1f} {kind:<8} {rate:>8.0f} "
                        f"{result['peak_mb']:>8.1f}"
                    )
                path.unlink()


if __name__ == "__main__":
    main()
