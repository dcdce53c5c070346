"""Scopus CSV exports, current and older column layouts."""

from __future__ import annotations

import re

from evimap.importers.databases import SCOPUS
from evimap.importers.delimited import DelimitedReader, Layout, read_header

SCOPUS_LAYOUT = Layout(
    name="scopus",
    database=SCOPUS,
    signature=("Source title",),
    columns={
        "id": ("EID",),
        "title": ("Title",),
        "abstract": ("Abstract",),
        # Newer files: "Liu, Fengyuan (60410297700); ..."; older ones only "Phillips J.C., ...".
        "authors": ("Author full names", "Authors"),
        "year": ("Year",),
        "source_title": ("Source title",),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "page_start": ("Page start",),
        "page_end": ("Page end",),
        "doi": ("DOI",),
        "issn": ("ISSN",),
        "pmid": ("PubMed ID",),
        "isbn": ("ISBN",),
        "keywords": ("Author Keywords",),
        "indexed_keywords": ("Index Keywords",),
        "language": ("Language of Original Document",),
        "document_type": ("Document Type",),
        "cited_references": ("References",),
        "publisher": ("Publisher",),
        "url": ("Link",),
        "database": ("Source",),
    },
    link_ids=(("Link", "eid"),),
    checks={
        "EID": re.compile(r"2-s2\.0-\d+"),
        "Year": re.compile(r"\d{4}"),
        "Source": re.compile(r"Scopus"),
        "Link": re.compile(r"https?://\S+"),
    },
)

# Columns only Scopus writes, one of which (or a Scopus link) must stand beside "Source title".
_SCOPUS_ONLY = {"eid", "author(s) id", "art. no.", "authors with affiliations", "index keywords"}
_NUMBERED = re.compile(r"^(.*\S)\s+(\d+)$")


class ScopusCsvReader(DelimitedReader):
    """Scopus CSV (``Authors, Author full names, Title, Year, Source title, ... EID``)."""

    name = "scopus-csv"
    label = "Scopus CSV"
    layouts = (SCOPUS_LAYOUT,)
    fallback = SCOPUS_LAYOUT

    @classmethod
    def sniff(cls, head: str) -> int:
        parsed = read_header(head)
        if parsed is None:
            return 0
        names = {h.lower() for h in parsed[1]}
        if "source title" not in names:
            return 0
        return 95 if names & _SCOPUS_ONLY or "scopus.com/inward/record" in head else 0

    def header_for(self, width: int) -> list[str] | None:
        """Scopus names only the first of a numbered group (``Funding Text 1``) in the header
        while rows carry as many as the record has; the extra cells continue that group.
        """
        if width == len(self.header):
            return self.header
        if width < len(self.header):
            return None
        last = max((i for i, name in enumerate(self.header) if _NUMBERED.match(name)), default=None)
        if last is None:
            return None
        match = _NUMBERED.match(self.header[last])
        assert match is not None
        stem, number = match[1], int(match[2])
        extra = [f"{stem} {number + k}" for k in range(1, width - len(self.header) + 1)]
        return self.header[: last + 1] + extra + self.header[last + 1 :]
