"""Replaying imports, dedup, removals and charting events against their tables.

- ``import.file`` -> ``source_files`` and the number of ``records`` of each file;
- ``dedup.run`` / ``dedup.merge`` / ``dedup.reject`` / ``dedup.undo`` / ``dedup.detach`` ->
  which run is active, the clusters of duplicates it holds (``dedup_members``), and the
  reviewers' pair decisions (``dedup_decisions``);
- ``removals.apply`` -> the active ``removals``;
- ``chart.import`` / ``chart.verify`` -> ``charted_values``;
- ``identify.other`` -> the records citation searching (or another method) added, and
  ``chase.run`` -> the ``citation_links`` it stored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evimap.store.events import Event
from evimap.store.kinds import Kind
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_charting import ChartedValueRow
from evimap.store.models_dedup import DedupDecision, DedupMember, DedupRun, Removal
from evimap.verify.base import Mismatch, Verification, of_kinds


def check_imports(session: Session, events: list[Event], result: Verification) -> None:
    """Each imported file is in ``source_files`` with as many records as its event says; no
    file or record was added without an event."""
    files = {row.sha256: row for row in session.scalars(select(SourceFile))}
    per_file = dict(
        session.execute(
            select(RecordRow.source_file_id, func.count()).group_by(RecordRow.source_file_id)
        ).all()
    )
    result.rows["source_files"] = len(files)
    result.rows["records"] = sum(per_file.values())
    logged: set[str] = set()
    imported: dict[str, Event] = {}  # sha256 -> its import.file, while the file is in
    relabelled: dict[str, tuple[Event, str]] = {}  # sha256 -> the newest relabel and database
    for event in of_kinds(events, "import.file", "imports.remove", "imports.relabel"):
        sha = event.details.get("sha256", "")
        if event.kind == "import.file":
            imported[sha] = event
            relabelled.pop(sha, None)
        elif event.kind == "imports.remove":
            imported.pop(sha, None)
            relabelled.pop(sha, None)
            logged.discard(sha)
        else:
            relabelled[sha] = (event, event.details.get("to", ""))
    for sha, (event, database) in relabelled.items():
        row = files.get(sha)
        if row is not None and row.database != database:
            result.problems.append(
                Mismatch(
                    "source_files",
                    row.id,
                    event.id,
                    f"database is {row.database!r} but the log relabelled it {database!r}",
                )
            )
    for sha, event in imported.items():
        logged.add(sha)
        want = int(event.counts.get("records", 0))
        row = files.get(sha)
        if row is None:
            result.problems.append(
                Mismatch(
                    "source_files",
                    None,
                    event.id,
                    f"the log imported {event.subject} (sha256 {sha[:12]}...), which is not in "
                    "source_files",
                )
            )
            continue
        named = event.details.get("source_file_id")
        if named is not None and named != row.id:
            result.problems.append(
                Mismatch("source_files", row.id, event.id, f"the log says file id {named}")
            )
        if row.record_count != want:
            result.problems.append(
                Mismatch(
                    "source_files",
                    row.id,
                    event.id,
                    f"record_count is {row.record_count} but the log imported {want}",
                )
            )
        have = per_file.get(row.id, 0)
        if have != want:
            result.problems.append(
                Mismatch(
                    "records",
                    None,
                    event.id,
                    f"{row.name} (file {row.id}) has {have} records in the store; the log "
                    f"imported {want}",
                )
            )
    identified = {
        int(r) for e in of_kinds(events, "identify.other") for r in e.details.get("record_ids", [])
    }
    if identified:
        present = set(
            session.scalars(select(RecordRow.id).where(RecordRow.id.in_(sorted(identified))))
        )
        for event in of_kinds(events, "identify.other"):
            gone = sorted({int(r) for r in event.details.get("record_ids", [])} - present)
            if gone:
                result.problems.append(
                    Mismatch("records", gone[0], event.id, f"records {gone} of the log are gone")
                )
        files_of = dict(
            session.execute(
                select(RecordRow.id, RecordRow.source_file_id).where(
                    RecordRow.id.in_(sorted(present))
                )
            ).all()
        )
        explained = Counter(files_of.values())
        for sha, row in files.items():
            if sha not in logged and explained.get(row.id) == per_file.get(row.id, 0):
                logged.add(sha)  # every record of this file was added by an identify.other
    for sha, row in files.items():
        if sha not in logged:
            result.problems.append(
                Mismatch(
                    "source_files",
                    row.id,
                    None,
                    f"{row.name} ({per_file.get(row.id, 0)} records) has no import.file event: "
                    "it was written outside evimap",
                )
            )
    known = {row.id for row in files.values()}
    for file_id, n in per_file.items():
        if file_id not in known:
            result.problems.append(
                Mismatch("records", None, None, f"{n} records belong to no imported file")
            )


class _Clusters:
    """A run's clusters as the log builds them: record id -> the set of its cluster."""

    def __init__(self, groups: list[list[int]]):
        self.of: dict[int, frozenset[int]] = {}
        for group in groups:
            members = frozenset(int(r) for r in group)
            for rid in members:
                self.of[rid] = members

    def merge(self, a: int, b: int) -> None:
        joined = self.of.get(a, frozenset([a])) | self.of.get(b, frozenset([b]))
        for rid in joined:
            self.of[rid] = joined

    def split(self, records: list[int]) -> None:
        for rid in records:
            self.of[int(rid)] = frozenset([int(rid)])

    def detach(self, record: int) -> None:
        rest = self.of.get(record, frozenset([record])) - {record}
        for rid in rest:
            self.of[rid] = rest
        self.of[record] = frozenset([record])

    def drop(self, records: list[int]) -> None:
        """Records taken out of the review (``imports.remove``): out of every cluster."""
        for rid in records:
            self.detach(int(rid))
            self.of.pop(int(rid), None)

    def groups(self) -> set[frozenset[int]]:
        return {g for g in self.of.values() if len(g) > 1}


