"""Concurrent decisions: 16 processes deciding at once, on SQLite and on PostgreSQL.

A review of N imported records is assigned to 15 reviewers (two a record). Then, in one run
and on each store, with the same processes:

- **1 process** (the baseline): one reviewer decides their records alone;
- **16 processes**: 15 reviewers decide at once, two of the processes being the *same*
  reviewer deciding the *same* records in the same order (the double click, the second tab);
- **16 processes + import**: the same, while another process imports a large RIS file (on
  SQLite the import holds the write lock for its whole transaction, so decisions wait);
- SQLite only, **before**: the same phases with writers waiting as they did before, in
  SQLite's own busy handler, 0.5 s a step, whose sleeps grow to 100 ms (now: 10 ms steps, a
  few random milliseconds between them): the baseline of that change;
- PostgreSQL only, **row locks off**: the 16 processes with evimap's row locks disabled, which
  is how decisions were written before; the unique index on each history now refuses the
  forks they attempt, so they show as errors here instead of as forked histories.

For each phase it prints the decisions acknowledged (``decide`` returned), the decision rows
stored, errors, p50/p95/max milliseconds per decision, decisions that waited over a second for
another writer (the CLI says so on stderr), forked histories (a row that does not
supersede the previous row of its reviewer and record) and the rows ``review.verify()`` finds
in disagreement with the log. The target: stored equals acknowledged, zero errors, zero forks.

Other reviewers always decide ``maybe`` (never agreement), so no record settles mid-run and
every refusal would be a real error. Decisions are not timed tests; timings are noisy on a
shared machine, so compare phases within one run.

    python benchmarks/concurrent_decisions.py [--engine sqlite|postgresql|both]
        [--processes 16] [--records 480] [--import-records 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from evimap.review import Review  # noqa: E402
from evimap.store.models_screening import DecisionRow  # noqa: E402

TA = "title_abstract"

PROTOCOL = """
title = "Concurrent decisions"
[question]
population = "psychotherapy"
concept = "alliance rupture repair"
context = "any setting"
[search]
databases = ["PsycINFO"]
equation = "rupture AND repair"
date = "2024-05"
[[criteria]]
code = "I1"
kind = "inclusion"
text = "About alliance ruptures"
[[criteria]]
code = "E1"
kind = "exclusion"
text = "Not psychotherapy"
[screening.title_abstract]
reviewers_per_record = 2
{team}
[[screening.reviewers]]
name = "O"
role = "owner"
"""

WORDS = [
    "therapeutic",
    "alliance",
    "rupture",
    "repair",
    "withdrawal",
    "confrontation",
    "metacommunication",
    "psychotherapy",
    "outcome",
    "process",
    "session",
    "client",
    "therapist",
    "relational",
]


def reviewer_of(process: int) -> str:
    """Processes 0 and 1 are the same reviewer, R00; process i > 1 is Ri."""
    return "R00" if process < 2 else f"R{process:02d}"


def ris(path: Path, count: int, tag: str) -> Path:
    """A synthetic RIS export of ``count`` records (about 1.5 KB each)."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(120))
            out.write(
                f"TY  - JOUR\nTI  - {tag} record {i}: {WORDS[i % len(WORDS)]} in therapy\n"
                f"AU  - Author, A{i % 97}\nAU  - Other, B{i % 89}\nPY  - {1990 + i % 30}\n"
                f"AB  - {words}\nDO  - 10.9999/{tag}.{i}\nT2  - Journal {i % 50}\n"
                f"ID  - {tag}{i}\nER  - \n\n"
            )
    return path


def decider(folder, db, process, barrier, results, unlocked, variant=()) -> None:
    """One process: decide every record of its reviewer's queue, timing each decision."""
    if unlocked:
        import evimap.screening.locks as locks

        locks._lock = lambda *args, **kwargs: None
    if "wait" in variant:  # how SQLite writers waited before: SQLite's busy handler, 0.5 s a step
        import evimap.store.database as database

        database._LOCK_STEP, database._RETRY_PAUSE = 0.5, (0.0, 0.0)
    reviewer = reviewer_of(process)
    decision = "include" if process == 0 else "maybe"
    waited: set[int] = set()
    review = Review.open(folder, db=db, on_wait=lambda seconds: waited.add(len(latencies)))
    member = review.team.member(reviewer)
    queue = review.screening.queue(TA, member=member, todo_only=False)
    latencies, acknowledged, errors = [], 0, []
    barrier.wait()
    for record_id in queue:
        start = time.perf_counter()
        try:
            review.screening.decide(TA, record_id, decision, member=member)
            acknowledged += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}")
        latencies.append((time.perf_counter() - start) * 1000)
    review.close()
    results.put(("decider", process, acknowledged, latencies, errors, len(waited)))


