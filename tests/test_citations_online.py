"""Online look-ups (OpenAlex through pyalex), replayed from recorded responses: pyalex builds
and sends its requests as it would; only the transport answers from tests/data/openalex."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from requests.adapters import BaseAdapter

from evimap.citations.online import OpenAlex, work_to_reference
from evimap.errors import CitationError
from evimap.importing import import_file
from tests.conftest import shared_data
from tests.screening_support import TEAM, make_review, new_db  # noqa: F401

RESPONSES = json.loads(
    (Path(__file__).parent / "data" / "openalex" / "responses.json").read_text("utf-8")
)
DOI_LOOKUP = "https://api.openalex.org/works/https%3A%2F%2Fdoi.org%2F"


class Replay(BaseAdapter):
    """Answers each request from the recorded responses; an unknown DOI is a 404 (as the API
    answers), any other unknown request fails the test."""

    def __init__(self, offline: bool = False):
        super().__init__()
        self.offline = offline
        self.asked: list[str] = []

    def send(self, request, **kwargs):
        self.asked.append(request.url)
        if self.offline:
            raise requests.ConnectionError("no network")
        recorded = RESPONSES.get(request.url)
        if recorded is None:
            assert request.url.startswith(DOI_LOOKUP), f"unrecorded request {request.url}"
            recorded = {"status": 404, "body": {"error": "404", "message": "not found"}}
        response = requests.Response()
        response.status_code = recorded["status"]
        response._content = json.dumps(recorded["body"]).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def replay(monkeypatch):
    import pyalex.api

    adapter = Replay()

    def session():
        s = requests.Session()
        s.mount("https://", adapter)
        return s

    monkeypatch.setattr(pyalex.api, "_get_requests_session", session)
    return adapter


WOS = "massimoaria+bibliometrix/tests/testthat/fixtures/wos_sample.txt"
SCOPUS = "massimoaria+bibliometrix/tests/testthat/fixtures/scopus_sample.csv"
SOUZA = "10.1016/j.simpa.2025.100766"
OWUSU = "10.1080/08164622.2025.2601299"


def _review_with_souza_included(make_review):
    review = make_review()
    for name in (WOS, SCOPUS):
        import_file(review.store, shared_data("exports", name))
    ids = {r.doi: rid for rid, r in review.records.iter()}
    s = review.screening
    s.assign("title_abstract", member=TEAM["O"])
    for rid in s.queue("title_abstract", member=TEAM["A"]):
        include = rid == ids[SOUZA]
        for name in ("A", "B"):
            s.decide(
                "title_abstract",
                rid,
                "include" if include else "exclude",
                member=TEAM[name],
                reason="" if include else "E1",
            )
    s.assign("full_text", member=TEAM["O"])
    for name in ("A", "B"):
        s.decide("full_text", ids[SOUZA], "include", member=TEAM[name])
    return review, ids


def test_a_work_becomes_a_reference_with_its_abstract():
    work = RESPONSES[
        "https://api.openalex.org/works?filter=cites:W4411111111&cursor=%2A&per-page=200"
    ]["body"]["results"][0]
    ref = work_to_reference(work)
    assert (ref.first_author, ref.year, ref.doi) == (
        "Gómez-Ruiz",
        2025,
        "10.5555/evimap.fixture.2025.1",
    )
    assert [a.family for a in ref.authors] == ["Gómez-Ruiz", "van Eck"]
    assert (ref.source, ref.volume, ref.issue, ref.pages) == (
        "Journal of Informetrics",
        "19",
        "3",
        "101650",
    )
    assert ref.abstract == "We compare four metadata harvesters."
    assert ref.ids == {"openalex": "W4422222222"}


def test_online_chase_adds_citing_works_and_completes_candidates(make_review, replay):
    review, ids = _review_with_souza_included(make_review)
    result = review.citations.chase("included", member=TEAM["O"], online=OpenAlex())
    assert result.online and result.forward == 2
    assert result.references == 15 + 2
    forward = [link for link in review.citations.links() if link["direction"] == "forward"]
    by_status = {link["status"]: link for link in forward}
    # one citing work is already in the review (Owusu, from Scopus), matched by DOI
    assert by_status["matched"]["record_id"] == ids[OWUSU]
    assert by_status["matched"]["method"] == "doi"
    new = by_status["candidate"]["record_id"]
    record = dict(review.records.iter(ids=[new]))[new]
    assert record.title == "Comparing metadata harvesters for bibliographic reviews"
    assert record.abstract == "We compare four metadata harvesters."
    assert record.source_database == "citation searching"
    # a WoS reference (no title) completed from its DOI
    records = dict(review.records.iter(ids=result.candidate_ids))
    arruda = next(r for r in records.values() if r.doi == "10.5195/jmla.2022.1434")
    assert (arruda.title, arruda.abstract) == (
        "VOSviewer and Bibliometrix",
        "A review of two tools.",
    )
    assert result.completed == 1
    identified = review.events.read(kind="identify.other")[-1]
    assert identified.details["forward"] == 1
    assert identified.counts["records"] == result.candidates
    # chasing online again adds nothing
    again = review.citations.chase("included", member=TEAM["O"], online=OpenAlex())
    assert again.candidates == 0 and again.already_chased == again.references == 17


def test_no_network_is_a_clear_error_and_writes_nothing(make_review, replay):
    review, _ = _review_with_souza_included(make_review)
    events = len(review.events.read())
    replay.offline = True
    with pytest.raises(CitationError, match="OpenAlex could not be reached"):
        review.citations.chase("included", member=TEAM["O"], online=OpenAlex())
    assert len(review.events.read()) == events
    assert review.citations.links() == []
