"""The blindness audit: EVERY public read of the review (every component's methods, found by
introspection, so new ones are covered) and EVERY read verb of the CLI (found in the verb
registry) is called as each member and as no one, on stages holding unsettled, conflicting
decisions and notes. A reviewer, and no one, must never get another reviewer's unsettled
decision, note or tag; owners and arbiters see everything.

The detector is itself checked: on a review whose stages are not blind, the same audit must
find the other reviewer's calls.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.cli.verb import READ_VERBS, WRITE_VERBS
from evimap.errors import EvimapError
from evimap.members import Member, is_write
from evimap.review import Review
from evimap.screening.outcomes import OUTCOMES
from tests.screening_support import TEAM, add_records, small_records, write_review

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
VIEWERS: list[Member | None] = [None, A, B, P, OW]
SECRET = {"A": ("A-NOTE-SECRET", "a-tag-secret"), "B": ("B-NOTE-SECRET", "b-tag-secret")}
runner = CliRunner(env={"COLUMNS": "500"})


# -- the scenario -----------------------------------------------------------------------------


def build(folder: Path) -> dict[str, Any]:
    """r1 conflict (A include + notes, B exclude + notes), r2 only A decided (maybe), r3 settled
    by agreement, r4 at full text with A's unsettled exclusion and note, r5 untouched."""
    with Review.open(folder) as review:
        ids = add_records(review, small_records(5))
        s = review.screening
        r1, r2, r3, r4, r5 = ids
        s.assign(TA, member=OW)
        s.decide(TA, r1, "include", member=A, note=SECRET["A"][0])
        s.tag(TA, r1, [SECRET["A"][1]], member=A)
        s.decide(TA, r1, "exclude", reason="E1", member=B, note=SECRET["B"][0])
        s.tag(TA, r1, [SECRET["B"][1]], member=B)
        s.decide(TA, r2, "maybe", member=A)
        for rid in (r3, r4):
            s.decide(TA, rid, "include", member=A)
            s.decide(TA, rid, "include", member=B)
        s.assign(FT, member=OW)
        s.decide(FT, r4, "exclude", reason="E2", member=A, note=SECRET["A"][0] + "-FT")
    return {"ids": ids, "settled": {(TA, r3), (TA, r4)}}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = write_review(tmp_path_factory.mktemp("audit") / "review", blind=True)
    return {"folder": folder, **build(folder)}


@pytest.fixture(scope="module")
def open_scenario(tmp_path_factory):
    """The same review with stages that are not blind: the detector must find A's calls."""
    folder = write_review(tmp_path_factory.mktemp("open") / "review", blind=False)
    return {"folder": folder, **build(folder)}


# -- the detector -----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Results as plain data: objects, dataclasses, lists and dicts down to strings."""
    if hasattr(value, "to_dict") and not isinstance(value, type):
        value = value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    return plain(vars(value)) if hasattr(value, "__dict__") else str(value)


def hidden_from(viewer: Member | None) -> set[str]:
    """Whose unsettled calls ``viewer`` may not see."""
    if viewer is not None and viewer.privileged:
        return set()
    return {"A", "B"} - ({viewer.name} if viewer else set())


def leaks(value: Any, hidden: set[str], settled: set, stage: str = "", record=None) -> list[str]:
    """Places where a hidden reviewer's call, note or tag on an unsettled record shows."""
    found: list[str] = []
    if not hidden:
        return found
    if isinstance(value, dict):
        record = value.get("record_id", record)
        stage = value.get("stage", stage)
        subject = str(value.get("subject", ""))
        if subject.startswith("record:"):
            record = int(subject.split(":")[1])
        details = value.get("details")
        if isinstance(details, dict) and "record_id" in details:
            record, stage = details["record_id"], details.get("stage", stage)
        if "rater_a" in value:  # agreement: over settled records only
            allowed = sum(1 for st, _ in settled if st == value.get("stage"))
            raters = {value["rater_a"], value["rater_b"]}
            if raters & hidden and value.get("n", 0) > allowed:
                found.append(f"agreement over {value['n']} records, {allowed} settled")
            return found
        who = {value.get(k) for k in ("reviewer", "actor")}
        if who & hidden and (stage, record) not in settled and stage:
            found.append(f"{who & hidden} on {stage} record {record}: {value}")
        calls = value.get("calls")
        if isinstance(calls, dict) and set(calls) & hidden:
            found.append(f"calls of {set(calls) & hidden}: {value}")
        for item in value.values():
            found += leaks(item, hidden, settled, stage, record)
    elif isinstance(value, list):
        for item in value:
            found += leaks(item, hidden, settled, stage, record)
    elif isinstance(value, str):
        for name in hidden:
            found += [f"secret {s!r} of {name}" for s in SECRET[name] if s in value]
    return found


# -- every public read of the core ------------------------------------------------------------

