"""Web load: 20 reviewers (httpx, async) post screening decisions to a real uvicorn server for
60 s, on SQLite and on PostgreSQL; prints throughput and p50/p95/p99 latency, and checks that
every acknowledged decision is stored exactly once (in the decision tables and the event log).

    python benchmarks/web_load.py [--seconds 60] [--reviewers 20] [--records 12000]
                                  [--engine sqlite|postgresql|both] [--think 0]
                                  [--prioritise N]

Each reviewer logs in, opens the screening page's JSON twin, then decides on the record it
shows and on the next one each answer names, one request at a time, as fast as the server
answers (``--think S`` adds a pause between decisions, like a person reading an abstract).
The baseline, measured in the same run on the same engine, is the core alone:
``review.screening.decide`` called in-process, one at a time, without HTTP.

``--prioritise N`` runs each engine twice, first as above and then with ``[prioritise]``
enabled (a background ranker per reviewer, retraining after every N of their decisions, in
the server process): a decision should never wait for a model, so the two rows should differ
only by the processor time the retrains take from the requests. The rankings stored are
counted after the run.

PostgreSQL is a throw-away server started as the tests do (``tests/pg.py``). The machine's
load average is printed before and after: on a shared machine, compare figures within a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

import httpx  # noqa: E402

from evimap.review import Review  # noqa: E402

TA = "title_abstract"
OWNER = "owner"


def _protocol(reviewers: int, url: str, retrain_every: int = 0) -> str:
    team = "".join(f'\n[[screening.reviewers]]\nname = "r{i:02d}"\n' for i in range(reviewers))
    store = f'\n[store]\nurl = "{url}"\n' if url else ""
    if retrain_every:
        store += f"\n[prioritise]\nenabled = true\nretrain_every = {retrain_every}\n"
    return f"""title = "Web load"
