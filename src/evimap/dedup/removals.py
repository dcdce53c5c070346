"""Removals before screening: which records a protocol rule removes, and why.

Rules come from ``[[removals.rules]]`` in review.toml (:class:`~evimap.protocol.model.RemovalRule`):
field of study (WoS categories, Scopus subject areas), source title (journal lists), year range,
language, document type, or a list of IDs. Values compare case-insensitively, and a record with
no value for the rule's field is never removed by it (unknown is no reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evimap.protocol.model import RemovalRule
from evimap.records import Record


@dataclass(frozen=True)
class Removed:
    """One record a rule removes: the record id, the rule's reason and a description."""

    record_id: int
    reason: str
    rule: str


def describe(rule: RemovalRule) -> str:
    """A one-line description of a rule (``year from 2000 to 2024``)."""
    if rule.field == "year" and (rule.year_from is not None or rule.year_to is not None):
        parts = []
        if rule.year_from is not None:
            parts.append(f"from {rule.year_from}")
        if rule.year_to is not None:
            parts.append(f"to {rule.year_to}")
        return "year " + " ".join(parts)
    if rule.exclude:
        return f"{rule.field} ({rule.match}) in {rule.exclude}"
    return f"{rule.field} not in {rule.keep}"


def _values(record: Record, field: str, ids: Sequence[str]) -> list[str]:
    if field == "subject_areas":
        return [v.strip().lower() for v in record.subject_areas if v.strip()]
    if field == "id":
        return [i.strip().lower() for i in ids if i.strip()]
    value = getattr(record, field)
    if value is None or value == "":
        return []
    return [str(value).strip().lower()]


def removes(rule: RemovalRule, record: Record, ids: Sequence[str] = ()) -> bool:
    """Whether ``rule`` removes ``record``.

    :param rule: the protocol rule.
    :param record: the (canonical) record.
    :param ids: the record's IDs (its sources' IDs in their files, DOIs), for ``field = "id"``.
    """
    if rule.field == "year" and (rule.year_from is not None or rule.year_to is not None):
        if record.year is None:
            return False
        too_early = rule.year_from is not None and record.year < rule.year_from
        too_late = rule.year_to is not None and record.year > rule.year_to
        return too_early or too_late
    values = _values(record, rule.field, ids)
    if not values:
        return False
    if rule.exclude:
        listed = {v.strip().lower() for v in rule.exclude}
        hits = [v in listed for v in values]
        if rule.field == "id":
            return any(hits)
        return all(hits) if rule.match == "all" else any(hits)
    wanted = {v.strip().lower() for v in rule.keep}
    return not any(v in wanted for v in values)


def apply_rules(
    rules: Sequence[RemovalRule],
    records: Iterable[tuple[int, Record, Sequence[str]]],
) -> list[Removed]:
    """Records the rules remove; a record is removed once, for the first rule that applies.

    :param rules: the protocol's rules, in order.
    :param records: ``(record id, record, ids)`` for every record still in the review.
    """
    out: list[Removed] = []
    for record_id, record, ids in records:
        for rule in rules:
            if removes(rule, record, ids):
                out.append(Removed(record_id, rule.reason, describe(rule)))
                break
    return out
