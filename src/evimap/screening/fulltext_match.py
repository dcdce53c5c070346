"""Which record a full-text PDF belongs to: by the file's name (a DOI, the record's source ID or
evimap id) or by a DOI written in the PDF itself (its metadata or uncompressed text).

Only the records whose report is sought are candidates, so a PDF of a record excluded at
title/abstract is not matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from evimap.records.normalise import normalise_doi

_DOI_BYTES = re.compile(rb"10\.\d{4,9}/[^\s\"'<>()\[\]{}]+")
_DOI_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"'<>()\[\]{}]+")
_RECORD_ID = re.compile(r"^(?:record|evimap|id)?[-_ ]?(\d+)$", re.IGNORECASE)
HEAD_BYTES = 4 << 20
"""How much of a PDF is searched for a DOI."""


@dataclass(frozen=True)
class Candidate:
    """A record whose report is sought: its evimap id, DOI and source record ID."""

    record_id: int
    doi: str = ""
    source_record_id: str = ""


@dataclass(frozen=True)
class Match:
    """The records a PDF matched and how (``doi in name``, ``source id``, ``record id``,
    ``doi in file``); empty when none."""

    record_ids: tuple[int, ...]
    by: str = ""


def squash(text: str) -> str:
    """Lower-case letters and digits only: ``10.1000/ABC-1`` and ``10.1000_abc1`` agree."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def dois_in_pdf(head: bytes, path: str | Path | None = None) -> list[str]:
    """DOIs of a PDF, normalised, in order, without repeats: those written in its first bytes
    (metadata, uncompressed text), else those in the text of its first two pages (pypdf, for
    compressed content; needs ``path``)."""
    found: list[str] = []
    for raw in _DOI_BYTES.findall(head):
        doi = normalise_doi(raw.decode("latin-1"))
        if doi and doi not in found:
            found.append(doi)
    if found or path is None:
        return found
    for doi in _DOI_TEXT.findall(_first_pages_text(path)):
        doi = normalise_doi(doi)
        if doi and doi not in found:
            found.append(doi)
    return found


def _first_pages_text(path: str | Path, pages: int = 2) -> str:
    """The text of a PDF's first pages, or "" when pypdf cannot read it."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        return "\n".join(page.extract_text() or "" for page in reader.pages[:pages])
    except Exception:  # a damaged or encrypted PDF: no DOI from its text
        return ""


def match_pdf(
    name: str, head: bytes, candidates: Mapping[int, Candidate], path: str | Path | None = None
) -> Match:
    """The candidate records that a PDF called ``name`` with content ``head`` belongs to.

    Tried in order, the first rule that matches anything wins: the file name is a candidate's
    DOI (``10.1000_xyz.pdf``, any punctuation), its source record ID, or its evimap id
    (``42.pdf``, ``record-42.pdf``); else a DOI found in the PDF.

    :param name: the uploaded file's name.
    :param head: the PDF's first bytes (see :data:`HEAD_BYTES`).
    :param candidates: ``record_id -> Candidate`` of the records whose report is sought.
    :param path: the PDF file, to read the text of its first pages when no DOI is in ``head``.
    """
    stem = unquote(Path(name).stem).strip()
    key = squash(stem)
    if key:
        by_doi = tuple(r for r, c in candidates.items() if c.doi and squash(c.doi) == key)
        if by_doi:
            return Match(by_doi, "doi in name")
        by_source = tuple(
            r
            for r, c in candidates.items()
            if c.source_record_id and squash(c.source_record_id) == key
        )
        if by_source:
            return Match(by_source, "source id")
    number = _RECORD_ID.match(stem)
    if number and int(number.group(1)) in candidates:
        return Match((int(number.group(1)),), "record id")
    inside = dois_in_pdf(head, path)
    for doi in inside:
        hits = tuple(r for r, c in candidates.items() if c.doi and c.doi.lower() == doi)
        if hits:
            return Match(hits, "doi in file")
    return Match(())
