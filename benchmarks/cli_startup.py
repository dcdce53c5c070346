"""How fast `evimap --help` answers, beside the baselines measured in the same run.

    python benchmarks/cli_startup.py [--runs 9]

Prints the median wall-clock and CPU (user + system) time of: a bare Python start, importing
Typer alone, importing evimap's CLI, `evimap --help`, and `evimap records --help` (a verb's help,
which also reads the named review's team). The target is `evimap --help` under half a second;
CPU time is the figure to compare on a shared machine (wall-clock time includes the
neighbours).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of running ``args``."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, cwd=REPO)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    python = sys.executable
    cases = [
        ("python -c pass (baseline)", [python, "-c", "pass"]),
        ("import typer (baseline)", [python, "-c", "import typer"]),
        ("import evimap.cli", [python, "-c", "import evimap.cli"]),
        ("evimap --help", [python, "-m", "evimap.cli", "--help"]),
        ("evimap records --help", [python, "-m", "evimap.cli", "records", "--help"]),
    ]
    print(f"{'':32} {'wall s':>8} {'cpu s':>8}   (median of {args.runs})")
    for name, command in cases:
        wall, cpu = measure(command, args.runs)
        print(f"{name:32} {wall:8.3f} {cpu:8.3f}")


if __name__ == "__main__":
    main()