SAMPLES: dict[str, Any] = {
    "stage": [TA, FT],
    "outcome": list(OUTCOMES),
    "round": [None, "main"],
    "todo_only": [True, False],
    "kind": [None],
    "prefix": [None, "screen."],
    "database": [None],
    "ids": [None],
    "limit": [0],
    "text": ["rupture in therapy"],
    "equation": [None],
    "syntax": ["wos"],
    "reviewer": [None],
    "only_duplicates": [False, True],
    "include_removed": [False],
    "n": [2],
    "seed": [0],
    "basis": [False],
    "keys": [None],
    "blank": [False],
    "first": [None],
    "second": [None],
    "included": [False, True],
    "to": ["csv"],
    "rupture": [None],
    "context": [None],
    "approach": [None],
    "include_general": [True],
    "paper_numbers": [None],
    "name": ["A"],
    "decision_id": [1, 2, 3],
    "status": [None, "matched", "candidate"],
    "file_id": [1],  # the first import of the scenario
    "record_id": "ids",  # every record of the scenario
}
"""Values to call each parameter with; a read with a parameter not listed here fails the
audit, so a new read cannot go unprobed."""

FILES = {"out", "path"}
"""Parameters naming a file or folder a read writes (the report, an export)."""

NOT_PROBED = {
    "review.search.index": "the search index of the records' text: no screening data",
    "review.search.matcher": "a matcher over that index: no screening data",
    "review.search.parse": "parses an equation the caller gives",
    "review.search.translate": "translates an equation the caller gives",
    "review.search.per_database": "the equation per database: protocol text",
    "review.search.explain": "why given records match: record text only",
    "review.search.lint": "lints the equation: protocol and record text",
    "review.search.recall": "reads a file of known records (audited as a CLI verb)",
    "review.search.run": "runs the equation (audited as a CLI verb)",
    "review.search.source_info": "where a record came from: no screening data",
    "review.dedup.export_clusters": "writes record and cluster ids to a file",
    "review.team.sync": "syncs review.toml into the store: no screening data",
    "review.accounts.get": "a login's name, role and dates: no screening data",
    "review.accounts.authenticate": "checks a password: a login, no screening data",
    "review.accounts.session": "the login of a session token: no screening data",
    "review.close": "closes the store",
}


def public_reads(review: Review) -> list[tuple[str, Any]]:
    """Every public, unmarked (read) method and property of the review and its components."""
    out = []
    owners = [("review", review)] + [
        (f"review.{name}", obj)
        for name, obj in vars(review).items()
        if type(obj).__module__.startswith("evimap.") and name not in ("store", "protocol")
    ]
    for prefix, obj in owners:
        for name, member in inspect.getmembers(type(obj)):
            if name.startswith("_") or isinstance(member, type):
                continue
            full = f"{prefix}.{name}"
            if prefix == "review" and name in {c for c, _ in owners[1:]}:
                continue
            if isinstance(member, property):
                out.append((full, ("property", obj, name)))
            elif callable(member) and not is_write(member) and name not in ("open", "init"):
                out.append((full, getattr(obj, name)))
    return out


def calls_of(full: str, function: Any, viewer: Member | None, ids, tmp: Path):
    """Every way to call a read: each combination of its parameters' samples."""
    signature = inspect.signature(function)
    options: list[dict[str, Any]] = [{}]
    for pname, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if pname == "member":
            values = [viewer]
        elif pname in FILES:
            values = [tmp / f"{full.replace('.', '_')}_{id(viewer)}"]
        elif pname in SAMPLES:
            values = ids if SAMPLES[pname] == "ids" else SAMPLES[pname]
        elif param.default is not inspect.Parameter.empty:
            continue
        else:
            raise AssertionError(f"the audit has no sample for parameter {pname!r} of {full}")
        options = [dict(o, **{pname: v}) for o in options for v in values]
    return options


def read_everything(review: Review, viewer: Member | None, ids, tmp: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for full, function in public_reads(review):
        if full in NOT_PROBED:
            continue
        if isinstance(function, tuple):
            _, obj, name = function
            try:
                results[full] = getattr(obj, name)
            except EvimapError as exc:
                results[full] = str(exc)
            continue
        for kwargs in calls_of(full, function, viewer, ids, tmp):
            key = f"{full}({kwargs})"
            try:
                results[key] = function(**kwargs)
            except EvimapError as exc:
                results[key] = str(exc)
            if "out" in kwargs and Path(kwargs["out"]).is_dir():
                results[key + " files"] = {
                    p.name: p.read_text(encoding="utf-8", errors="replace")
                    for p in Path(kwargs["out"]).rglob("*")
                    if p.suffix in (".html", ".json", ".csv", ".md")
                }
    return results


def html_log_leaks(html: str, hidden: set[str], unsettled: set[int]) -> list[str]:
    rows = re.findall(
        r"<tr><td class=\"num\">\d+</td><td>[^<]*</td><td>([^<]*)</td><td><code>(screen\.\w+)"
        r"</code></td><td>record:(\d+)</td>",
        html,
    )
    return [f"log row {r}" for r in rows if r[0] in hidden and int(r[2]) in unsettled]


def core_leaks(scenario, viewer: Member | None, tmp: Path) -> tuple[list[str], dict]:
    with Review.open(scenario["folder"]) as review:
        results = read_everything(review, viewer, scenario["ids"], tmp)
    hidden = hidden_from(viewer)
    unsettled = {r for r in scenario["ids"] if (TA, r) not in scenario["settled"]}
    found = []
    for key, value in results.items():
        found += [f"{key}: {leak}" for leak in leaks(plain(value), hidden, scenario["settled"])]
        if key.endswith(" files"):
            for name, text in value.items():
                if name == "report.html":
                    found += [f"{key} {name}: {x}" for x in html_log_leaks(text, hidden, unsettled)]
    return found, results


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.name if v else "no-one")
def test_no_public_read_leaks_an_unsettled_call(scenario, viewer, tmp_path):
    found, results = core_leaks(scenario, viewer, tmp_path)
    assert found == [], "\n".join(found[:20])
    if viewer in (P, OW):  # owners and arbiters do see: the conflict list names both calls
        key = f"review.screening.conflicts({{'stage': '{TA}', 'member': {viewer!r}}})"
        assert results[key][0]["calls"] == {"A": "include", "B": "exclude (E1)"}


