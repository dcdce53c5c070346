"""Import speed: rispy's parse alone vs evimap's full import (parse, normalise, store).

Builds RIS files of growing size (default up to ~100k records) by repeating the real RIS
records in ../shared/data/exports, then, in one run, times in fresh subprocesses:

- rispy.load (parse only, the baseline), and
- evimap's import_file into a new SQLite store (parse, normalise, store, event log),

printing records/s and peak memory (max RSS of the subprocess). evimap streams, so its peak
memory should stay flat as the file grows; rispy holds every record in memory.

    python benchmarks/import_speed.py [--records 100000] [--steps 3]
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


def real_ris_records() -> list[str]:
    """Every record of the real RIS exports, verbatim, ending in its ER line."""
    records: list[str] = []
    for path in sorted(EXPORTS.rglob("*.ris")):
        text = path.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
        for chunk in re.split(r"(?m)^ER  -[^\n]*\n?", text):
            chunk = re.sub(r"(?m)^\d+\.\s*\n", "", chunk).strip("\n")
            if "TY  - " in chunk and re.search(r"(?m)^(TI|T1)  - ", chunk):
                records.append(chunk[chunk.index("TY  - ") :] + "\nER  - \n\n")
    return records


def build(path: Path, records: list[str], count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(records[i % len(records)])


def worker(kind: str, path: str) -> None:
    """Run one measurement in this (fresh) process and print JSON."""
    start = time.perf_counter()
    if kind == "rispy":
        import rispy

        with open(path, encoding="utf-8") as handle:
            n = len(rispy.load(handle))
    else:
        from evimap.importing import import_file
        from evimap.store import open_store

        with tempfile.TemporaryDirectory() as folder:
            store = open_store(Path(folder) / "review.db")
            start = time.perf_counter()
            n = import_file(store, path).added
            store.close()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "records": n,
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mib": usage.ru_maxrss / 1024,
            }
        )
    )


def measure(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=3, help="file sizes up to --records")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if not EXPORTS.is_dir():
        sys.exit(f"real exports not found at {EXPORTS}")
    records = real_ris_records()
    print(f"{len(records)} distinct real RIS records from {EXPORTS}")
    sizes = [args.records * (i + 1) // args.steps for i in range(args.steps)]
    header = (
        f"{'records':>8} {'MB':>6} | {'rispy parse s':>13} {'cpu s':>6} {'rec/s':>7} "
        f"{'peak MiB':>8} | {'evimap import s':>15} {'cpu s':>6} {'rec/s':>7} "
        f"{'peak MiB':>8} | ratio"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"big_{size}.ris"
            build(path, records, size)
            base = measure("rispy", path)
            ours = measure("evimap", path)
            assert base["records"] == ours["records"] == size, (base, ours)
            b, o = base, ours
            print(
                f"{size:>8} {path.stat().st_size / 1e6:>6.0f} | "
                f"{b['seconds']:>13.2f} {b['cpu']:>6.1f} {size / b['seconds']:>7.0f} "
                f"{b['peak_mib']:>8.0f} | "
                f"{o['seconds']:>15.2f} {o['cpu']:>6.1f} {size / o['seconds']:>7.0f} "
                f"{o['peak_mib']:>8.0f} | "
                f"{b['seconds'] / o['seconds']:.2f}x"
            )
            path.unlink()
    print(
        "ratio = rispy parse time / evimap full import time (>= 1 means the target is met); "
        "cpu s = user+sys seconds of the measuring process (fairer on a busy machine)"
    )


if __name__ == "__main__":
    main()
