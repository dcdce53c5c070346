"""What one screening key press costs with prioritisation off and on: ``decide_next`` (the
decision, the ranking that showed the record, the next record to serve) and the screening
page's navigation (position, back, forward), on a review of N records screened dual by two
reviewers, with a stored ranking for the timed reviewer (made once, when the review is built:
later repeats pass over the records decided since, as with a ranking no runner refreshes).

    PYTHON benchmarks/queue_speed.py [--records 3000] [--decisions 40] [--repeats 5]
                                     [--profile on|off]

Run it with the Python of two worktrees (each has evimap installed editable from its own
``src``) to compare a change before and after in one run; it times whichever evimap the Python
imports. Off and on alternate, ``--repeats`` times each; each repeat opens the review afresh
(review.toml says ``enabled`` true or false) and times ``--decisions`` decisions one by one,
each going to the record ``decide_next`` returned. Prints the median of the repeats' medians
in milliseconds, and a hash of every record ``decide_next`` named (equal hashes: the same
records served, so a change that should not alter results can be checked against its base).
``--profile on`` runs cProfile over one repeat with prioritisation on and prints the top 25.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import random
import statistics
import tempfile
import time
from pathlib import Path

import evimap
from evimap.review import Review

TA = "title_abstract"
WORDS = ["alliance", "rupture", "repair", "therapy", "withdrawal", "confrontation", "outcome"]
OTHER = ["soil", "wheat", "steel", "corrosion", "enzyme", "traffic", "bridge"]

PROTOCOL = """title = "Queue speed"
authors = ["bench"]

[question]
population = "adults"
concept = "alliance ruptures"
context = "any"

[search]
databases = ["Scopus"]
equation = "rupture"
date = "2024-05"

[[criteria]]
code = "E1"
kind = "exclusion"
text = "Not psychotherapy"

[screening.assignment]
seed = 1

[[screening.reviewers]]
name = "ana"

[[screening.reviewers]]
name = "ben"

[[screening.reviewers]]
name = "owner"
role = "owner"

[prioritise]
enabled = {enabled}
retrain_every = 5
"""


def relevant(i: int) -> bool:
    """Whether synthetic record ``i`` is on topic (one in ten)."""
    return i % 10 == 0


def ris(n: int) -> str:
    """``n`` synthetic records, one in ten on topic."""
    rng = random.Random(7)
    out = []
    for i in range(n):
        words = WORDS if relevant(i) else OTHER
        abstract = " ".join(rng.choice(words + OTHER) for _ in range(80))
        out.append(
            f"TY  - JOUR\nTI  - Record {i}: {' '.join(rng.sample(words, 4))}\nAB  - {abstract}\n"
            f"PY  - {2000 + i % 24}\nDO  - 10.9999/queue.{i}\nT2  - Journal {i % 50}\nER  - \n"
        )
    return "\n".join(out)


def toggle(folder: Path, enabled: bool) -> None:
    """Turn prioritisation on or off in review.toml (read when the review opens)."""
    text = PROTOCOL.format(enabled=str(enabled).lower())
    (folder / "review.toml").write_text(text, encoding="utf-8")


def build(folder: Path, n: int) -> dict[int, bool]:
    """The review: ``n`` records assigned dual to ana and ben; each has decided 30 records
    of their own and ana's queue has a stored ranking. Returns record id -> on topic."""
    folder.mkdir(parents=True)
    toggle(folder, True)
    (folder / "records.ris").write_text(ris(n), encoding="utf-8")
    with Review.open(folder) as review:
        owner = review.team.member("owner")
        review.imports.add(folder / "records.ris", database="Scopus", member=owner)
        review.screening.assign(TA, member=owner)
        topic = {
            r["record_id"]: relevant(int(r["title"].split(":")[0].split()[1]))
            for r in review.screening.my_records(TA, member=review.team.member("ana"), limit=n)[
                "rows"
            ]
        }
        for name in ("ana", "ben"):
            member = review.team.member(name)
            queue = review.screening.queue(TA, member=member)
            picks = [r for r in queue if topic[r]][:5] + [r for r in queue if not topic[r]][:25]
            for rid in picks:
                decision = "include" if topic[rid] else "exclude"
                review.screening.decide(TA, rid, decision, member=member)
        assert review.prioritise.rank(TA, member=review.team.member("ana")) is not None
    return topic


def repeat(folder: Path, enabled: bool, decisions: int, topic: dict[int, bool]):
    """One repeat: milliseconds of each ``decide_next`` and each page's navigation read."""
    toggle(folder, enabled)
    with Review.open(folder) as review:
        ana = review.team.member("ana")
        s = review.screening
        current = s.next_todo(TA, member=ana)
        served, decide_ms, page_ms = [], [], []
        for _ in range(decisions):
            if current is None:
                break
            start = time.perf_counter()
            _, current = s.decide_next(
                TA, current, "include" if topic[current] else "exclude", member=ana
            )
            decide_ms.append((time.perf_counter() - start) * 1000)
            served.append(current)
            start = time.perf_counter()
            if hasattr(s, "navigation"):
                s.navigation(TA, record_id=current, member=ana)
            else:  # before: the route read my records and my queue
                s.queue(TA, member=ana, todo_only=False)
                s.queue(TA, member=ana)
            page_ms.append((time.perf_counter() - start) * 1000)
    return decide_ms, page_ms, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", choices=["on", "off"], default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp()) / "review"
    topic = build(folder, args.records)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        repeat(folder, args.profile == "on", args.decisions, topic)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    times: dict[str, dict[str, list[float]]] = {
        m: {"decide": [], "page": []} for m in ("off", "on")
    }
    served: dict[str, list] = {"off": [], "on": []}
    for _ in range(args.repeats):
        for mode in ("off", "on"):
            decide_ms, page_ms, ids = repeat(folder, mode == "on", args.decisions, topic)
            times[mode]["decide"].append(statistics.median(decide_ms))
            times[mode]["page"].append(statistics.median(page_ms))
            served[mode].append(ids)
    out = {
        "evimap": evimap.__file__,
        "records": args.records,
        "decisions": args.decisions,
        "repeats": args.repeats,
    }
    for mode in ("off", "on"):
        out[f"decide_next_ms_{mode}"] = round(statistics.median(times[mode]["decide"]), 2)
        out[f"page_ms_{mode}"] = round(statistics.median(times[mode]["page"]), 2)
        digest = hashlib.sha1(json.dumps(served[mode]).encode()).hexdigest()[:12]
        out[f"served_sha1_{mode}"] = digest
    print(json.dumps(out))


if __name__ == "__main__":
    main()
