"""The bib-dedupe gold sets (CoLRev): records with known duplicate groups, read as evimap records.

Each set has ``records_pre_merged.csv`` (records with an ``ID``) and ``merged_record_ids.csv``
(one gold group of duplicate IDs a row, ``;``-separated); records in no group are unique.
The four shared sets live in ``../shared/data/dedup``; more sets in the same layout can sit in
any folder (one subfolder a set, see :func:`sets_in`), e.g. ``/work/extra-data/dedup``, kept
outside the repository with a PROVENANCE.md.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from evimap.records import Record, normalise_doi, normalise_year, parse_author

REPO = Path(__file__).resolve().parents[1]
GOLD_ROOT = REPO.parent / "shared" / "data" / "dedup" / "CoLRev-Environment+bib-dedupe" / "data"
SETS = ("cytology_screening", "haematology", "stroke", "special_cases")


@dataclass
class GoldSet:
    """One gold set: records (ids 1..n), their file IDs, the gold cluster of each record, and
    its *distinct sets*: records of one earlier search (the ``search_set`` column, bib-dedupe's
    incremental-search convention) already deduplicated among themselves, as an evimap import
    marked ``--deduplicated``."""

    name: str
    records: list[tuple[int, Record]]
    file_ids: dict[int, str]
    clusters: dict[int, int]
    distinct: list[list[int]] = field(default_factory=list)

    def true_pairs(self) -> set[tuple[int, int]]:
        """Every pair of records in the same gold group, as ``(smaller, larger)``."""
        groups: dict[int, list[int]] = {}
        for rid, cluster in self.clusters.items():
            groups.setdefault(cluster, []).append(rid)
        pairs: set[tuple[int, int]] = set()
        for members in groups.values():
            pairs.update(itertools.combinations(sorted(members), 2))
        return pairs


def _authors(value: str) -> list:
    return [parse_author(a) for a in value.split(" and ") if a.strip()]


def _record(row: dict[str, str], name: str) -> Record:
    return Record(
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        authors=_authors(row.get("author") or ""),
        year=normalise_year(row.get("year") or None),
        source_title=row.get("journal") or row.get("booktitle") or "",
        volume=row.get("volume") or "",
        issue=row.get("number") or row.get("issue") or "",
        pages=(row.get("pages") or "").replace("--", "-"),
        doi=normalise_doi(row.get("doi") or ""),
        document_type=row.get("ENTRYTYPE") or "",
        source_database=name,
        source_file="records_pre_merged.csv",
        source_record_id=row["ID"],
    )


def available(name: str, root: Path = GOLD_ROOT) -> bool:
    """Whether the gold set is present (by default: beside the checkout)."""
    return (root / name / "records_pre_merged.csv").exists()


def sets_in(root: Path) -> list[str]:
    """The gold sets in a folder: its subfolders holding both gold files, by name."""
    return sorted(
        p.name
        for p in Path(root).iterdir()
        if (p / "records_pre_merged.csv").exists() and (p / "merged_record_ids.csv").exists()
    )


def load_gold(name: str, limit: int | None = None, root: Path = GOLD_ROOT) -> GoldSet:
    """Read one gold set.

    :param name: the set's folder (``stroke``...).
    :param limit: keep only the first ``limit`` records (with their gold groups cut to match).
    :param root: the folder holding the set's folder.
    """
    folder = Path(root) / name
    with (folder / "records_pre_merged.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if limit:
        rows = rows[:limit]
    records = [(i, _record(row, name)) for i, row in enumerate(rows, start=1)]
    file_ids = {i: row["ID"] for i, row in enumerate(rows, start=1)}
    by_file_id = {v: k for k, v in file_ids.items()}
    clusters = {i: i for i in file_ids}
    with (folder / "merged_record_ids.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            members = [by_file_id[m] for m in row["merged_ids"].split(";") if m in by_file_id]
            for member in members:
                clusters[member] = min(members)
    searches: dict[str, list[int]] = {}
    for i, row in enumerate(rows, start=1):
        if (row.get("search_set") or "").strip():
            searches.setdefault(row["search_set"].strip(), []).append(i)
    return GoldSet(name, records, file_ids, clusters, list(searches.values()))