DEDUP_KINDS = (
    Kind.DEDUP_RUN,
    Kind.DEDUP_MERGE,
    Kind.DEDUP_REJECT,
    Kind.DEDUP_UNDO,
    Kind.DEDUP_DETACH,
)


def check_dedup(session: Session, events: list[Event], result: Verification) -> None:
    """The active dedup run, its clusters of duplicates and the reviewers' pair decisions are
    those the dedup events leave."""
    runs: dict[int, _Clusters | None] = {}
    active: list[int] = []
    pairs: Counter[tuple[int, int, str]] = Counter()
    pairs_known = True
    for event in of_kinds(events, *DEDUP_KINDS, Kind.IMPORTS_REMOVE):
        d = event.details
        current = runs.get(active[-1]) if active else None
        if event.kind == Kind.IMPORTS_REMOVE:
            for clusters in runs.values():
                if clusters is not None:
                    clusters.drop(d.get("record_ids", []))
        elif event.kind == Kind.DEDUP_DETACH:
            record = int(d["record_id"])
            if current is not None:
                current.detach(record)
            pairs.update(
                (min(record, int(m)), max(record, int(m)), "reject") for m in d["remaining"]
            )
        elif event.kind == "dedup.run":
            run_id = int(d.get("run_id") or event.subject.removeprefix("run "))
            clusters = d.get("clusters")
            runs[run_id] = _Clusters(clusters) if clusters is not None else None
            active.append(run_id)
        elif event.kind == "dedup.undo" and "run_id" in d:
            if int(d["run_id"]) in active:
                active.remove(int(d["run_id"]))
        elif event.kind == "dedup.undo":
            if current is not None:
                current.split(d.get("records", []))
            if "rejected_pairs" in d:
                pairs.update(
                    (min(int(a), int(b)), max(int(a), int(b)), "reject")
                    for a, b in d["rejected_pairs"]
                )
            else:
                pairs_known = False
        else:
            a, b = (int(r) for r in d["records"])
            decision = "confirm" if event.kind == "dedup.merge" else "reject"
            pairs[(a, b, decision)] += 1
            if current is not None and "moved_records" in d:
                current.merge(a, b)
    _check_runs(session, runs, active, result)
    if pairs_known:
        _check_pair_decisions(session, pairs, result)
    else:
        result.unchecked.append(
            "dedup_decisions: a dedup.undo event predates the pairs it rejects; not checked"
        )


