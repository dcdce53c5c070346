"""Processor seconds per retrain of evimap's default model, for whichever evimap this Python has.

Runs ``simulate_set`` on one labelled set and times every ``ActiveLearningCycle.rank`` call
from outside with ``time.process_time`` (so two versions of evimap are timed the same way),
and prints WSS@95, ATD and a hash of the orders (equal hashes: equal rankings). Run it with the
Python of two worktrees, alternating, to compare a change before and after.

Usage: ``PYTHON benchmarks/retrain_speed.py Antihistamines 0,1,2,3,4 [BATCH]``, BATCH the
records labelled between retrains (default 1; the benchmark against ASReview uses 10).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

import evimap
from evimap.prioritise import cycle
from evimap.prioritise.data import read_labelled
from evimap.prioritise.features import record_text
from evimap.prioritise.simulate import simulate_set

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "screening"


def main(name: str, seeds: list[int], batch: int = 1) -> None:
    cpu: list[float] = []
    rank = cycle.ActiveLearningCycle.rank

    def timed(self, *args, **kwargs):
        start = time.process_time()
        out = rank(self, *args, **kwargs)
        cpu.append(time.process_time() - start)
        return out

    cycle.ActiveLearningCycle.rank = timed
    path = next(p for p in sorted(DATA.rglob("*.csv")) if p.stem == name)
    data = read_labelled(path)
    texts = [record_text(r) for r in data.records]
    runs = simulate_set(texts, data.labels, cycle.ModelSpec.named("default"), seeds, batch=batch)
    orders = json.dumps([r.order for r in runs]).encode()
    print(
        json.dumps(
            {
                "evimap": evimap.__file__,
                "set": name,
                "batch": batch,
                "retrains": len(cpu),
                "cpu_per_retrain": round(float(np.mean(cpu)), 5),
                "median_cpu": round(float(np.median(cpu)), 5),
                "wss95": [round(r.metrics.wss95, 4) for r in runs],
                "atd": [round(r.metrics.atd, 4) for r in runs],
                "orders_sha1": hashlib.sha1(orders).hexdigest()[:12],
            }
        )
    )


if __name__ == "__main__":
    main(
        sys.argv[1],
        [int(s) for s in sys.argv[2].split(",")],
        int(sys.argv[3]) if len(sys.argv) > 3 else 1,
    )
