"""Import speed: evimap's full import beside ASReview 3.0.8's full import and rispy's parse.

Builds RIS files of growing size (default 20k, 50k and 100k records) by repeating the real RIS
records in ../shared/data/exports, then, in one run, times in fresh subprocesses:

- rispy.load (parse only, a floor no pure-Python import reaches),
- evimap's import_file into a new SQLite store (parse, normalise, store, event log), until its
  store is closed (the last WAL checkpoint is part of storing), and
- ASReview 3.0.8's full import of the same file into a new project (``Project.create`` then
  ``project.add_dataset``: it reads the file with rispy, cleans it, writes its project
  database, and groups exact duplicates, as ASReview does when a dataset is added),

printing records/s, peak memory (max RSS of the subprocess) and the ratio ASReview / evimap
(the target: at least 3x, with evimap's memory flat as files grow).

ASReview is not a dependency of evimap: it runs from its own virtual environment,
``benchmarks/.venv-asreview`` (git-ignored), which the benchmark creates with pip on first use
(``--asreview-venv`` to use another, ``--no-asreview`` to leave it out).

With ``--stages``, the largest file is imported once more with a clock read between the stages
(read and split, convert and normalise, build store rows, store), and each stage's seconds are
printed next to rispy's parse time, to show where the time goes.

    python benchmarks/import_speed.py [--sizes 20000,50000,100000] [--repeat 3] [--stages]
                                      [--no-asreview]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO.parent / "shared" / "data" / "exports"
ASREVIEW = "asreview==3.0.8"
ASREVIEW_VENV = REPO / "benchmarks" / ".venv-asreview"


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
    if kind == "asreview":
        from asreview import Project

        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            project = Project.create(Path(folder) / "project")
            project.add_dataset(path)
            n = len(project.db.input)
            seconds = time.perf_counter() - start
    elif kind == "rispy":
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


def measure(kind: str, path: Path, python: str = sys.executable) -> dict:
    # In a scratch folder: ASReview leaves a cache file (synergy_cache.sqlite) where it runs.
    done = subprocess.run(
        [python, __file__, "--worker", kind, str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    if done.returncode:
        sys.exit(f"the {kind} measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict]) -> dict:
    """The median of repeated measurements, figure by figure."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def asreview_python(venv: Path) -> str:
    """The Python of ASReview's own environment, created with pip on first use."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import asreview; print(asreview.__version__)"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    print(f"creating {venv} with {ASREVIEW} (once; it is not an evimap dependency) ...")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ASREVIEW],
        check=True,
    )
    return str(python)


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
        "--sizes", help="comma-separated file sizes instead (default: 20000,50000,100000)"
    )
    parser.add_argument(
        "--stages", action="store_true", help="also time each stage on the largest file"
    )
    parser.add_argument("--no-asreview", action="store_true", help="leave ASReview out")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each N times, interleaved; print medians"
    )
    parser.add_argument("--asreview-venv", type=Path, default=ASREVIEW_VENV)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if not EXPORTS.is_dir():
        sys.exit(f"real exports not found at {EXPORTS}")
    asreview = None if args.no_asreview else asreview_python(args.asreview_venv)
    records = real_ris_records()
    print(f"{len(records)} distinct real RIS records from {EXPORTS}")
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    elif args.records == 100_000 and args.steps == 3:
        sizes = [20_000, 50_000, 100_000]
    else:
        sizes = [args.records * (i + 1) // args.steps for i in range(args.steps)]
    header = (
        f"{'records':>8} {'MB':>5} | {'rispy s':>7} {'MiB':>5} | {'evimap s':>8} {'cpu s':>6} "
        f"{'rec/s':>6} {'MiB':>5} | {'ASReview s':>10} {'cpu s':>6} {'rec/s':>6} {'MiB':>6} "
        f"| {'ASReview/evimap':>15} {'(cpu)':>6} | {'rispy/evimap':>12}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"big_{size}.ris"
            build(path, records, size)
            runs: dict[str, list[dict]] = {"rispy": [], "evimap": [], "asreview": []}
            for _ in range(args.repeat):  # interleaved, so a busy spell hits all three
                runs["rispy"].append(measure("rispy", path))
                runs["evimap"].append(measure("evimap", path))
                if asreview:
                    runs["asreview"].append(measure("asreview", path, asreview))
            base, ours = median_run(runs["rispy"]), median_run(runs["evimap"])
            theirs = median_run(runs["asreview"]) if asreview else None
            assert base["records"] == ours["records"] == size, (base, ours)
            if theirs:
                assert theirs["records"] == size, theirs
            b, o, t = base, ours, theirs
            other = (
                f"{t['seconds']:>10.2f} {t['cpu']:>6.1f} {size / t['seconds']:>6.0f} "
                f"{t['peak_mib']:>6.0f} | {t['seconds'] / o['seconds']:>14.2f}x "
                f"{t['cpu'] / o['cpu']:>5.2f}x"
                if t
                else f"{'-':>10} {'-':>6} {'-':>6} {'-':>6} | {'-':>15} {'-':>6}"
            )
            print(
                f"{size:>8} {path.stat().st_size / 1e6:>5.0f} | {b['seconds']:>7.2f} "
                f"{b['peak_mib']:>5.0f} | {o['seconds']:>8.2f} {o['cpu']:>6.1f} "
                f"{size / o['seconds']:>6.0f} {o['peak_mib']:>5.0f} | {other} | "
                f"{b['seconds'] / o['seconds']:>11.2f}x",
                flush=True,
            )
            if args.stages and size == sizes[-1]:
                print_stages(measure("stages", path), base["seconds"], size)
            path.unlink()
    print(
        "ASReview/evimap = ASReview's full import time / evimap's full import time (the target: "
        ">= 3x), and the same for cpu seconds; rispy/evimap = rispy's parse alone / evimap's "
        "full import; MiB = peak memory (max RSS) of the measuring process; cpu s = its "
        "user+sys seconds (fairer on a busy machine)"
    )


if __name__ == "__main__":
    main()
