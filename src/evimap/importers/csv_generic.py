"""Generic CSV/TSV: the common exports recognised by their headers, any other by a mapping.

The layouts below are data, one per export; :func:`~evimap.importers.delimited.row_to_record`
converts a row of any of them. A file whose header matches none is read with the generic
aliases (ASReview and other labelled data sets: ``title, abstract, authors, keywords, doi``),
and columns can be mapped by hand with ``options={"columns": {"title": "My Title Col"}}``
(``--column title="My Title Col"`` on the command line).
"""

from __future__ import annotations

import csv

from evimap.importers import databases as db
from evimap.importers.delimited import DelimitedReader, Layout, header_key, read_header

EMBASE = Layout(
    name="embase",
    database=db.EMBASE,
    signature=("Emtree Medical Index Terms",),
    columns={
        "id": ("Embase Accession ID", "Embase Accession Number"),
        "title": ("Title", "Article Title"),
        "abstract": ("Abstract",),
        "authors": ("Author Names",),
        "year": ("Publication Year", "Year of Publication"),
        "source_title": ("Source title", "Source Title"),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "page_start": ("First Page",),
        "page_end": ("Last Page",),
        "doi": ("DOI",),
        "issn": ("ISSN",),
        "pmid": ("Medline PMID", "MEDLINE PMID"),
        "keywords": ("Author Keywords",),
        "indexed_keywords": (
            "Emtree Drug Index Terms (Major Focus)",
            "Emtree Drug Index Terms",
            "Emtree Medical Index Terms (Major Focus)",
            "Emtree Medical Index Terms",
        ),
        "language": ("Language of Article",),
        "document_type": ("Publication Type",),
        "citation": ("Source",),
        "openurl": ("Open URL Link",),
    },
    # "bronchogenic duplication cyst (diagnosis, surgery), colonoscopy, ..."
    separators={"keywords": ",", "indexed_keywords": ","},
)

IEEE = Layout(
    name="ieee",
    database=db.IEEE,
    signature=("Document Title", "Publication Title"),
    columns={
        "title": ("Document Title",),
        "abstract": ("Abstract",),
        "authors": ("Authors",),
        "year": ("Publication Year",),
        "source_title": ("Publication Title",),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "page_start": ("Start Page",),
        "page_end": ("End Page",),
        "doi": ("DOI",),
        "issn": ("ISSN",),
        "isbn": ("ISBNs",),
        "keywords": ("Author Keywords",),
        "indexed_keywords": (
            "IEEE Terms",
            "INSPEC Controlled Terms",
            "INSPEC Non-Controlled Terms",
            "Mesh_Terms",
        ),
        "publisher": ("Publisher",),
        "document_type": ("Document Identifier",),
        "url": ("PDF Link",),
    },
    link_ids=(("PDF Link", "arnumber"),),
)

SPRINGER = Layout(
    name="springer",
    database=db.SPRINGER,
    signature=("Item Title", "Item DOI"),
    columns={
        "title": ("Item Title",),
        "authors": ("Authors",),
        "year": ("Publication Year",),
        "source_title": ("Publication Title",),
        "volume": ("Journal Volume",),
        "issue": ("Journal Issue",),
        "doi": ("Item DOI",),
        "url": ("URL",),
        "document_type": ("Content Type",),
    },
    separators={"authors": "run-together"},
)

LENS = Layout(
    name="lens",
    database=db.LENS,
    signature=("Lens ID",),
    columns={
        "id": ("Lens ID",),
        "title": ("Title",),
        "abstract": ("Abstract",),
        "authors": ("Author/s",),
        "year": ("Publication Year", "Date Published"),
        "source_title": ("Source Title",),
        "volume": ("Volume",),
        "issue": ("Issue Number",),
        "page_start": ("Start Page",),
        "page_end": ("End Page",),
        "doi": ("DOI",),
        "issn": ("ISSNs",),
        "pmid": ("PMID",),
        "keywords": ("Keywords",),
        "indexed_keywords": ("MeSH Terms", "Chemicals"),
        "subject_areas": ("Fields of Study",),
        "document_type": ("Publication Type",),
        "publisher": ("Publisher",),
        "cited_references": ("References",),
        "url": ("External URL", "Source URLs"),
    },
)

OPENALEX = Layout(
    name="openalex",
    database=db.OPENALEX,
    signature=("display_name", "publication_year"),
    columns={
        "id": ("id",),
        "title": ("title", "display_name"),
        "abstract": ("abstract",),
        "authors": ("authorships.author.display_name",),
        "year": ("publication_year", "publication_date"),
        "source_title": ("primary_location.source.display_name",),
        "volume": ("biblio.volume",),
        "issue": ("biblio.issue",),
        "page_start": ("biblio.first_page",),
        "page_end": ("biblio.last_page",),
        "doi": ("doi", "ids.doi"),
        "issn": ("primary_location.source.issn", "primary_location.source.issn_l"),
        "pmid": ("ids.pmid",),
        "keywords": ("keywords.display_name",),
        "subject_areas": (
            "primary_topic.display_name",
            "topics.display_name",
            "concepts.display_name",
        ),
        "language": ("language",),
        "document_type": ("type",),
        "publisher": ("primary_location.source.host_organization_name",),
        "cited_references": ("referenced_works",),
        "url": ("primary_location.landing_page_url",),
    },
    separators={"keywords": "|", "subject_areas": "|", "cited_references": "|"},
)