def importer(folder, db, path, barrier, results) -> None:
    """The import running beside the deciders."""
    review = Review.open(folder, db=db)
    barrier.wait()
    start = time.perf_counter()
    added = review.imports.add(path, member=review.team.member("O")).added
    results.put(("import", added, time.perf_counter() - start))
    review.close()


def forks(review: Review) -> int:
    """Decision rows that do not supersede the previous row of their reviewer and record."""
    previous: dict = {}
    bad = 0
    with review.store.read() as session:
        rows = session.execute(DecisionRow.__table__.select().order_by(DecisionRow.id)).mappings()
        for row in rows:
            key = (row["stage"], row["record_id"], row["reviewer"])
            if row["supersedes_id"] != previous.get(key):
                bad += 1
            previous[key] = row["id"]
    return bad


def stored_after(review: Review, last_id: int) -> int:
    with review.store.read() as session:
        return session.query(DecisionRow).filter(DecisionRow.id > last_id).count()


def last_decision_id(review: Review) -> int:
    with review.store.read() as session:
        return session.query(DecisionRow.id).order_by(DecisionRow.id.desc()).limit(1).scalar() or 0


def phase(folder, db, processes, import_file=None, unlocked=False, variant=()) -> dict:
    """Run ``processes`` deciders (and the import) at once; gather the figures."""
    context = multiprocessing.get_context("fork")
    with Review.open(folder, db=db) as review:
        before = last_decision_id(review)
    barrier = context.Barrier(len(processes) + (1 if import_file else 0))
    results = context.Queue()
    workers = [
        context.Process(target=decider, args=(folder, db, p, barrier, results, unlocked, variant))
        for p in processes
    ]
    if import_file:
        workers.append(
            context.Process(target=importer, args=(folder, db, import_file, barrier, results))
        )
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    out = [results.get(timeout=1800) for _ in workers]
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    deciders = [r for r in out if r[0] == "decider"]
    latencies = sorted(ms for r in deciders for ms in r[3])
    errors = [e for r in deciders for e in r[4]]
    with Review.open(folder, db=db) as review:
        verification = review.verify(member=review.team.member("O"))
        figures = {
            "acknowledged": sum(r[2] for r in deciders),
            "stored": stored_after(review, before),
            "errors": len(errors),
            "first_error": errors[0] if errors else "",
            "p50": statistics.median(latencies) if latencies else 0.0,
            "p95": (
                statistics.quantiles(latencies, n=20, method="inclusive")[-1]
                if len(latencies) > 1
                else 0.0
            ),
            "waits": sum(r[5] for r in deciders),
            "max": latencies[-1] if latencies else 0.0,
            "forks": forks(review),
            "verify": len(verification.problems),
            "wall": wall,
        }
    imported = [r for r in out if r[0] == "import"]
    if imported:
        figures["import"] = f"{imported[0][1]} records in {imported[0][2]:.1f} s"
    return figures


def setup(root: Path, db: str | None, records: int) -> Path:
    folder = root / "review"
    folder.mkdir(parents=True)
    team = "\n".join(f'[[screening.reviewers]]\nname = "{reviewer_of(p)}"' for p in range(1, 16))
    (folder / "review.toml").write_text(PROTOCOL.format(team=team), encoding="utf-8")
    with Review.open(folder, db=db) as review:
        review.imports.add(
            ris(root / "records.ris", records, "seed"), member=review.team.member("O")
        )
        review.screening.assign(TA, member=review.team.member("O"))
    return folder


BEFORE = ("wait",)
"""What changed on SQLite: how a write waits for the lock."""


def run_engine(name: str, db: str | None, args) -> list[tuple[str, dict]]:
    with tempfile.TemporaryDirectory(prefix=f"evimap-concurrent-{name}-") as root:
        return run_phases(name, Path(root), db, args)