def _check_runs(
    session: Session, runs: dict[int, _Clusters | None], active: list[int], result: Verification
) -> None:
    table_runs = {r.id: r.active for r in session.scalars(select(DedupRun))}
    result.rows["dedup_runs"] = len(table_runs)
    for run_id, is_active in sorted(table_runs.items()):
        if run_id not in runs:
            result.problems.append(
                Mismatch("dedup_runs", run_id, None, f"run {run_id} has no dedup.run event")
            )
        elif is_active != (run_id in active):
            result.problems.append(
                Mismatch(
                    "dedup_runs",
                    run_id,
                    None,
                    f"active is {is_active} but the log says {run_id in active}",
                )
            )
    for run_id in sorted(set(runs) - set(table_runs)):
        result.problems.append(
            Mismatch("dedup_runs", None, None, f"run {run_id} of the log is not in dedup_runs")
        )
    if not active:
        return
    run_id = active[-1]
    replayed = runs.get(run_id)
    if replayed is None:
        result.unchecked.append(
            f"dedup clusters: run {run_id}'s event predates its clusters; not checked"
        )
        return
    members: dict[int, set[int]] = {}
    for cluster_id, record_id in session.execute(
        select(DedupMember.cluster_id, DedupMember.record_id).where(DedupMember.run_id == run_id)
    ):
        members.setdefault(cluster_id, set()).add(record_id)
    result.rows["dedup_members"] = sum(len(m) for m in members.values())
    want = replayed.groups()
    have = {frozenset(m): cid for cid, m in members.items() if len(m) > 1}
    for group, cluster_id in sorted(have.items(), key=lambda kv: kv[1]):
        if group not in want:
            result.problems.append(
                Mismatch(
                    "dedup_members",
                    cluster_id,
                    None,
                    f"cluster {cluster_id} of run {run_id} holds records {sorted(group)}; no "
                    "dedup event made that cluster",
                )
            )
    for group in sorted(want - set(have), key=min):
        result.problems.append(
            Mismatch(
                "dedup_members",
                None,
                None,
                f"the log clusters records {sorted(group)} in run {run_id}; the table does not",
            )
        )


def _check_pair_decisions(
    session: Session, pairs: Counter[tuple[int, int, str]], result: Verification
) -> None:
    have: Counter[tuple[int, int, str]] = Counter(
        (a, b, d)
        for a, b, d in session.execute(
            select(DedupDecision.record_a, DedupDecision.record_b, DedupDecision.decision)
        )
    )
    result.rows["dedup_decisions"] = sum(have.values())
    for (a, b, decision), n in sorted((have - pairs).items()):
        result.problems.append(
            Mismatch(
                "dedup_decisions",
                None,
                None,
                f"{n} {decision} decision(s) on records {a} and {b} have no dedup event",
            )
        )
    for (a, b, decision), n in sorted((pairs - have).items()):
        result.problems.append(
            Mismatch(
                "dedup_decisions",
                None,
                None,
                f"the log has {n} {decision} decision(s) on records {a} and {b} not in the table",
            )
        )


def check_removals(session: Session, events: list[Event], result: Verification) -> None:
    """The active removals are those of the last ``removals.apply`` event."""
    applied = of_kinds(events, "removals.apply")
    rows = session.execute(
        select(Removal.id, Removal.record_id, Removal.reason).where(Removal.active.is_(True))
    ).all()
    result.rows["removals"] = len(rows)
    last = applied[-1] if applied else None
    if last is not None and "removals" not in last.details:
        if int(last.counts.get("removed", 0)) != len(rows):
            result.problems.append(
                Mismatch(
                    "removals",
                    None,
                    last.id,
                    f"{len(rows)} records are removed; the log removed {last.counts['removed']}",
                )
            )
        result.unchecked.append("removals: the last removals.apply event predates its records")
        return
    want = Counter((int(r), reason) for r, reason in (last.details["removals"] if last else []))
    have = Counter((record_id, reason) for _, record_id, reason in rows)
    ids = {(record_id, reason): row_id for row_id, record_id, reason in rows}
    event_id = last.id if last else None
    for (record_id, reason), _ in sorted((have - want).items()):
        result.problems.append(
            Mismatch(
                "removals",
                ids[(record_id, reason)],
                event_id,
                f"record {record_id} is removed ({reason}); the log does not remove it",
            )
        )
    for (record_id, reason), _ in sorted((want - have).items()):
        result.problems.append(
            Mismatch(
                "removals",
                None,
                event_id,
                f"the log removes record {record_id} ({reason}); the table does not",
            )
        )


