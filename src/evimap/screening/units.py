"""The screened unit, referenced in one place.

A unit is a row of the ``records`` table that stands for a unique record: after deduplication,
the kept member of each cluster (its record id names the cluster; see :mod:`evimap.dedup.state`)
and any record imported since; records removed before screening (``evimap remove``) are not
units. Without a dedup run every record is a unit. A unit's record is its cluster's canonical
record, and outside files match a unit through any of its members' IDs and DOIs.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.dedup import state as dedup_state
from evimap.records import Record
from evimap.records.normalise import normalise_doi
from evimap.store.models import RecordRow
from evimap.store.records import iter_records

UNIT = RecordRow
"""The table whose rows are screened."""


def unit_ids(session: Session) -> list[int]:
    """Every screenable unit, in import order."""
    removed = dedup_state.removed_ids(session)
    return [uid for uid in dedup_state.kept_ids(session) if uid not in removed]


OTHER_METHODS_KIND = "identify.other"
"""The event that names the records identified by other methods (citation searching,
websites...): they are screened like every unit but counted in PRISMA's other-methods arm."""


def other_method_ids(events) -> set[int]:
    """Records identified by other methods, from ``identify.other`` events
    (``details.record_ids``).

    :param events: events of the log (any kinds; others are ignored).
    """
    found: set[int] = set()
    for event in events:
        if event.kind == OTHER_METHODS_KIND:
            found.update(int(i) for i in event.details.get("record_ids") or [])
    return found


def unit_exists(session: Session, unit_id: int) -> bool:
    """True when ``unit_id`` names a screenable unit."""
    if session.get(UNIT, unit_id) is None or unit_id in dedup_state.removed_ids(session):
        return False
    return dedup_state.stands_for_itself(session, unit_id)


def unit_records(session: Session, ids: Iterable[int]) -> dict[int, Record]:
    """The record of each unit id (missing ids are left out): the canonical record of its
    cluster when deduplication merged it with others."""
    wanted = list(ids)
    records = dict(iter_records(session, ids=wanted))
    for uid, data in dedup_state.canonical_of(session, wanted).items():
        if uid in records and data.get("sources") and len(data["sources"]) > 1:
            fields = {k: v for k, v in data.items() if k != "sources"}
            fields["raw"] = records[uid].raw
            records[uid] = Record.from_dict(fields)
    return records


def unit_index(session: Session) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Lookup tables for matching outside files: source record id -> units, DOI -> units."""
    by_id: dict[str, list[int]] = {}
    by_doi: dict[str, list[int]] = {}
    unit_of = dedup_state.unit_of_records(session)
    for rid, source_id, doi in session.execute(
        select(UNIT.id, UNIT.source_record_id, UNIT.doi).order_by(UNIT.id)
    ):
        uid = unit_of.get(rid, rid)
        if source_id:
            by_id.setdefault(str(source_id).strip(), []).append(uid)
        if doi:
            by_doi.setdefault(normalise_doi(doi) or doi.lower(), []).append(uid)
    return by_id, by_doi
