"""Import speed: rispy's parse alone vs evimap's full import (parse, normalise, store).

Builds RIS files of growing size (default up to ~100k records) by repeating the real RIS
records in ../shared/data/exports, then, in one run, times in fresh subprocesses:

- rispy.load (parse only, the baseline), and
- evimap's import_file into a new SQLite store (parse, normalise, store, event log),

printing records/s and peak memory (max RSS of the subprocess). evimap streams, so its peak
memory should stay flat as the file grows; rispy holds every record in memory. evimap's time
runs until its store is closed (the last WAL checkpoint is part of storing).

With ``--stages``, the largest file is imported once more with a clock read between the stages
(read and split, convert and normalise, build store rows, store), and each stage's seconds are
printed next to rispy's parse time, to show where the time goes.

    python benchmarks/import_speed.py [--records 100000] [--steps 3] [--stages]
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
    if kind == "stages":
        print(json.dumps(stage_seconds(Path(path))))
        return
    start = time.perf_counter()
    if kind == "rispy":
        import rispy

        with open(path, encoding="utf-8") as handle:
            n = len(rispy.load(handle))
        seconds = time.perf_counter() - start
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


def stage_seconds(path: Path) -> dict[str, float]:
    """Seconds spent in each stage of one streaming import of the file, timed around each call.

    The same functions as :func:`evimap.importing.import_file`, in the same order and batches,
    with a clock read between stages (evimap imports in one thread, so these add up to the
    import's wall time, less a few µs per record for the clock itself).
    """
    from evimap.importers.detect import iter_lines
    from evimap.importers.ris import RisReader
    from evimap.importing import BATCH
    from evimap.store import open_store
    from evimap.store.models import SourceFile
    from evimap.store.records import insert_rows, record_to_row

    clock = time.perf_counter
    spent = dict.fromkeys(("split", "convert", "rows", "store"), 0.0)
    reader = RisReader(path.name)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "review.db")
        with store.transaction() as session:
            source = SourceFile(name=path.name, path=str(path), sha256="-", format="ris")
            session.add(source)
            session.flush()
            entries = reader.split(iter_lines(path))
            batch: list = []
            while True:
                start = clock()
                entry = next(entries, None)
                split = clock()
                spent["split"] += split - start
                if entry is None:
                    break
                record = reader.convert(entry)
                converted = clock()
                spent["convert"] += converted - split
                batch.append(record_to_row(record, source.id))
                rowed = clock()
                spent["rows"] += rowed - converted
                if len(batch) >= BATCH:
                    insert_rows(session, batch)
                    batch = []
                    spent["store"] += clock() - rowed
            start = clock()
            insert_rows(session, batch)
        store.close()
        spent["store"] += clock() - start
    return spent


def measure(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def print_stages(stages: dict[str, float], rispy: float, size: int) -> None:
    """One line per stage: seconds, µs per record, and the share of rispy's parse time."""
    labels = {
        "split": "decode, split into records",
        "convert": "convert and normalise",
        "rows": "build store rows",
        "store": "insert, commit, checkpoint",
    }
    print(f"\nstages of evimap's import, {size} records (s; rispy parse = {rispy:.2f} s)")
    total = 0.0
    for name, seconds in stages.items():
        total += seconds
        print(
            f"  {labels[name]:<28} {seconds:>6.2f} s {seconds / size * 1e6:>6.0f} µs/record "
            f"{seconds / rispy:>6.0%} of rispy"
        )
    print(
        f"  {'total':<28} {total:>6.2f} s {total / size * 1e6:>6.0f} µs/record "
        f"{total / rispy:>6.0%} of rispy\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=3, help="file sizes up to --records")
    parser.add_argument(
        "--stages", action="store_true", help="also time each stage on the largest file"
    )
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
            if args.stages and size == sizes[-1]:
                print_stages(measure("stages", path), base["seconds"], size)
            path.unlink()
    print(
        "ratio = rispy parse time / evimap full import time (>= 1 means the target is met); "
        "cpu s = user+sys seconds of the measuring process (fairer on a busy machine)"
    )


if __name__ == "__main__":
    main()
