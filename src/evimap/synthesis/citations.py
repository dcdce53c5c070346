"""Author-year citations (APA 7 style) for a set of records, told apart when they would clash."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from evimap.records import Record


def _names(record: Record) -> list[str]:
    return [a.family or a.literal for a in record.authors if (a.family or a.literal)]


def _join(names: list[str], total: int) -> str:
    if total == 1:
        return names[0]
    if total == 2:
        return f"{names[0]} & {names[1]}"
    if len(names) >= total:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return ", ".join(names) + ", et al."


def _label(record: Record, shown: int) -> str:
    names = _names(record) or [record.title[:40] or "Anonymous"]
    total = len(names)
    if total <= 2:
        return _join(names, total)
    if shown <= 1:
        return f"{names[0]} et al."
    if shown >= total - 1:  # APA: never abbreviate a single name to "et al."
        return _join(names, total)
    return _join(names[:shown], total)


def citation_labels(records: Mapping[str, Record]) -> dict[str, str]:
    """``key -> "Author, Year"`` for every record, unique within the set.

    One author: ``Gaztambide, 2012``; two: ``Safran & Muran, 1996``; three or more:
    ``Aspland et al., 2008``. When two works would print the same, more authors are named
    until they differ (``Eubanks, Burckell, & Goldfried, 2018``), and works by the very same
    authors in one year get ``a``, ``b``... in title order (``Safran & Muran, 2000a``).

    :param records: study key -> record.
    """
    shown = {key: 1 for key in records}
    for _ in range(12):
        groups = _groups(records, shown)
        clashes = [keys for keys in groups.values() if len(keys) > 1]
        grew = False
        for keys in clashes:
            for key in keys:
                if shown[key] < len(_names(records[key])):
                    shown[key] += 1
                    grew = True
        if not grew:
            break
    groups = _groups(records, shown)
    out: dict[str, str] = {}
    for label, keys in groups.items():
        if len(keys) == 1:
            out[keys[0]] = label
            continue
        for i, key in enumerate(sorted(keys, key=lambda k: records[k].title.lower())):
            out[key] = label + "abcdefghijklmnopqrstuvwxyz"[i]
    return out


def _groups(records: Mapping[str, Record], shown: dict[str, int]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, record in records.items():
        groups[f"{_label(record, shown[key])}, {record.year or 'n.d.'}"].append(key)
    return groups


def cite(keys: Iterable[str], labels: Mapping[str, str]) -> str:
    """``(A, 2001; B & C, 2005)`` for keys, in author-year order; unknown keys as themselves."""
    names = sorted({labels.get(k, k) for k in keys}, key=_sort_key)
    return f"({'; '.join(names)})" if names else ""


def _sort_key(label: str) -> tuple[str, str]:
    author, _, year = label.rpartition(", ")
    return (author.lower(), year)
