"""Prioritisation: evimap's default model beside ASReview 3.0.8's default (``elas_u4``).

On every labelled set in ``../shared/data/screening/`` and seeds 0-4: for each seed, one
relevant and one irrelevant prior row chosen by ``numpy.random.RandomState(seed)`` (the same
rows for both tools), then one record at a time until the last relevant record is found.
Prints per set and mean WSS@95, RRF@10, ATD (share of records) and seconds per retrain, the two
tools measured side by side in the same run (each set's ASReview process runs while evimap
works on the same set, so both see the same load).

**Out of sample.** evimap's candidate models (``--candidates``) are all simulated; for each set
the candidate with the best mean WSS@95 on the *other* sets is chosen and scored on the held-out
set (leave one set out). The table's evimap columns are those held-out scores; the shipped
``default`` preset's own scores are printed beside them.

ASReview is not an evimap dependency: the benchmark makes a throw-away venv (``--venv``,
default ``/tmp/evimap-asreview-venv``) with ``asreview==3.0.8`` and runs
``benchmarks/asreview_driver.py`` there.

**How it runs.** One process works through the sets in turn (``--save`` after each set,
``--resume`` to go on). With ``--jobs N --parts DIR`` the invocation starts up to N worker
processes, one set each (largest first), each writing ``DIR/SET.json``; sets already there are
kept; when all are done the same invocation merges the parts and prints one table, with a line
saying how it was run. ``--report A.json B.json ...`` only prints the merged table of saved runs.

Seconds per retrain are processor seconds (``time.process_time``), the steadier measure on a
shared machine, of the same work for both tools: taking the training rows out of the feature
matrix, the sample weights, the fit, scoring the pool and ordering it (ASReview's driver times
its row slicing too, which its ``Simulate`` does outside ``fit`` and ``rank``; its fit + rank
time alone is printed below the table). Wall-clock seconds are printed beside them.

Usage: ``python benchmarks/prioritise_vs_asreview.py [--seeds 0-4] [--sets ADHD,virus]
[--candidates default,nokw] [--save results.json] [--jobs 2 --parts DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from evimap.errors import ImportFormatError  # noqa: E402
from evimap.prioritise.cycle import ModelSpec  # noqa: E402
from evimap.prioritise.data import LabelledSet, read_labelled  # noqa: E402
from evimap.prioritise.features import record_document  # noqa: E402
from evimap.prioritise.metrics import summarise  # noqa: E402
from evimap.prioritise.simulate import choose_priors, simulate_set  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
DRIVER = Path(__file__).with_name("asreview_driver.py")
ASREVIEW = "asreview==3.0.8"


def _terms(keywords: str = "words", **params) -> dict:
    feature_params = {"keywords": keywords, **params}
    return {"spec": {"features": "tfidf-terms", "feature_params": feature_params}}


CANDIDATES: dict[str, dict] = {
    "default": {},
    "nokw": {"keywords": False},
    "kwords": _terms(),
    "kwords-df.5": _terms(term_max_df=0.5),
    "kwords-df.2": _terms(term_max_df=0.2),
    "kwords-min2": _terms(min_df=2),
    "kwords-title2": _terms(title_repeat=1),
    "whole-w1": _terms("whole", term_weight=1.0),
    "whole-w.5": _terms("whole", term_weight=0.5),
    "whole-w.3": _terms("whole", term_weight=0.3),
    "whole-w.2": _terms("whole", term_weight=0.2),
    "whole-w.1": _terms("whole", term_weight=0.1),
    "joined-title2": _terms("joined", title_repeat=1),
    "nokw-title2": {"keywords": False, **_terms(title_repeat=1)},
    "nokw-min2": {"keywords": False, "spec": {"feature_params": {"min_df": 2}}},
    "default-min2": {"spec": {"feature_params": {"min_df": 2}}},
    "default-accents": {"spec": {"feature_params": {"strip_accents": None}}},
    "default-C.2": {"spec": {"params": {"C": 0.2}}},
    "default-C.05": {"spec": {"params": {"C": 0.05}}},
    "svm-nb": {"spec": {"classifier": "svm-nb", "params": {"C": 0.11}}},
    "default-authors": {"spec": {"feature_params": {"authors": True}}},
}
"""Candidate models compared out of sample: overrides of the ``default`` preset (``spec``:
:meth:`ModelSpec.named` overrides) and whether the keywords are read (``keywords``: False reads
title and abstract only, as ASReview does). ``default`` reads the keywords joined to the text,
a choice first made by looking at some of these sets. The others are every variant tried in
the session of 29 Nov (04:20) to beat it: keywords read term by term (``kwords``: each term's
own words in the text's vocabulary; ``whole``: one feature a term, in a block of weight w),
terms most records carry dropped (``df``), rare words dropped (``min2``), the title read
twice (``title2``), accents kept as ASReview keeps them, and two other values of the SVM's C.
All of them are run, and leaving one set out picks among all of them, so the choice among
variants tried on these sets is out of sample too. ``svm-nb`` (session of 29 Nov, 08:30,
chosen before it was run on any set) ranks by the mean rank of the default SVM and naive
Bayes on the same features and rows. ``default-authors`` (session of 29 Nov, 10:30, chosen
before it was run on any set) is ``default`` with the authors read too, one feature an author
(family name and initials), in a block of weight 1 beside the text (sets without authors:
the same model as ``default``)."""

console = Console(width=max(Console().width, 160))


def parse_seeds(text: str) -> list[int]:
    """``0-4`` or ``0,2,5``."""
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",") if s.strip()]


def labelled_sets(names: list[str] | None) -> list[tuple[Path, LabelledSet]]:
    """Every file under ``DATA`` that reads as a labelled set with both classes."""
    out = []
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".csv", ".ris", ".tsv", ".txt"):
            continue
        try:
            data = read_labelled(path)
        except ImportFormatError as exc:
            console.print(f"[dim]skipped {path.name}: {exc}[/dim]")
            continue
        if data.relevant < 2 or data.relevant == len(data):
            console.print(f"[dim]skipped {path.name}: needs both relevant and irrelevant[/dim]")
            continue
        if names and data.name not in names:
            continue
        out.append((path, data))
    return out


def asreview_python(folder: Path) -> Path:
    """The Python of the throw-away ASReview venv, made on first use."""
    folder = folder.resolve()
    python = folder / "bin" / "python"
    if not python.exists():
        console.print(f"making a venv with {ASREVIEW} in {folder} (once, a few minutes)")
        venv.create(folder, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", ASREVIEW],
            check=True,
        )
    return python


def padded(order: list[int], priors: list[int], n: int) -> list[int]:
    """ASReview stops at the last relevant record: append the rest (all irrelevant)."""
    seen = set(order) | set(priors)
    return order + [i for i in range(n) if i not in seen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument(
        "--candidates",
        default="default,nokw",
        help="comma-separated candidates (see CANDIDATES), or 'all'",
    )
    parser.add_argument("--venv", default="/tmp/evimap-asreview-venv")
    parser.add_argument("--save", default="", help="write every run (orders too) as JSON here")
    parser.add_argument(
        "--resume", action="store_true", help="keep the sets already in --save, run the rest"
    )
    parser.add_argument(
        "--report", nargs="+", default=[], help="only print the table of saved runs (merged)"
    )
    parser.add_argument(
        "--batch", type=int, default=1, help="records labelled between retrains (both tools)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="sets simulated in parallel")
    parser.add_argument("--parts", default="", help="folder of per-set results (with --jobs)")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    if args.candidates == "all":
        args.candidates = ",".join(CANDIDATES)
    if args.report:
        saved: dict[str, dict] = {}
        for path in args.report:
            saved.update(json.loads(Path(path).read_text(encoding="utf-8")))
        report(saved, [c for c in args.candidates.split(",") if c], seeds)
        return
    names = [n for n in args.sets.split(",") if n] or None
    candidates = [c for c in args.candidates.split(",") if c]
    sets = labelled_sets(names)
    python = asreview_python(Path(args.venv))
    results: dict[str, dict] = {}
    if args.resume and args.save and Path(args.save).exists():
        results = json.loads(Path(args.save).read_text(encoding="utf-8"))
        console.print(f"resuming: {', '.join(results)} already done")
    if args.jobs > 1 or args.parts:
        run_parts(args, sets, candidates, seeds)
        return
    with Progress(console=console) as progress:
        task = progress.add_task("simulating", total=len(sets) * (len(candidates) + 1))
        for path, data in sets:
            if data.name in results:
                progress.advance(task, len(candidates) + 1)
                continue
            progress.update(task, description=f"{data.name}: ASReview and evimap")
            results[data.name] = run_set(
                path, data, candidates, seeds, python, lambda: progress.advance(task), args.batch
            )
            if args.save:  # after every set, so a long run can be resumed
                Path(args.save).write_text(json.dumps(results), encoding="utf-8")
            progress.advance(task)
    report(results, candidates, seeds)


def run_set(
    path: Path,
    data: LabelledSet,
    candidates: list[str],
    seeds: list[int],
    python: Path,
    tick,
    batch: int = 1,
) -> dict:
    """ASReview (in its venv, as a parallel process) and every evimap candidate on one set."""
    priors = {seed: choose_priors(data.labels, seed) for seed in seeds}
    proc = subprocess.Popen(
        [str(python), str(DRIVER), str(path.resolve()), json.dumps(priors), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=python.parent.parent,  # ASReview leaves a cache file in its working folder
    )
    entry: dict[str, dict] = {}
    done: dict[tuple, str] = {}
    for name in candidates:
        option = CANDIDATES[name]
        spec = ModelSpec.named("default", **option.get("spec", {}))
        texts = [record_document(r, keywords=option.get("keywords", True)) for r in data.records]
        key = (json.dumps(spec.to_dict(), sort_keys=True), tuple(texts))
        if key in done:  # same model, same text (a set without keywords): same runs
            entry[name] = {**entry[done[key]], "same_as": done[key]}
            tick()
            continue
        runs = simulate_set(texts, data.labels, spec, seeds, batch=batch)
        entry[name] = {
            "runs": [
                {
                    **r.metrics.to_dict(),
                    "seconds": r.seconds_per_retrain,
                    "cpu": r.cpu_seconds_per_retrain,
                    "seed": r.seed,
                }
                for r in runs
            ],
            "orders": [r.order for r in runs],
        }
        done[key] = name
        tick()
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"ASReview failed on {path.name}:\n{err[-2000:]}")
    asr_runs, asr_orders = [], []
    for line in out.splitlines():
        got = json.loads(line)
        if got["labels"] != [int(v) for v in data.labels]:
            raise SystemExit(f"ASReview read {path.name} differently (labels differ)")
        order = padded(got["order"], got["priors"], len(data))
        metrics = summarise([int(data.labels[i]) for i in order])
        asr_runs.append(
            {
                **metrics.to_dict(),
                "seconds": float(np.mean(got["seconds"])),
                "cpu": float(np.mean(got["cpu_seconds"])),
                "cpu_fit_rank": float(np.mean(got.get("cpu_fit_rank", got["cpu_seconds"]))),
                "seed": got["seed"],
            }
        )
        asr_orders.append(order)
    entry["asreview"] = {"runs": asr_runs, "orders": asr_orders}
    entry["priors"] = {str(k): v for k, v in priors.items()}
    entry["batch"] = batch
    return entry


def run_parts(args, sets, candidates: list[str], seeds: list[int]) -> None:
    """Up to ``--jobs`` worker processes, one set each, largest first; then one merged table."""
    parts = Path(args.parts or "prioritise-parts")
    parts.mkdir(parents=True, exist_ok=True)
    todo = sorted(
        (data for _, data in sets if not (parts / f"{data.name}.json").exists()),
        key=len,
        reverse=True,
    )
    kept = [data.name for _, data in sets if (parts / f"{data.name}.json").exists()]
    started = time.strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    wall = time.perf_counter()
    running: list[tuple[str, subprocess.Popen, float]] = []
    base = [sys.executable, str(Path(__file__).resolve()), "--seeds", args.seeds]
    base += ["--candidates", ",".join(candidates), "--venv", args.venv]
    base += ["--batch", str(args.batch)]
    while todo or running:
        while todo and len(running) < max(1, args.jobs):
            data = todo.pop(0)
            log = (parts / f"{data.name}.log").open("w", encoding="utf-8")
            part = parts / f"{data.name}.json.partial"
            command = [*base, "--sets", data.name, "--save", str(part)]
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            running.append((data.name, proc, time.perf_counter()))
            console.print(f"started {data.name} ({len(data)} records)")
        time.sleep(2)
        for item in list(running):
            name, proc, since = item
            if proc.poll() is None:
                continue
            running.remove(item)
            if proc.returncode != 0:
                raise SystemExit(f"the worker for {name} failed: see {parts / (name + '.log')}")
            (parts / f"{name}.json.partial").rename(parts / f"{name}.json")
            console.print(f"finished {name} in {time.perf_counter() - since:.0f} s")
    saved: dict[str, dict] = {}
    for _, data in sets:
        saved.update(json.loads((parts / f"{data.name}.json").read_text(encoding="utf-8")))
    if args.save:
        Path(args.save).write_text(json.dumps(saved), encoding="utf-8")
    console.print(
        f"How it ran: started {started}, load average {load:.1f} on {os.cpu_count()} cores; "
        f"{len(sets) - len(kept)} set(s) simulated now in up to {args.jobs} parallel worker "
        f"process(es) (each with its ASReview process beside it), {args.batch} record(s) "
        "labelled between retrains, "
        f"{len(kept)} kept from earlier parts in {parts} ({', '.join(kept) or 'none'}); "
        f"{time.perf_counter() - wall:.0f} s; load average now {os.getloadavg()[0]:.1f}"
    )
    report(saved, candidates, seeds)


def _mean(runs: list[dict], key: str) -> float:
    if key == "cpu" and any("cpu" not in r for r in runs):
        return float("nan")  # saved before processor time was measured
    return float(np.mean([r[key] for r in runs]))


KEYS = ("wss95", "rrf10", "atd", "cpu", "seconds")


def loso_choices(results: dict[str, dict], candidates: list[str]) -> dict[str, str]:
    """For each set, the candidate with the best mean WSS@95 on the *other* sets (ties: the
    first in ``candidates``).

    :param results: saved runs per set and candidate.
    :param candidates: the candidates to choose among (sets lacking one are left out).
    """
    names = [n for n in results if all(c in results[n] for c in candidates)]
    chosen: dict[str, str] = {}
    for held in names:
        others = [n for n in names if n != held] or names
        chosen[held] = max(
            candidates,
            key=lambda c: np.mean([_mean(results[n][c]["runs"], "wss95") for n in others]),
        )
    return chosen


def report(results: dict[str, dict], candidates: list[str], seeds: list[int]) -> None:
    """Print the per-set table, the means and the leave-one-set-out choices."""
    names = [n for n in results if all(c in results[n] for c in candidates)]
    chosen = loso_choices(results, candidates)
    fixed = "default" if "default" in candidates else candidates[0]
    table = Table(
        title=f"ASReview 3.0.8 (elas_u4) vs evimap, seeds {seeds[0]}-{seeds[-1]}, same priors; "
        f"evimap '{fixed}' and the candidate chosen leaving the set out",
        caption="WSS@95, RRF@10 and ATD as shares (ATD: lower is better); "
        "cpu s / wall s = processor / wall-clock seconds per retrain (fit, score, order); "
        "LOSO = candidate chosen on the other sets",
    )
    columns = ["set", "records", "relevant", "ASR WSS@95", f"{fixed} WSS@95", "LOSO WSS@95"]
    columns += ["ASR RRF@10", f"{fixed} RRF@10", "ASR ATD", f"{fixed} ATD"]
    columns += ["ASR cpu s", f"{fixed} cpu s", "ASR wall s", f"{fixed} wall s", "LOSO chose"]
    for column in columns:
        table.add_column(column, justify="right")
    rows = []
    for name in names:
        asr = results[name]["asreview"]["runs"]
        row = {
            "asr": {k: _mean(asr, k) for k in KEYS},
            "fix": {k: _mean(results[name][fixed]["runs"], k) for k in KEYS},
            "loso": {k: _mean(results[name][chosen[name]]["runs"], k) for k in KEYS},
        }
        rows.append(row)
        table.add_row(
            name,
            str(asr[0]["records"] + 2),
            str(asr[0]["relevant"] + 1),
            *_cells(row),
            chosen[name],
        )

    def mean(part: str, key: str) -> float:
        return float(np.mean([r[part][key] for r in rows]))

    means = {part: {k: mean(part, k) for k in KEYS} for part in ("asr", "fix", "loso")}
    table.add_row("mean", "", "", *_cells(means), "", end_section=True)
    console.print(table)
    if len(candidates) > 1:
        console.print(candidate_table(results, names, candidates, chosen))
    fit_rank = [
        _mean(results[n]["asreview"]["runs"], "cpu_fit_rank")
        for n in names
        if all("cpu_fit_rank" in r for r in results[n]["asreview"]["runs"])
    ]
    if fit_rank:
        console.print(
            f"ASReview's fit + rank alone (without slicing the rows): mean {np.mean(fit_rank):.4f} "
            f"processor s per retrain over {len(fit_rank)} set(s)"
        )
    for part, label in (("fix", f"evimap '{fixed}'"), ("loso", "evimap chosen leaving one out")):
        gain = (means[part]["wss95"] - means["asr"]["wss95"]) * 100
        console.print(
            f"{label}: mean WSS@95 {gain:+.1f} points over ASReview (target: +2.0); "
            f"processor seconds per retrain {means[part]['cpu']:.4f} vs "
            f"{means['asr']['cpu']:.4f} (sets where evimap's is slower: "
            f"{sum(r[part]['cpu'] > r['asr']['cpu'] for r in rows)} of {len(rows)})"
        )


def candidate_table(
    results: dict[str, dict], names: list[str], candidates: list[str], chosen: dict[str, str]
) -> Table:
    """Mean WSS@95 of ASReview, every candidate (in sample) and the one chosen leaving each set
    out, per set and on the mean."""
    table = Table(title="WSS@95 of every candidate (in sample) and leaving one set out")
    for column in ["set", "ASR", *candidates, "LOSO", "LOSO chose"]:
        table.add_column(column, justify="right")
    sums = {c: [] for c in ["asreview", *candidates, "loso"]}
    for name in names:
        values = {c: _mean(results[name][c]["runs"], "wss95") for c in ["asreview", *candidates]}
        values["loso"] = values[chosen[name]]
        for key, value in values.items():
            sums[key].append(value)
        cells = [f"{values[c]:.3f}" for c in ["asreview", *candidates, "loso"]]
        table.add_row(name, *cells, chosen[name])
    table.add_row("mean", *(f"{np.mean(v):.3f}" for v in sums.values()), "", end_section=True)
    return table


def _cells(row: dict) -> list[str]:
    asr, fix, loso = row["asr"], row["fix"], row["loso"]
    return [
        f"{asr['wss95']:.3f}",
        f"{fix['wss95']:.3f}",
        f"{loso['wss95']:.3f}",
        f"{asr['rrf10']:.3f}",
        f"{fix['rrf10']:.3f}",
        f"{asr['atd']:.3f}",
        f"{fix['atd']:.3f}",
        f"{asr['cpu']:.4f}",
        f"{fix['cpu']:.4f}",
        f"{asr['seconds']:.4f}",
        f"{fix['seconds']:.4f}",
    ]


if __name__ == "__main__":
    main()