def test_the_detector_finds_calls_when_the_stages_are_not_blind(open_scenario, tmp_path):
    found, _ = core_leaks(open_scenario, B, tmp_path)
    assert any("A-NOTE-SECRET" in f for f in found)
    assert any(f.startswith("review.screening.record(") for f in found)
    assert any(f.startswith("review.events.read(") for f in found)
    assert any("report.html: log row" in f for f in found)
    assert cli_leaks(open_scenario, None, tmp_path, verbs={"decisions export", "conflicts"})


def test_every_public_member_is_probed_or_named(scenario):
    with Review.open(scenario["folder"]) as review:
        names = {full for full, _ in public_reads(review)}
    assert set(NOT_PROBED) <= names, set(NOT_PROBED) - names
    assert len(names - set(NOT_PROBED)) > 40


# -- every read verb of the CLI ---------------------------------------------------------------

VERB_ARGS: dict[str, list[list[str]]] = {
    "records": [
        [],
        *[["--stage", TA, "--outcome", o] for o in OUTCOMES],
        ["--stage", FT, "--outcome", "pending"],
    ],
    "log": [[]],
    "imports list": [[]],
    "team": [[]],
    "progress": [["--stage", TA], ["--stage", FT]],
    "conflicts": [["--stage", TA], ["--stage", FT]],
    "agreement": [["--stage", TA], ["--stage", FT]],
    "screening-flow": [[]],
    "fulltext missing": [[]],
    "decisions export": [["--stage", TA], ["--stage", FT]],
    "prisma": [[]],
    "report": [["--out", "{tmp}/report"]],
    "export": [["--to", "csv"], ["--included", "--to", "ris"]],
    "recommend": [[]],  # the review has no recommendations map: an error, which must not leak
    "chart export": [[]],
    "chart agreement": [[]],
    "search run": [[]],
    "search lint": [[]],
    "search translate": [["--to", "scopus"]],
    "search recall": [["--known", "{tmp}/known.ris"]],
    "dedup export": [["--clusters", "{tmp}/clusters.csv"]],
    "chase-links": [[], ["--status", "matched"]],
    "prioritise status": [["--stage", TA], ["--stage", FT]],
    "user list": [[]],
    "verify": [[]],  # owners and arbiters only: it names every reviewer's rows
}


def test_every_read_verb_is_in_the_audit():
    assert set(VERB_ARGS) >= READ_VERBS, READ_VERBS - set(VERB_ARGS)
    assert not (READ_VERBS & WRITE_VERBS)


def cli_leaks(scenario, viewer: Member | None, tmp: Path, verbs=None) -> list[str]:
    folder = str(scenario["folder"])
    (tmp / "known.ris").write_text(
        "TY  - JOUR\nTI  - Record 1: repairing alliance ruptures in therapy\nER  - \n",
        encoding="utf-8",
    )
    hidden = hidden_from(viewer)
    found = []
    for verb in sorted(verbs or READ_VERBS):
        for extra in VERB_ARGS[verb]:
            args = [*verb.split(), folder, *(a.format(tmp=tmp) for a in extra)]
            if viewer is not None:
                args += ["--as", viewer.name]
            result = runner.invoke(app, [*args, "--format", "json"])
            if result.exit_code == 2:  # the verb prints tables only
                result = runner.invoke(app, args)
            text = result.output
            try:
                data = plain(json.loads(text))
            except ValueError:
                data = text
            found += [f"{args}: {x}" for x in leaks(data, hidden, scenario["settled"])]
    return found


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.name if v else "no-one")
def test_no_read_verb_leaks_an_unsettled_call(scenario, viewer, tmp_path):
    found = cli_leaks(scenario, viewer, tmp_path)
    assert found == [], "\n".join(found[:20])
