"""The record every importer produces and every later step reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Author:
    """One author as family and given names; `literal` keeps the name as the file spelled it."""

    family: str
    given: str = ""
    literal: str = ""

    def display(self) -> str:
        """`Family, Given` (or the family name alone)."""
        return f"{self.family}, {self.given}" if self.given else self.family


@dataclass(slots=True)
class Record:
    """A bibliographic record, normalised, with where it came from and its raw text.

    :param title: the title, whitespace collapsed.
    :param abstract: the abstract, whitespace collapsed.
    :param authors: authors in file order.
    :param year: publication year.
    :param source_title: journal, book or proceedings title.
    :param doi: lower-case bare DOI (``10.x/y``), see :func:`normalise_doi`.
    :param issn: ISSNs as ``NNNN-NNNX``.
    :param pmid: the PubMed ID (digits only), where the export gives one.
    :param isbn: ISBNs as 13 digits (ISBN-10 converted), see :func:`normalise_isbn`.
    :param keywords: author keywords.
    :param indexed_keywords: keywords the database added (WoS Keywords Plus, MeSH, Emtree ...).
    :param subject_areas: the database's field-of-study categories (WoS categories, Scopus areas).
    :param cited_references: the reference list, one string a reference, as the export gave it.
    :param source_database: the database the record was exported from (``Web of Science``...).
    :param source_file: the file's name as imported.
    :param source_record_id: the record's ID in that file (accession number, EID, PMID, key...).
    :param line: the line in the file where the record starts (1-based).
    :param raw: the record's text verbatim (for CSV: the row as a mapping, serialised).
    """

    title: str = ""
    abstract: str = ""
    authors: list[Author] = field(default_factory=list)
    year: int | None = None
    source_title: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    issn: list[str] = field(default_factory=list)
    pmid: str = ""
    isbn: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    indexed_keywords: list[str] = field(default_factory=list)
    language: str = ""
    document_type: str = ""
    subject_areas: list[str] = field(default_factory=list)
    cited_references: list[str] = field(default_factory=list)
    publisher: str = ""
    url: str = ""
    source_database: str = ""
    source_file: str = ""
    source_record_id: str = ""
    line: int = 0
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (authors as dicts), for JSON and the store."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Rebuild a record from :meth:`to_dict` output."""
        data = dict(data)
        data["authors"] = [Author(**a) for a in data.get("authors") or []]
        return cls(**data)

    @property
    def first_author(self) -> str:
        """Family name of the first author, or an empty string."""
        return self.authors[0].family if self.authors else ""
