"""Run bib-dedupe on one gold set and print its clusters as JSON (for dedup_accuracy.py).

This script runs inside bib-dedupe's own virtual environment (bib-dedupe is not an evimap
dependency), so it imports nothing from evimap: ``python bib_dedupe_run.py records.csv``
prints ``{"groups": [[ID, ...], ...], "maybe": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import sys
import time


def main(path: str) -> int:
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    frame = pd.read_csv(path)
    start = time.perf_counter()
    matched = match(
        block(prep(frame, verbosity_level=0, cpu=1), verbosity_level=0, cpu=1),
        verbosity_level=0,
        cpu=1,
    )
    duplicates = matched[matched["duplicate_label"] == "duplicate"]
    maybe = int((matched["duplicate_label"] == "maybe").sum())
    groups = cluster(duplicates, verbosity_level=0)
    seconds = time.perf_counter() - start
    out = {"groups": [sorted(map(str, g)) for g in groups], "maybe": maybe, "seconds": seconds}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
