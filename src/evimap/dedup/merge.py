"""The canonical record of a cluster: one record made from its members, every source kept.

The rule, field by field (documented here and in the CLI help):

1. The **kept member** (whose record id stands for the cluster in screening) is the most
   complete member: most non-empty fields among title, abstract, authors, year, source title,
   volume, issue, pages, DOI; ties go to the database listed first in the protocol's
   ``search.databases``, then to the smallest record id.
2. **Title, authors, year, source title, volume, issue, pages, DOI, PubMed ID, language,
   document type, publisher, URL**: the kept member's value; when it has none, the first
   non-empty value of the other members in record-id order.
3. **Abstract**: the longest abstract of any member (databases truncate abstracts).
4. **Keywords, indexed keywords, subject areas, ISSNs, ISBNs**: the union over members, in order.
5. **Cited references**: the longest reference list of any member.
6. **Sources**: every member's record id, database, file and ID in that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evimap.records import Record

_COMPLETENESS = (
    "title",
    "abstract",
    "authors",
    "year",
    "source_title",
    "volume",
    "issue",
    "pages",
    "doi",
)
_FIRST = (
    "title",
    "authors",
    "year",
    "source_title",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "language",
    "document_type",
    "publisher",
    "url",
)
_UNION = ("keywords", "indexed_keywords", "subject_areas", "issn", "isbn")


def completeness(record: Record) -> int:
    """How many of the main fields the record fills."""
    return sum(1 for name in _COMPLETENESS if getattr(record, name))


def choose_kept(members: Sequence[tuple[int, Record]], database_order: Sequence[str] = ()) -> int:
    """The record id of the member that stands for the cluster (rule 1 of this module).

    :param members: ``(record id, record)`` of each member.
    :param database_order: databases in the protocol's order of preference.
    """
    rank = {name.lower(): i for i, name in enumerate(database_order)}

    def key(item: tuple[int, Record]) -> tuple[int, int, int]:
        rid, record = item
        return (
            -completeness(record),
            rank.get(record.source_database.lower(), len(rank)),
            rid,
        )

    return min(members, key=key)[0]


def canonical_record(
    members: Sequence[tuple[int, Record]], database_order: Sequence[str] = ()
) -> tuple[int, Record, list[dict[str, Any]]]:
    """The cluster's kept member, canonical record and sources.

    :param members: ``(record id, record)`` of each member (at least one).
    :param database_order: databases in the protocol's order of preference.
    :returns: ``(kept record id, canonical record, sources)``.
    """
    if not members:
        raise ValueError("a cluster has at least one member")
    ordered = sorted(members, key=lambda m: m[0])
    kept_id = choose_kept(ordered, database_order)
    kept = next(r for rid, r in ordered if rid == kept_id)
    others = [r for rid, r in ordered if rid != kept_id]
    canonical = Record.from_dict(kept.to_dict())
    for name in _FIRST:
        if not getattr(canonical, name):
            for other in others:
                value = getattr(other, name)
                if value:
                    setattr(canonical, name, value)
                    break
    canonical.abstract = max((r.abstract for _, r in ordered), key=len)
    for name in _UNION:
        merged: list[str] = []
        for _, record in ordered:
            for value in getattr(record, name):
                if value not in merged:
                    merged.append(value)
        setattr(canonical, name, merged)
    canonical.cited_references = list(max((r.cited_references for _, r in ordered), key=len))
    sources = [
        {
            "record_id": rid,
            "database": record.source_database,
            "file": record.source_file,
            "source_record_id": record.source_record_id,
        }
        for rid, record in ordered
    ]
    return kept_id, canonical, sources
