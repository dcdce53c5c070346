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

Usage: ``python benchmarks/prioritise_vs_asreview.py [--seeds 0-4] [--sets ADHD,virus]
[--candidates default,c05] [--save results.json]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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
from evimap.prioritise.features import record_text  # noqa: E402
from evimap.prioritise.metrics import summarise  # noqa: E402
from evimap.prioritise.simulate import choose_priors, simulate_set  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
DRIVER = Path(__file__).with_name("asreview_driver.py")
ASREVIEW = "asreview==3.0.8"

CANDIDATES: dict[str, dict] = {
    "default": {},
    "c05": {"params": {"C": 0.5}},
}
"""Candidate models (overrides of the ``default`` preset) compared out of sample."""

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
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--venv", default="/tmp/evimap-asreview-venv")
    parser.add_argument("--save", default="", help="write every run (orders too) as JSON here")
    parser.add_argument(
        "--resume", action="store_true", help="keep the sets already in --save, run the rest"
    )
    parser.add_argument(
        "--report", nargs="+", default=[], help="only print the table of saved runs (merged)"
    )
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
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
    with Progress(console=console) as progress:
        task = progress.add_task("simulating", total=len(sets) * (len(candidates) + 1))
        for path, data in sets:
            if data.name in results:
                progress.advance(task, len(candidates) + 1)
                continue
            priors = {seed: choose_priors(data.labels, seed) for seed in seeds}
            progress.update(task, description=f"{data.name}: ASReview and evimap")
            proc = subprocess.Popen(
                [str(python), str(DRIVER), str(path.resolve()), json.dumps(priors)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=python.parent.parent,  # ASReview leaves a cache file in its working folder
            )
            texts = [record_text(r) for r in data.records]
            entry: dict[str, dict] = {}
            for name in candidates:
                spec = ModelSpec.named("default", **CANDIDATES[name])
                runs = simulate_set(texts, data.labels, spec, seeds)
                entry[name] = {
                    "runs": [
                        {**r.metrics.to_dict(), "seconds": r.seconds_per_retrain, "seed": r.seed}
                        for r in runs
                    ],
                    "orders": [r.order for r in runs],
                }
                progress.advance(task)
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
                        "seed": got["seed"],
                    }
                )
                asr_orders.append(order)
            entry["asreview"] = {"runs": asr_runs, "orders": asr_orders}
            entry["priors"] = {str(k): v for k, v in priors.items()}
            results[data.name] = entry
            if args.save:  # after every set, so a long run can be resumed
                Path(args.save).write_text(json.dumps(results), encoding="utf-8")
            progress.advance(task)
    report(results, candidates, seeds)


def _mean(runs: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in runs]))


def report(results: dict[str, dict], candidates: list[str], seeds: list[int]) -> None:
    """Print the per-set table, the means and the leave-one-set-out choices."""
    names = [n for n in results if all(c in results[n] for c in candidates)]
    chosen: dict[str, str] = {}
    for held in names:
        others = [n for n in names if n != held] or names
        chosen[held] = max(
            candidates,
            key=lambda c: np.mean([_mean(results[n][c]["runs"], "wss95") for n in others]),
        )
    table = Table(
        title=f"ASReview 3.0.8 (elas_u4) vs evimap, seeds {seeds[0]}-{seeds[-1]}, "
        "evimap chosen leaving the set out",
        caption="WSS@95, RRF@10 and ATD as shares; ATD lower is better; s = seconds per retrain",
    )
    for column in (
        "set",
        "records",
        "relevant",
        "ASR WSS@95",
        "evimap WSS@95",
        "ASR RRF@10",
        "evimap RRF@10",
        "ASR ATD",
        "evimap ATD",
        "ASR s",
        "evimap s",
        "chosen",
        "default WSS@95",
    ):
        table.add_column(column, justify="right")
    rows = []
    for name in names:
        asr = results[name]["asreview"]["runs"]
        evi = results[name][chosen[name]]["runs"]
        default = results[name]["default"]["runs"] if "default" in results[name] else evi
        row = {
            "asr": {k: _mean(asr, k) for k in ("wss95", "rrf10", "atd", "seconds")},
            "evi": {k: _mean(evi, k) for k in ("wss95", "rrf10", "atd", "seconds")},
            "default": _mean(default, "wss95"),
        }
        rows.append(row)
        table.add_row(
            name,
            str(asr[0]["records"] + 2),
            str(asr[0]["relevant"] + 1),
            f"{row['asr']['wss95']:.3f}",
            f"{row['evi']['wss95']:.3f}",
            f"{row['asr']['rrf10']:.3f}",
            f"{row['evi']['rrf10']:.3f}",
            f"{row['asr']['atd']:.3f}",
            f"{row['evi']['atd']:.3f}",
            f"{row['asr']['seconds']:.4f}",
            f"{row['evi']['seconds']:.4f}",
            chosen[name],
            f"{row['default']:.3f}",
        )

    def mean(part: str, key: str) -> float:
        return float(np.mean([r[part][key] for r in rows]))

    table.add_row(
        "mean",
        "",
        "",
        f"{mean('asr', 'wss95'):.3f}",
        f"{mean('evi', 'wss95'):.3f}",
        f"{mean('asr', 'rrf10'):.3f}",
        f"{mean('evi', 'rrf10'):.3f}",
        f"{mean('asr', 'atd'):.3f}",
        f"{mean('evi', 'atd'):.3f}",
        f"{mean('asr', 'seconds'):.4f}",
        f"{mean('evi', 'seconds'):.4f}",
        "",
        f"{float(np.mean([r['default'] for r in rows])):.3f}",
        end_section=True,
    )
    console.print(table)
    gain = (mean("evi", "wss95") - mean("asr", "wss95")) * 100
    console.print(
        f"evimap (held-out choice) mean WSS@95 {gain:+.1f} points over ASReview; "
        f"seconds per retrain {mean('evi', 'seconds'):.4f} vs {mean('asr', 'seconds'):.4f}"
    )


if __name__ == "__main__":
    main()
