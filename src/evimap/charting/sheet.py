"""Charting files: one reviewer's values for a set of studies, checked against the codebook.

TOML (``charting.toml``)::

    reviewer = "AL-V"                 # default reviewer of every study below

    [[study]]
    key = "aspland2008"               # the study key (the record's ID in included.ris)
    country = "United Kingdom"        # one key per codebook field; a list for multi fields
    design = "Mixed methods (task analysis)"
    basis = "Table 1"                 # where the values come from (text), or a table per field:
    [study.sources]
    country = "First author's affiliation: University of Sheffield"

JSON holds the same as ``{"reviewer": ..., "study": [{...}, ...]}``; CSV has a ``key`` column,
an optional ``reviewer`` column and one column per field (multi values ``;``-separated, quotes
as JSON).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evimap.charting.codebook import Codebook
from evimap.csvtable import CsvError, parse_csv
from evimap.errors import ChartingError, Problem
from evimap.tomlfile import parse_toml

STUDY_KEYS = {"key", "reviewer", "basis", "sources", "notes", "reference"}
MAX_KEY = 200
"""The longest study key (a record's ID, e.g. ``aspland2008``, ``WOS:000123``) the store keeps."""


@dataclass
class ChartedStudy:
    """One reviewer's values for one study.

    :param key: the study key.
    :param reviewer: who charted it.
    :param values: field name -> value (already checked against the codebook).
    :param basis: field name -> where the value comes from.
    """

    key: str
    reviewer: str
    values: dict[str, Any] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)


def read_charting(
    path: str | Path,
    codebook: Codebook,
    reviewer: str | None = None,
    default_reviewer: str | None = None,
):
    """Read a charting file (TOML, JSON or CSV by extension) and check it against the codebook.

    :param path: the file.
    :param codebook: the review's codebook.
    :param reviewer: overrides the file's reviewer.
    :param default_reviewer: the reviewer of studies the file gives none.
    :raises ChartingError: listing every bad key and value with file and study.
    """
    path = Path(path)
    if not path.is_file():
        raise ChartingError([Problem("no such file", file=str(path))])
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = _csv_data(text, codebook, str(path))
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ChartingError(
                [Problem(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno)]
            ) from None
    else:
        data = parse_toml(text, str(path), lambda problem: ChartingError([problem]))
    return parse_charting(data, codebook, str(path), reviewer, default_reviewer)


def parse_charting(
    data: dict[str, Any],
    codebook: Codebook,
    file: str = "charting.toml",
    reviewer: str | None = None,
    default_reviewer: str | None = None,
) -> list[ChartedStudy]:
    """Check charting data (as parsed from TOML/JSON) against the codebook.

    :param data: ``{"reviewer": ..., "study": [...]}``.
    :param codebook: the review's codebook.
    :param file: the file name for messages.
    :param reviewer: overrides the reviewer given in the data.
    :param default_reviewer: the reviewer of studies the data gives none.
    :raises ChartingError: listing every problem at once.
    """
    problems: list[Problem] = []
    default_reviewer = reviewer or data.get("reviewer") or default_reviewer or ""
    for key in sorted(set(data) - {"reviewer", "study", "codebook", "notes", "description"}):
        problems.append(Problem("is not a charting-file key (a typo?)", file=file, field=key))
    entries = data.get("study")
    if not isinstance(entries, list):
        problems.append(Problem("is missing: add [[study]] tables", file=file, field="study"))
        raise ChartingError(problems)
    studies: list[ChartedStudy] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(entries):
        where = f"study[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem("expected a table", file=file, field=where))
            continue
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            problems.append(Problem("key is missing", file=file, field=where))
            continue
        if len(key) > MAX_KEY:
            problems.append(
                Problem(
                    f"key is {len(key)} characters long; a study key (the record's ID) has at "
                    f"most {MAX_KEY}",
                    file=file,
                    field=f"{where} key {key[:40]!r}...",
                )
            )
            continue
        where = f"study {key!r}"
        who = reviewer or entry.get("reviewer") or default_reviewer
        if not who:
            problems.append(
                Problem("no reviewer (set reviewer = ... at the top)", file=file, field=where)
            )
        if (key, who) in seen:
            problems.append(Problem(f"charted twice by {who!r}", file=file, field=where))
        seen.add((key, who))
        values: dict[str, Any] = {}
        for name, value in entry.items():
            if name in STUDY_KEYS:
                continue
            if name not in codebook:
                close = difflib.get_close_matches(name, codebook.names(), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" of {codebook.file}"
                problems.append(
                    Problem(f"is not a codebook field{hint}", file=file, field=f"{where}.{name}")
                )
                continue
            for message in codebook.field(name).check(value):
                problems.append(Problem(message, file=file, field=f"{where}.{name}"))
            values[name] = value
        for f in codebook:
            if f.required and f.name not in values:
                problems.append(
                    Problem("is required and missing", file=file, field=f"{where}.{f.name}")
                )
        basis = _basis(entry, values, where, file, problems, set(codebook.names()))
        studies.append(ChartedStudy(key, who, values, basis))
    if problems:
        raise ChartingError(problems)
    return studies


def _basis(
    entry: dict[str, Any],
    values: dict[str, Any],
    where: str,
    file: str,
    problems: list[Problem],
    codebook_names: set[str],
) -> dict[str, str]:
    general = entry.get("basis", "")
    per_field = entry.get("sources", {})
    if isinstance(general, dict):
        per_field, general = {**general, **per_field}, ""
    if not isinstance(general, str):
        problems.append(Problem("basis must be text", file=file, field=f"{where}.basis"))
        general = ""
    if not isinstance(per_field, dict):
        problems.append(Problem("sources must be a table", file=file, field=f"{where}.sources"))
        per_field = {}
    out = {}
    for name in values:
        text = per_field.get(name, general)
        out[name] = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    for name, text in per_field.items():
        # The basis of a field left empty says why (e.g. "Table 1: Not reported"); it is kept
        # as a value-less cell.
        if name in values:
            continue
        if name not in STUDY_KEYS and name not in codebook_names:
            problems.append(
                Problem(
                    "a source for a field the codebook does not have",
                    file=file,
                    field=f"{where}.sources.{name}",
                )
            )
            continue
        values[name] = None
        out[name] = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    return out


def _csv_data(text: str, codebook: Codebook, file: str) -> dict[str, Any]:
    try:
        table = parse_csv(text, file)
    except CsvError as exc:
        raise ChartingError(exc.problems) from None
    studies = []
    for row in table.rows:
        entry: dict[str, Any] = {}
        for name, cell in row.cells.items():
            if name is None or cell is None or cell == "":
                continue
            if name in codebook:
                entry[name] = _from_cell(codebook.field(name).type, cell)
            else:
                entry[name] = cell
        studies.append(entry)
    return {"study": studies}


def _from_cell(kind: str, cell: str) -> Any:
    if kind == "multi":
        return [part.strip() for part in cell.split(";") if part.strip()]
    if kind == "number":
        try:
            return int(cell)
        except ValueError:
            try:
                return float(cell)
            except ValueError:
                return cell
    if kind == "quotes":
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    return cell


def to_cell(kind: str, value: Any) -> str:
    """A value as one CSV cell (the inverse of how CSV charting files are read)."""
    if value is None:
        return ""
    if kind == "multi":
        return "; ".join(value)
    if kind == "quotes":
        return json.dumps(value, ensure_ascii=False)
    return str(value)