def check_charting(session: Session, events: list[Event], result: Verification) -> None:
    """Each charted value is the last one the ``chart.import`` / ``chart.verify`` /
    ``chart.form`` events wrote for its reviewer, study and field."""
    charted = of_kinds(events, "chart.import", "chart.verify", "chart.form")
    if any("cells" not in e.details for e in charted):
        result.unchecked.append("charted_values: chart events predate their values; not checked")
        return
    want: dict[tuple[str, str, str], tuple[int, Any, str]] = {}
    for event in charted:
        for reviewer, study, field, value, basis in event.details["cells"]:
            want[(reviewer, study, field)] = (event.id, value, basis)
    rows = session.execute(
        select(
            ChartedValueRow.id,
            ChartedValueRow.reviewer,
            ChartedValueRow.study_key,
            ChartedValueRow.field,
            ChartedValueRow.value,
            ChartedValueRow.basis,
        )
    ).all()
    result.rows["charted_values"] = len(rows)
    seen: set[tuple[str, str, str]] = set()
    for row_id, reviewer, study, field, value, basis in rows:
        key = (reviewer, study, field)
        seen.add(key)
        if key not in want:
            result.problems.append(
                Mismatch(
                    "charted_values",
                    row_id,
                    None,
                    f"{reviewer}'s {field} of study {study} has no chart event",
                )
            )
            continue
        event_id, logged, logged_basis = want[key]
        for column, got, expected in (("value", value, logged), ("basis", basis, logged_basis)):
            if got != expected:
                result.problems.append(
                    Mismatch(
                        "charted_values",
                        row_id,
                        event_id,
                        f"{column} is {got!r} but the log says {expected!r}",
                    )
                )
    for reviewer, study, field in sorted(set(want) - seen):
        result.problems.append(
            Mismatch(
                "charted_values",
                None,
                want[(reviewer, study, field)][0],
                f"the log charts {reviewer}'s {field} of study {study}; the table does not",
            )
        )


def check_citations(session: Session, events: list[Event], result: Verification) -> None:
    """Each stored reference belongs to a ``chase.run`` event, and a reference stored as a new
    candidate points to a record that run added."""
    from evimap.store.models_citations import CitationLink

    runs = {e.id: e for e in of_kinds(events, "chase.run")}
    rows = session.execute(
        select(
            CitationLink.id,
            CitationLink.run_event_id,
            CitationLink.status,
            CitationLink.target_record_id,
        )
    ).all()
    result.rows["citation_links"] = len(rows)
    for row_id, run_event_id, status, target in rows:
        run = runs.get(run_event_id)
        if run is None:
            result.problems.append(
                Mismatch(
                    "citation_links",
                    row_id,
                    None,
                    f"its chase.run event {run_event_id} is not in the log",
                )
            )
        elif status == "candidate" and target not in run.details.get("candidate_ids", []):
            result.problems.append(
                Mismatch(
                    "citation_links",
                    row_id,
                    run.id,
                    f"candidate record {target} is not one the chase added",
                )
            )


CHECKS = (
    (
        check_imports,
        (Kind.IMPORT_FILE, Kind.IDENTIFY_OTHER, Kind.IMPORTS_REMOVE, Kind.IMPORTS_RELABEL),
    ),
    (check_dedup, DEDUP_KINDS),
    (check_removals, (Kind.REMOVALS_APPLY,)),
    (check_charting, (Kind.CHART_IMPORT, Kind.CHART_VERIFY, Kind.CHART_FORM)),
    (check_citations, (Kind.CHASE_RUN,)),
)
"""Each check with the event kinds it replays."""
