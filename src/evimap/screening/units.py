"""The screened unit, referenced in one place.

Screening works on rows of the ``records`` table for now. When deduplication merges records
into clusters, a cluster becomes the screened unit: change this module (and the foreign keys of
the screening tables), not the rest of the package.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.records import Record
from evimap.records.normalise import normalise_doi
from evimap.store.models import RecordRow
from evimap.store.records import iter_records

UNIT = RecordRow
"""The table whose rows are screened."""


def unit_ids(session: Session) -> list[int]:
    """Every screenable unit, in import order."""
    return list(session.scalars(select(UNIT.id).order_by(UNIT.id)))


def unit_exists(session: Session, unit_id: int) -> bool:
    """True when ``unit_id`` names a screenable unit."""
    return session.get(UNIT, unit_id) is not None


def unit_records(session: Session, ids: Iterable[int]) -> dict[int, Record]:
    """The record of each unit id (missing ids are left out)."""
    return dict(iter_records(session, ids=list(ids)))


def unit_index(session: Session) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Lookup tables for matching outside files: source record id -> units, DOI -> units."""
    by_id: dict[str, list[int]] = {}
    by_doi: dict[str, list[int]] = {}
    for uid, source_id, doi in session.execute(
        select(UNIT.id, UNIT.source_record_id, UNIT.doi).order_by(UNIT.id)
    ):
        if source_id:
            by_id.setdefault(str(source_id).strip(), []).append(uid)
        if doi:
            by_doi.setdefault(normalise_doi(doi) or doi.lower(), []).append(uid)
    return by_id, by_doi
