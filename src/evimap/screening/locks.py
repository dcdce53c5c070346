"""Serialising writers on one record, so each record keeps one history per reviewer.

A decision reads the reviewer's newest row on the record and appends one that supersedes it.
Two such writes at once (a double click, two browser tabs, a script beside the web app) must
not both read the same newest row, or the history forks: two rows supersede one, and an undo
then restores the wrong state. On SQLite every write transaction holds the database's write
lock from its start (``BEGIN IMMEDIATE``), so writes are serial already. On PostgreSQL each
write locks the screening assignment rows it depends on (``SELECT ... FOR UPDATE``) before
reading the history:

- a decision or an undo locks the reviewer's assignment of the record;
- a settlement locks every assignment of the record (so it also waits for a decision on it);
- a decisions file locks every assignment of the reviewer at the stage, and its undo each
  assignment it reverts (a decision) or withdraws (a settlement) on;
- a forced move of the screening (:mod:`evimap.screening.gate`) locks every assignment.

Locks are always taken in assignment id order, so two writers never wait for each other in a
circle. A unique index on each history's ``supersedes_id`` (migration ``0007_store_guards``)
makes a fork impossible even for a writer that skips these locks.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from evimap.store.models_screening import AssignmentRow


def _serial(session: Session) -> bool:
    """True on SQLite, where the write transaction already holds the database's write lock."""
    return session.get_bind().dialect.name == "sqlite"


def _lock(session: Session, *where) -> None:
    if _serial(session):
        return
    session.execute(
        select(AssignmentRow.id).where(*where).order_by(AssignmentRow.id).with_for_update()
    ).all()


def lock_unit(session: Session, stage: str, record_id: int, reviewer: str) -> None:
    """Wait for, then hold until commit, ``reviewer``'s assignment of a record at a stage.

    :param session: the write transaction.
    :param stage: the stage.
    :param record_id: the record.
    :param reviewer: the reviewer deciding.
    """
    if _serial(session):
        return  # before building the clauses: every decision calls this
    _lock(
        session,
        AssignmentRow.stage == stage,
        AssignmentRow.record_id == record_id,
        AssignmentRow.reviewer == reviewer,
    )


def lock_record(session: Session, stage: str, record_id: int) -> None:
    """Hold every assignment of a record at a stage (a settlement).

    :param session: the write transaction.
    :param stage: the stage.
    :param record_id: the record.
    """
    _lock(session, AssignmentRow.stage == stage, AssignmentRow.record_id == record_id)


def lock_reviewer(session: Session, stage: str, reviewer: str) -> None:
    """Hold every assignment of a reviewer at a stage (a decisions file).

    :param session: the write transaction.
    :param stage: the stage.
    :param reviewer: the reviewer.
    """
    _lock(session, AssignmentRow.stage == stage, AssignmentRow.reviewer == reviewer)


def lock_all(session: Session) -> None:
    """Hold every assignment (a forced move rewrites screening across records).

    :param session: the write transaction.
    """
    _lock(session)


def lock_batch(session: Session, stage: str, reviewers: list[str], record_ids: list[int]) -> None:
    """Hold, in one statement, every assignment of ``reviewers`` at a stage and every
    assignment of ``record_ids`` there (the undo of a decisions import).

    :param session: the write transaction.
    :param stage: the stage.
    :param reviewers: the reviewers whose decisions are reverted.
    :param record_ids: the records whose settlements are withdrawn.
    """
    _lock(
        session,
        AssignmentRow.stage == stage,
        or_(AssignmentRow.reviewer.in_(reviewers), AssignmentRow.record_id.in_(record_ids)),
    )