authors = ["load"]

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
{team}
[[screening.reviewers]]
name = "{OWNER}"
role = "owner"
{store}"""


def _ris(n: int) -> str:
    words = [
        "alliance",
        "rupture",
        "repair",
        "therapy",
        "withdrawal",
        "confrontation",
        "outcome",
        "trial",
    ]
    rng = random.Random(7)
    out = []
    for i in range(n):
        abstract = " ".join(rng.choice(words) for _ in range(120))
        out.append(
            f"TY  - JOUR\nTI  - Record {i}: {' '.join(rng.sample(words, 5))}\nAB  - {abstract}\n"
            f"PY  - {2000 + i % 24}\nDO  - 10.9999/load.{i}\nT2  - Journal {i % 50}\nER  - \n"
        )
    return "\n".join(out)


def build(
    folder: Path, reviewers: int, records: int, url: str, retrain_every: int = 0
) -> list[str]:
    """A review of ``records`` records assigned dual to ``reviewers``; their passwords."""
    folder.mkdir(parents=True)
    (folder / "review.toml").write_text(_protocol(reviewers, url, retrain_every), encoding="utf-8")
    (folder / "records.ris").write_text(_ris(records), encoding="utf-8")
    secrets = [f"load-pass-{i:02d}" for i in range(reviewers)]
    with Review.open(folder) as review:
        review.imports.add(
            folder / "records.ris", database="Scopus", member=review.team.member(OWNER)
        )
        review.accounts.add(OWNER, "owner", "owner-pass-0")
        for i, secret in enumerate(secrets):
            review.accounts.add(f"r{i:02d}", "reviewer", secret)
        review.screening.assign(TA, member=review.team.member(OWNER))
    return secrets


def core_baseline(folder: Path, n: int) -> list[float]:
    """Milliseconds of ``review.screening.decide`` in-process, one at a time (the last
    reviewer's records from the end of their queue, which the clients do not reach)."""
    with Review.open(folder) as review:
        name = "r19" if "r19" in review.accounts.roles() else sorted(review.accounts.roles())[-2]
        queue = review.screening.queue(TA, member=review.team.member(name))[-n:]
        times = []
        for rid in queue:
            start = time.perf_counter()
            review.screening.decide(TA, rid, "include", member=review.team.member(name))
            times.append((time.perf_counter() - start) * 1000)
    return times


def serve(folder: Path, port: int) -> subprocess.Popen:
    """``evimap serve`` in its own process; returns once it answers."""
    evimap = Path(sys.executable).parent / "evimap"
    command = [str(evimap), "serve", str(folder), "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login.json", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start: {process.stderr.read().decode()[-2000:]}")


def cpu_seconds(pid: int) -> float:
    """Processor seconds (user + system) a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def log_in(client: httpx.AsyncClient, slug: str, name: str, secret: str) -> tuple:
    """Log a reviewer in; their CSRF token and the first record the screening page shows."""
    start = (await client.get("/login.json")).json()["csrf_token"]
    login = await client.post(
        "/login.json", json={"name": name, "password": secret}, headers={"x-csrf-token": start}
    )
    login.raise_for_status()
    page = (await client.get(f"/r/{slug}/screen/{TA}.json")).json()
    return login.json()["csrf_token"], page["record"]["record_id"] if page["record"] else None


async def reviewer(
    client: httpx.AsyncClient,
    slug: str,
    name: str,
    csrf: str,
    record: int | None,
    until: float,
    think: float,
    seed: int,
) -> dict:
    """One reviewer deciding record after record (each answer names the next) until
    ``until``."""
    rng = random.Random(seed)
    acked: list[tuple[int, int, str]] = []
    latencies: list[float] = []
    errors: Counter = Counter()
    while record is not None and time.monotonic() < until:
        decision = rng.choice(["include", "exclude", "exclude", "maybe"])
        body = {"record_id": record, "decision": decision}
        if decision == "exclude" and rng.random() < 0.5:
            body["reason"] = "E1"
        begin = time.perf_counter()
        try:
            response = await client.post(
                f"/r/{slug}/screen/{TA}/decide.json", json=body, headers={"x-csrf-token": csrf}
            )
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1
            response = None
        if response is None or response.status_code != 200:
            if response is not None:
                latencies.append((time.perf_counter() - begin) * 1000)
                errors[response.status_code] += 1
            # the outcome is unknown: read the page again, which shows the next record to
            # decide (this one again only if it was not stored), as a browser would
            page = (await client.get(f"/r/{slug}/screen/{TA}.json")).json()
            record = page["record"]["record_id"] if page.get("record") else None
            if record is not None and page["record"]["mine"]:
                break  # nothing left to do
            continue
        latencies.append((time.perf_counter() - begin) * 1000)
        answer = response.json()
        acked.append((answer["recorded"]["id"], record, decision))
        record = answer["next"]
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))
    return {"name": name, "acked": acked, "latencies": latencies, "errors": errors}


def check(folder: Path, results: list[dict]) -> dict:
    """Every acknowledged decision stored exactly once: in the tables and in the log."""
    with Review.open(folder) as review:
        owner = review.team.member(OWNER)  # sees every decision; no one sees unsettled ones
        events = review.events.read(kind="screen.decision", member=owner)
        current = review.screening.decisions(TA, member=owner)
    by_id = Counter(e.details["decision_id"] for e in events)
    by_pair = Counter((e.actor, e.details["record_id"]) for e in events)
    stored = {(row["reviewer"], row["record_id"]): row["decision"] for row in current}
    acked = [(r["name"], rid, did, d) for r in results for did, rid, d in r["acked"]]
    lost = [a for a in acked if by_id.get(a[2], 0) == 0 or stored.get((a[0], a[1])) != a[3]]
    twice = [a for a in acked if by_id.get(a[2], 0) > 1 or by_pair[(a[0], a[1])] > 1]
    unacked = len(events) - len(acked) - BASELINE_DECISIONS[0]
    for what, items in (("lost", lost), ("stored twice", twice)):
        for item in items[:5]:
            print(
                f"  {what}: reviewer {item[0]} record {item[1]} decision id {item[2]} "
                f"({item[3]}); events with this id: {by_id.get(item[2], 0)}, for this "
                f"reviewer and record: {by_pair[(item[0], item[1])]}",
                file=sys.stderr,
            )
    return {
        "acked": len(acked),
        "stored": len(events) - BASELINE_DECISIONS[0],
        "lost": len(lost),
        "twice": len(twice),
        "unacked": unacked,
    }


BASELINE_DECISIONS = [0]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def rankings_stored(folder: Path) -> int:
    """Rankings the server's background rankers stored (prioritisation on)."""
    from sqlalchemy import func, select

    from evimap.store.models_prioritise import RankingRow

    with Review.open(folder) as review, review.store.read() as session:
        return session.scalar(select(func.count()).select_from(RankingRow))


def run(engine: str, args, url: str = "", retrain_every: int = 0) -> dict:
    """One engine's run in a throw-away review folder (removed after, unless ``--keep``)."""
    folder = Path(tempfile.mkdtemp(prefix=f"evimap-load-{engine}-")) / "load"
    try:
        return measure(folder, engine, args, url, retrain_every)
    finally:
        if args.keep:
            print(f"kept the {engine} review: {folder}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)


def measure(folder: Path, engine: str, args, url: str, retrain_every: int) -> dict:
    """Build the review in ``folder``, serve it, run the reviewers, check what was stored."""
    secrets = build(folder, args.reviewers, args.records, url, retrain_every)
    baseline = core_baseline(folder, args.baseline)
    BASELINE_DECISIONS[0] = len(baseline)
    port = args.port + (0 if engine == "sqlite" else 1)
    server = serve(folder, port)
    cpu = [0.0, 0.0]  # processor seconds of the server and of the clients under load
    try:
        base = f"http://127.0.0.1:{port}"

        async def everyone():
            clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in secrets]
            try:
                sessions = []
                for i, (client, secret) in enumerate(zip(clients, secrets, strict=True)):
                    sessions.append(await log_in(client, "load", f"r{i:02d}", secret))
                until = time.monotonic() + args.seconds
                started = time.monotonic()
                cpu[0], cpu[1] = cpu_seconds(server.pid), time.process_time()
                results = await asyncio.gather(
                    *[
                        reviewer(client, "load", f"r{i:02d}", csrf, record, until, args.think, i)
                        for i, (client, (csrf, record)) in enumerate(
                            zip(clients, sessions, strict=True)
                        )
                    ]
                )
                cpu[0] = cpu_seconds(server.pid) - cpu[0]
                cpu[1] = time.process_time() - cpu[1]
                return results, time.monotonic() - started
            finally:
                for client in clients:
                    await client.aclose()

        results, elapsed = asyncio.run(everyone())
    finally:
        server.terminate()
        server.wait(20)
    latencies = [x for r in results for x in r["latencies"]]
    errors = sum((r["errors"] for r in results), Counter())
    stored = check(folder, results)
    label = engine + (f" + prioritise (retrain every {retrain_every})" if retrain_every else "")
    return {
        "engine": label,
        "rankings": rankings_stored(folder) if retrain_every else None,
        "elapsed": elapsed,
        "per_s": stored["acked"] / elapsed,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "errors": dict(errors),
        "server_ms": 1000 * cpu[0] / max(1, len(latencies)),
        "client_ms": 1000 * cpu[1] / max(1, len(latencies)),
        "core_p50": statistics.median(baseline),
        "core_p95": pct(baseline, 95),
        **stored,
    }


FLOOR_APP = """
import sys
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from evimap.web.security import SecurityHeaders

app = FastAPI()
app.add_middleware(SecurityHeaders)
count = [0]


class Body(BaseModel):
    record_id: int
    decision: str
    reason: str = ""


@app.post("/r/load/screen/title_abstract/decide.json")
def decide(body: Body):
    count[0] += 1
    return {"ok": True, "recorded": {"id": count[0]}, "next": body.record_id + 1}


@app.get("/login.json")
def ready():
    return {"ok": True}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def floor(args) -> dict:
    """The same 20 clients against an empty endpoint (FastAPI, one sync JSON route, the app's
    security headers, no store): what the HTTP stack and the clients alone allow here."""
    port = args.port + 2
    server = subprocess.Popen(
        [sys.executable, "-c", FLOOR_APP, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/login.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)

        async def everyone():
            clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(args.reviewers)]
            try:
                until = time.monotonic() + args.seconds
                started, cpu = time.monotonic(), (cpu_seconds(server.pid), time.process_time())
                results = await asyncio.gather(
                    *[
                        reviewer(client, "load", f"r{i:02d}", "-", 1, until, args.think, i)
                        for i, client in enumerate(clients)
                    ]
                )
                used = (cpu_seconds(server.pid) - cpu[0], time.process_time() - cpu[1])
                return results, time.monotonic() - started, used
            finally:
                for client in clients:
                    await client.aclose()

        results, elapsed, used = asyncio.run(everyone())
    finally:
        server.kill()
        server.wait(20)
    latencies = [x for r in results for x in r["latencies"]]
    n = max(1, len(latencies))
    return {
        "engine": "floor (empty endpoint)",
        "elapsed": elapsed,
        "per_s": len(latencies) / elapsed,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "errors": dict(sum((r["errors"] for r in results), Counter())),
        "server_ms": 1000 * used[0] / n,
        "client_ms": 1000 * used[1] / n,
        "core_p50": float("nan"),
        "core_p95": float("nan"),
        "acked": len(latencies),
        "stored": 0,
        "lost": 0,
        "twice": 0,
        "unacked": 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--records", type=int, default=12000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause between a reviewer's decisions, in seconds",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=300,
        help="core-alone decisions measured first (same engine)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--prioritise",
        type=int,
        default=0,
        metavar="N",
        help="run each engine again with prioritisation on, retraining every N decisions",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep each run's review folder (printed) for a look"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run the clients against an empty endpoint (no store): the HTTP floor",
    )
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} cores; load average before: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    rows = []
    if args.engine in ("sqlite", "both"):
        rows.append(run("sqlite", args))
        if args.prioritise:
            rows.append(run("sqlite", args, retrain_every=args.prioritise))
    if args.engine in ("postgresql", "both"):
        from tests import pg

        if not pg.available():
            raise SystemExit("PostgreSQL (initdb, pg_ctl) is not installed")
        with pg.postgres_server() as server:
            rows.append(run("postgresql", args, pg.fresh_database(server, "evimap_load")))
            if args.prioritise:
                url = pg.fresh_database(server, "evimap_load_prioritise")
                rows.append(run("postgresql", args, url, retrain_every=args.prioritise))
    if args.floor:
        rows.append(floor(args))
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"\n{args.reviewers} reviewers, {args.seconds:.0f} s, think {args.think} s, "
        f"{args.records} records (dual screening)\n"
    )
    head = (
        "engine",
        "decisions",
        "per s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "core p50",
        "core p95",
        "server cpu ms",
        "client cpu ms",
        "stored",
        "lost",
        "twice",
        "unacked",
        "errors",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print(
            f"| {r['engine']} | {r['acked']} | {r['per_s']:.1f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.0f} | {r['core_p50']:.1f} | "
            f"{r['core_p95']:.1f} | {r['server_ms']:.1f} | {r['client_ms']:.1f} | "
            f"{r['stored']} | {r['lost']} | {r['twice']} | "
            f"{r['unacked']} | {r['errors'] or 0} |"
        )
    print("\ncore p50/p95: review.screening.decide in-process, one at a time (the baseline)")
    for r in rows:
        if r.get("rankings") is not None:
            print(f"{r['engine']}: {r['rankings']} rankings stored by the background rankers")
    if args.floor:
        print(
            "floor: the same clients against an empty FastAPI endpoint in uvicorn (no store, "
            "no session): nothing above it is the store's or the app's"
        )
    print(
        "server/client cpu ms: processor time (user + system) of the server process and of "
        f"the {args.reviewers} clients' process per decision posted under load"
    )
    bad = [r for r in rows if r["lost"] or r["twice"]]
    if bad:
        raise SystemExit(
            f"decisions lost or stored twice: {[(r['engine'], r['lost'], r['twice']) for r in bad]}"
        )


if __name__ == "__main__":
    main()