ZOTERO = Layout(
    name="zotero",
    database="",  # a re-export: records come from wherever the library got them
    signature=("Key", "Item Type", "Publication Title"),
    columns={
        "id": ("Key",),
        "title": ("Title",),
        "abstract": ("Abstract Note",),
        "authors": ("Author",),
        "year": ("Publication Year", "Date"),
        "source_title": ("Publication Title",),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("Pages",),
        "doi": ("DOI",),
        "issn": ("ISSN",),
        "pmid": ("Extra",),
        "isbn": ("ISBN",),
        "keywords": ("Manual Tags",),
        "indexed_keywords": ("Automatic Tags",),
        "language": ("Language",),
        "document_type": ("Item Type",),
        "publisher": ("Publisher",),
        "url": ("Url",),
        "database": ("Library Catalog",),
    },
)

RAYYAN = Layout(
    name="rayyan",
    database="",  # a re-export
    signature=("key", "title", "authors", "journal"),
    columns={
        "id": ("key",),
        "title": ("title",),
        "abstract": ("abstract",),
        "authors": ("authors",),
        "year": ("year",),
        "source_title": ("journal",),
        "volume": ("volume",),
        "issue": ("issue",),
        "pages": ("pages",),
        "doi": ("doi",),
        "issn": ("issn",),
        "pmid": ("pubmed_id", "pmid"),
        "isbn": ("isbn",),
        "keywords": ("keywords",),
        "language": ("language",),
        "document_type": ("publication_types",),
        "publisher": ("publisher",),
        "url": ("url",),
    },
)

# Any other table with recognisable column names: ASReview and other labelled data sets,
# dedup benchmarks, hand-made lists. Its names are matched loosely (``header_key``): ``PubMed
# ID``, ``pubmed_id`` and ``pubmedID`` are one alias, so each alias is written once, as people
# write it.
GENERIC = Layout(
    name="generic",
    loose=True,
    columns={
        "id": ("record_id", "id", "key", "ref id", "reference id"),
        "title": (
            "title",
            "primary title",
            "article title",
            "document title",
            "item title",
            "paper title",
            "ti",
        ),
        "abstract": ("abstract", "abstract note", "notes abstract", "abstract text", "ab"),
        "authors": ("authors", "author", "author names", "author full names", "au"),
        "year": (
            "year",
            "publication year",
            "year of publication",
            "pub year",
            "py",
            "date",
            "publication date",
        ),
        "source_title": (
            "journal",
            "journal title",
            "journal name",
            "source title",
            "publication title",
            "secondary title",
            "container title",
            "booktitle",
            "so",
        ),
        "volume": ("volume", "vl"),
        "issue": ("issue", "number", "is"),
        "pages": ("pages",),
        "page_start": ("start page", "first page", "page start", "bp"),
        "page_end": ("end page", "last page", "page end", "ep"),
        "doi": ("doi", "di"),
        "issn": ("issn", "issns", "eissn", "sn"),
        "pmid": ("pmid", "pubmed id", "pubmed", "medline pmid", "pubmed identifier", "pm"),
        "isbn": ("isbn", "isbns", "bn"),
        "keywords": ("keywords", "keyword", "author keywords", "de"),
        "indexed_keywords": ("mesh terms", "mesh headings", "mesh", "index keywords"),
        "language": ("language", "la"),
        "document_type": ("type", "document type", "publication type"),
        "cited_references": ("references", "cited references", "cr"),
        "publisher": ("publisher",),
        "url": ("url", "link"),
    },
)

LAYOUTS: tuple[Layout, ...] = (EMBASE, IEEE, SPRINGER, LENS, OPENALEX, ZOTERO, RAYYAN)

WEAK_CLAIM = 10
"""The sniff score for a table with no column evimap knows: claimed only so the import can say
which column to map (a pasted reference list with commas scores this too)."""


class GenericCsvReader(DelimitedReader):
    """CSV, TSV or semicolon-separated exports: Embase, IEEE Xplore, SpringerLink, Lens,
    OpenAlex, Zotero, Rayyan, labelled data sets, or any mapped table. (Web of Science's
    tab-delimited export has its own reader, ``wos-tab``.)"""

    name = "csv"
    label = "CSV/TSV (Embase, IEEE, Springer, Lens, OpenAlex, Zotero, Rayyan, labelled, mapped)"
    layouts = LAYOUTS
    fallback = GENERIC

    @classmethod
    def sniff(cls, head: str) -> int:
        parsed = read_header(head)
        if parsed is None:
            return 0
        delimiter, header = parsed
        names = [h for h in header if h]
        if len(names) < 2 or names[0].startswith(("@", "%")):
            return 0
        if any(layout.matches(header) for layout in LAYOUTS):
            return 60
        keys = {header_key(n) for n in names}
        if keys & {header_key(a) for a in GENERIC.columns["title"]}:
            return 40
        # An unknown table: claim it weakly if its first rows have as many cells as the header,
        # so the import can say which column to map.
        rows = list(csv.reader(head.splitlines()[1:6], delimiter=delimiter))
        if len(names) >= 3 and rows and all(len(r) == len(header) for r in rows[:-1]):
            return WEAK_CLAIM
        return 0