def run_phases(name: str, root: Path, db: str | None, args) -> list[tuple[str, dict]]:
    folder = setup(root, db, args.records)
    bigs = iter(ris(root / f"big{k}.ris", args.import_records, f"big{k}") for k in range(2))
    everyone = list(range(args.processes))
    n = args.processes
    rows = [("1 process (baseline)", phase(folder, db, [2]))]
    if name == "sqlite":
        rows += [
            (f"{n} processes (before)", phase(folder, db, everyone, variant=BEFORE)),
        ]
    rows.append((f"{n} processes", phase(folder, db, everyone)))
    if name == "sqlite":
        rows.append(
            (
                f"{n} processes + import (before)",
                phase(folder, db, everyone, import_file=next(bigs), variant=BEFORE),
            )
        )
    rows.append((f"{n} processes + import", phase(folder, db, everyone, import_file=next(bigs))))
    if name == "postgresql":
        rows.append(
            (
                f"{args.processes} processes, row locks off",
                phase(folder, db, everyone, unlocked=True),
            )
        )
    return rows


def print_table(name: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n{name}")
    head = (
        f"{'phase':<42} {'acked':>6} {'stored':>6} {'errors':>6} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'max ms':>8} {'waits':>5} {'forks':>5} {'verify':>6} {'wall s':>7}"
    )
    print(head)
    print("-" * len(head))
    for label, f in rows:
        print(
            f"{label:<42} {f['acknowledged']:>6} {f['stored']:>6} {f['errors']:>6} "
            f"{f['p50']:>8.1f} {f['p95']:>8.1f} {f['max']:>8.1f} {f['waits']:>5} {f['forks']:>5} "
            f"{f['verify']:>6} {f['wall']:>7.1f}"
        )
    for label, f in rows:
        if "import" in f:
            print(f"  import beside '{label}': {f['import']}")
        if f["first_error"]:
            print(f"  first error in '{label}': {f['first_error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--records", type=int, default=480)
    parser.add_argument("--import-records", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=1, help="runs; medians printed over them")
    args = parser.parse_args()
    if args.processes < 2 or args.processes > 16:
        parser.error("--processes is 2 to 16 (processes 0 and 1 share a reviewer)")
    if args.engine in ("sqlite", "both"):
        runs = []
        for i in range(args.repeats):
            runs.append(run_engine("sqlite", None, args))
            print_table(f"SQLite (WAL), run {i + 1} of {args.repeats}", runs[-1])
        print_medians("SQLite (WAL)", runs)
    if args.engine in ("postgresql", "both"):
        from tests import pg

        if not pg.available():
            sys.exit("PostgreSQL (initdb, pg_ctl) is not installed; run with --engine sqlite")
        with pg.postgres_server() as server:
            runs = []
            for i in range(args.repeats):
                url = pg.fresh_database(server, f"evimap_concurrent_{i}")
                runs.append(run_engine("postgresql", url, args))
                print_table(f"PostgreSQL, run {i + 1} of {args.repeats}", runs[-1])
            print_medians("PostgreSQL", runs)


def print_medians(name: str, runs: list[list[tuple[str, dict]]]) -> None:
    """Per phase, the median over the runs of p50, p95 and max (and the totals' worst)."""
    if len(runs) < 2:
        return
    print(f"\n{name}: medians over {len(runs)} runs")
    head = (
        f"{'phase':<42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'acked=stored':>12} "
        f"{'errors, all runs':>16} {'forks':>5}"
    )
    print(head)
    print("-" * len(head))
    for i, (label, _) in enumerate(runs[0]):
        figures = [run[i][1] for run in runs]
        med = {k: statistics.median(f[k] for f in figures) for k in ("p50", "p95", "max")}
        same = all(f["acknowledged"] == f["stored"] for f in figures)
        print(
            f"{label:<42} {med['p50']:>8.1f} {med['p95']:>8.1f} {med['max']:>8.1f} "
            f"{'yes' if same else 'NO':>12} {sum(f['errors'] for f in figures):>16} "
            f"{sum(f['forks'] for f in figures):>5}"
        )


if __name__ == "__main__":
    main()
