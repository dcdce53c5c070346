"""Saving and reading charted values in the review store."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from evimap.charting.sheet import ChartedStudy
from evimap.errors import ChartingError, Problem
from evimap.records import Record
from evimap.store import EventLog, Store
from evimap.store.models import RecordRow
from evimap.store.models_charting import ChartedValueRow
from evimap.store.records import iter_records


@dataclass
class Study:
    """An included study as synthesis sees it: its record and one reviewer's charted values.

    :param key: the study key.
    :param record: the bibliographic record (``None`` when the study has no stored record).
    :param values: field name -> value.
    :param basis: field name -> where the value comes from.
    :param record_id: the record's id in the store.
    """

    key: str
    record: Record | None = None
    values: dict[str, Any] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)
    record_id: int | None = None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of field ``name`` (``default`` when not charted)."""
        return self.values.get(name, default)


@dataclass
class ChartingImport:
    """What saving one charting file did."""

    file: str
    reviewers: list[str]
    studies: int
    values: int
    replaced: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return dict(self.__dict__)


#: A study key that names a record by evimap's own id: ``#12`` or ``evimap:12`` (the ``id`` of
#: ``evimap records``), for records whose file gave them no ID (an Ovid MEDLINE RIS without AN).
OWN_ID = re.compile(r"(?:#|evimap:)(\d+)")


def record_ids_by_key(session: Session, keys: list[str]) -> dict[str, int]:
    """Record id of each study key: the record whose ``source_record_id`` it is (first import
    wins), else, for a key ``#ID`` or ``evimap:ID``, the record with that evimap id."""
    found: dict[str, int] = {}
    query = (
        select(RecordRow.source_record_id, RecordRow.id)
        .where(RecordRow.source_record_id.in_(keys))
        .order_by(RecordRow.id)
    )
    for key, record_id in session.execute(query):
        found.setdefault(key, record_id)
    own = {k: int(m[1]) for k in keys if k not in found and (m := OWN_ID.fullmatch(k.strip()))}
    if own:
        existing = set(session.scalars(select(RecordRow.id).where(RecordRow.id.in_(own.values()))))
        found.update({k: rid for k, rid in own.items() if rid in existing})
    return found


def save_charting(
    store: Store,
    studies: list[ChartedStudy],
    *,
    file: str = "",
    actor: str = "",
    require_records: bool = True,
    kind: str = "chart.import",
    details: dict[str, Any] | None = None,
    record_ids: dict[str, int] | None = None,
    check: Callable[[Session, dict[str, int]], list[Problem]] | None = None,
) -> ChartingImport:
    """Store charted values in one transaction, replacing the same reviewer's earlier values
    for the same study and field, and log a ``chart.import`` event.

    :param store: the review store.
    :param studies: checked values (see :func:`evimap.charting.sheet.read_charting`).
    :param file: the file they came from (for the log).
    :param actor: who imports.
    :param require_records: every study key must name a stored record (its
        ``source_record_id``, or its evimap id as ``#ID``).
    :param kind: the event kind to log (``chart.import`` or ``chart.verify``).
    :param details: more details for the event (a verification's agreement).
    :param record_ids: study key -> record id, where the caller knows it (a form opened from
        a record); other keys are looked up by source record ID.
    :param check: called in the transaction with ``{study key: record id}``; the problems it
        returns (e.g. a study that is not included) refuse the whole file.
    :raises ChartingError: when study keys match no record, or ``check`` finds problems.
    """
    keys = sorted({s.key for s in studies})
    with store.transaction() as session:
        ids = record_ids_by_key(session, keys) | (record_ids or {})
        missing = [k for k in keys if k not in ids]
        if require_records and missing:
            raise ChartingError(
                [
                    Problem(
                        f"study {k!r} matches no record (no record has this ID); "
                        "import the included studies first, or name a record by its evimap "
                        "id as '#ID' (the id column of `evimap records`)",
                        file=file or None,
                    )
                    for k in missing
                ]
            )
        if check is not None:
            problems = check(session, ids)
            if problems:
                raise ChartingError(problems)
        replaced = 0
        values = 0
        cells: list[list[Any]] = []
        for study in studies:
            for name, value in study.values.items():
                result = session.execute(
                    delete(ChartedValueRow).where(
                        ChartedValueRow.reviewer == study.reviewer,
                        ChartedValueRow.study_key == study.key,
                        ChartedValueRow.field == name,
                    )
                )
                replaced += result.rowcount or 0
                session.add(
                    ChartedValueRow(
                        reviewer=study.reviewer,
                        study_key=study.key,
                        record_id=ids.get(study.key),
                        field=name,
                        value=value,
                        basis=study.basis.get(name, ""),
                    )
                )
                cells.append([study.reviewer, study.key, name, value, study.basis.get(name, "")])
                values += 1
        reviewers = sorted({s.reviewer for s in studies})
        result = ChartingImport(file, reviewers, len(keys), values, replaced)
        EventLog.append(
            session,
            kind,
            actor=actor,
            subject=file,
            counts={"studies": len(keys), "values": values, "replaced": replaced},
            details={
                "reviewers": reviewers,
                "studies": keys,
                **(details or {}),
                "cells": cells,
            },
        )
    return result


def charted_values(session: Session, reviewer: str | None = None) -> dict[str, dict[str, dict]]:
    """``reviewer -> study key -> {"values": {...}, "basis": {...}, "record_id": id}``."""
    query = select(ChartedValueRow).order_by(ChartedValueRow.id)
    if reviewer is not None:
        query = query.where(ChartedValueRow.reviewer == reviewer)
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in session.scalars(query):
        cell = out[row.reviewer].setdefault(
            row.study_key, {"values": {}, "basis": {}, "record_id": row.record_id}
        )
        cell["values"][row.field] = row.value
        cell["basis"][row.field] = row.basis
    return dict(out)


def reviewer_counts(session: Session) -> dict[str, int]:
    """Studies charted by each reviewer."""
    query = select(
        ChartedValueRow.reviewer, func.count(func.distinct(ChartedValueRow.study_key))
    ).group_by(ChartedValueRow.reviewer)
    return {reviewer: n for reviewer, n in session.execute(query)}


def load_studies(session: Session, reviewer: str) -> list[Study]:
    """The studies ``reviewer`` charted, with their records, ordered by study key."""
    cells = charted_values(session, reviewer).get(reviewer, {})
    ids = [c["record_id"] for c in cells.values() if c["record_id"] is not None]
    records = dict(iter_records(session, ids=ids)) if ids else {}
    return [
        Study(
            key,
            records.get(cell["record_id"]),
            cell["values"],
            cell["basis"],
            cell["record_id"],
        )
        for key, cell in sorted(cells.items())
    ]
