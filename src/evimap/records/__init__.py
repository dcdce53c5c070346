"""The normalised bibliographic record and its normalisers. Knows nothing of the store."""

from evimap.records.model import Author, Record
from evimap.records.normalise import (
    normalise_doi,
    normalise_isbn,
    normalise_issn,
    normalise_pages,
    normalise_pmid,
    normalise_year,
    parse_author,
)

__all__ = [
    "Author",
    "Record",
    "normalise_doi",
    "normalise_isbn",
    "normalise_issn",
    "normalise_pages",
    "normalise_pmid",
    "normalise_year",
    "parse_author",
]
