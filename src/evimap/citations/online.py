"""Optional online look-ups through OpenAlex (``pyalex``): the works citing an included record
(forward citations), a record's reference list when its export has none, and the metadata a
cited reference lacks (title, abstract, authors) found by its DOI.

Nothing here runs unless a chase is asked to go ``online``; tests replay recorded responses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evimap.citations.model import Reference
from evimap.citations.names import given_family
from evimap.errors import CitationError
from evimap.records import Record
from evimap.records.normalise import clean_text, normalise_doi

FORWARD_LIMIT = 500
"""Citing works read per included record at most."""
BATCH = 50
"""OpenAlex ids asked for in one request."""


def work_to_reference(work: dict[str, Any]) -> Reference:
    """A reference from an OpenAlex work object.

    :param work: the work as the API returns it.
    """
    authors = []
    for authorship in work.get("authorships") or []:
        name = (authorship.get("author") or {}).get("display_name") or ""
        if name:
            authors.append(given_family(name))
    biblio = work.get("biblio") or {}
    first, last = biblio.get("first_page") or "", biblio.get("last_page") or ""
    source = ((work.get("primary_location") or {}).get("source") or {}).get("display_name")
    openalex = str(work.get("id") or "").rsplit("/", 1)[-1]
    return Reference(
        raw=f"OpenAlex {openalex}",
        authors=authors,
        year=work.get("publication_year"),
        title=clean_text(work.get("title") or work.get("display_name") or ""),
        source=source or "",
        volume=str(biblio.get("volume") or ""),
        issue=str(biblio.get("issue") or ""),
        pages=f"{first}-{last}" if first and last and last != first else str(first),
        doi=normalise_doi(work.get("doi") or ""),
        style="openalex",
        ids={"openalex": openalex} if openalex else {},
        abstract=_abstract(work.get("abstract_inverted_index")),
    )


def _abstract(index: dict[str, list[int]] | None) -> str:
    """The abstract from OpenAlex's inverted index (``{word: [positions]}``)."""
    if not index:
        return ""
    words = sorted((position, word) for word, positions in index.items() for position in positions)
    return " ".join(word for _, word in words)


def _unreachable(what: str, exc: Exception) -> CitationError:
    return CitationError(
        f"OpenAlex could not be reached for {what} ({exc.__class__.__name__}); "
        "chase without --online, or retry when the network is available"
    )


class OpenAlex:
    """OpenAlex through pyalex.

    :param email: sent with each request (OpenAlex's polite pool).
    :param limit: citing works read per record at most.
    """

    name = "OpenAlex"

    def __init__(self, email: str | None = None, limit: int = FORWARD_LIMIT):
        import pyalex

        self._pyalex = pyalex
        if email:
            pyalex.config.email = email
        self.limit = limit

    def _call(self, what: str, call):
        import requests

        try:
            return call()
        except requests.RequestException as exc:
            raise _unreachable(what, exc) from exc

    def work(self, doi: str) -> dict[str, Any] | None:
        """The OpenAlex work with this DOI, or None when OpenAlex does not know it.

        :param doi: a bare DOI.
        """
        import requests

        try:
            return dict(self._pyalex.Works()[f"https://doi.org/{doi}"])
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise CitationError(f"OpenAlex refused the look-up of {doi}: {exc}") from exc
        except requests.RequestException as exc:
            raise _unreachable(doi, exc) from exc

    def citing(self, record: Record) -> list[Reference]:
        """Works citing ``record`` (found by its DOI); ``[]`` without a DOI or a known work.

        :param record: an included record.
        """
        if not record.doi:
            return []
        work = self.work(record.doi)
        if work is None:
            return []
        short = str(work["id"]).rsplit("/", 1)[-1]
        query = self._pyalex.Works().filter(cites=short)
        pages = self._call(
            f"works citing {record.doi}",
            lambda: list(query.paginate(per_page=200, n_max=self.limit)),
        )
        return [work_to_reference(w) for page in pages for w in page][: self.limit]

    def references(self, record: Record) -> list[Reference]:
        """The works ``record`` cites, as OpenAlex lists them (``referenced_works``).

        :param record: a record with a DOI.
        """
        if not record.doi:
            return []
        work = self.work(record.doi)
        if work is None:
            return []
        return self.works(str(w).rsplit("/", 1)[-1] for w in work.get("referenced_works") or [])

    def works(self, ids: Iterable[str]) -> list[Reference]:
        """Works by OpenAlex id, in batches.

        :param ids: ``W...`` ids.
        """
        ids = list(ids)
        out: list[Reference] = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            works = self._call("referenced works", lambda chunk=chunk: self._pyalex.Works()[chunk])
            by_id = {str(w["id"]).rsplit("/", 1)[-1]: w for w in works}
            out.extend(work_to_reference(by_id[i]) for i in chunk if i in by_id)
        return out

    def complete(self, ref: Reference) -> bool:
        """Fill what ``ref`` lacks (title, abstract, authors, source...) from its DOI's work.

        :param ref: a reference with a DOI.
        :returns: whether anything was filled.
        """
        if not ref.doi or (ref.title and ref.abstract and ref.authors):
            return False
        work = self.work(ref.doi)
        if work is None:
            return False
        before = ref.to_dict()
        found = work_to_reference(work)
        ref.merge(found)
        if not ref.abstract and found.abstract:
            ref.abstract = found.abstract
        return ref.to_dict() != before
