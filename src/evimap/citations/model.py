"""A cited reference, parsed: the fields matching and candidate records need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from evimap.records import Author, Record


@dataclass(slots=True)
class Reference:
    """One entry of a reference list, as written and as parsed.

    :param raw: the reference as the export or the text gave it.
    :param authors: authors in order (``family`` always set when known; corporate authors whole).
    :param year: publication year.
    :param title: the work's title (WoS ``CR`` entries carry none).
    :param source: journal, book or proceedings title, as cited (often abbreviated).
    :param volume: volume.
    :param issue: issue.
    :param pages: pages (``441-446``) or the first page or article number.
    :param doi: bare lower-case DOI.
    :param style: the layout it was read as: ``wos``, ``scopus``, ``scopus-new``, ``apa``,
        ``vancouver``, ``ieee``, ``text`` (anything else), ``openalex`` (online).
    :param ids: identifiers beside the DOI (``openalex``: ``W...``).
    :param abstract: the abstract, when an online look-up found one.
    """

    raw: str
    authors: list[Author] = field(default_factory=list)
    year: int | None = None
    title: str = ""
    source: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    style: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    abstract: str = ""

    @property
    def first_author(self) -> str:
        """Family name of the first author (or a corporate author), or ``""``."""
        return self.authors[0].family if self.authors else ""

    @property
    def has_author_year(self) -> bool:
        """True when the first author and the year were both read."""
        return bool(self.first_author) and self.year is not None

    @property
    def identifiable(self) -> bool:
        """Enough to stand for a work: a DOI, or a year with a first author or a title."""
        return bool(self.doi) or (
            self.year is not None and bool(self.first_author or len(self.title) >= 10)
        )

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (authors as dicts), for JSON and the store."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reference:
        """Rebuild a reference from :meth:`to_dict` output."""
        data = dict(data)
        data["authors"] = [Author(**a) for a in data.get("authors") or []]
        return cls(**data)

    def to_record(self) -> Record:
        """A bibliographic record of the cited work (the raw text kept verbatim)."""
        return Record(
            title=self.title,
            abstract=self.abstract,
            authors=list(self.authors),
            year=self.year,
            source_title=self.source,
            volume=self.volume,
            issue=self.issue,
            pages=self.pages,
            doi=self.doi,
            raw=self.raw,
        )

    def merge(self, other: Reference) -> None:
        """Fill this reference's empty fields from ``other`` (the same work cited elsewhere)."""
        for name in ("title", "source", "volume", "issue", "pages", "doi", "abstract"):
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, getattr(other, name))
        if self.year is None:
            self.year = other.year
        if len(other.authors) > len(self.authors):
            self.authors = list(other.authors)
        for key, value in other.ids.items():
            self.ids.setdefault(key, value)
