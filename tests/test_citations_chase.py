"""Citation searching end to end: included records, chase, candidates screened by two reviewers,
and the PRISMA other-methods counts read from the log; plus idempotency, a PDF reference list,
other methods, the CLI and the migration."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import CitationError
from evimap.importing import import_file
from evimap.review import Review
from evimap.store.models_citations import CitationLink
from tests.conftest import shared_data
from tests.screening_support import (  # noqa: F401
    TEAM,
    log_flow,
    make_review,
    new_db,
    review_db,
    table_flow,
    write_review,
)

WOS = "massimoaria+bibliometrix/tests/testthat/fixtures/wos_sample.txt"
SCOPUS = "massimoaria+bibliometrix/tests/testthat/fixtures/scopus_sample.csv"
TA, FT = "title_abstract", "full_text"


def _import(review: Review) -> dict[str, int]:
    """The bibliometrix WoS and Scopus samples; record id by DOI."""
    for name in (WOS, SCOPUS):
        import_file(review.store, shared_data("exports", name))
    return {r.doi: rid for rid, r in review.records.iter()}


def _both(review: Review, stage: str, ids, decision: str, reason: str = "") -> None:
    for rid in ids:
        for name in ("A", "B"):
            review.screening.decide(stage, rid, decision, member=TEAM[name], reason=reason)


def _screen_to_inclusion(review: Review, include: list[int]) -> None:
    """Both reviewers include ``include`` at both stages and exclude every other record."""
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    todo = s.queue(TA, member=TEAM["A"])
    _both(review, TA, [r for r in todo if r in include], "include")
    _both(review, TA, [r for r in todo if r not in include], "exclude", "E1")
    s.assign(FT, member=TEAM["O"])
    _both(review, FT, include, "include")


ARIA = "10.1016/j.joi.2017.08.007"  # bibliometrix (Aria & Cuccurullo 2017), a WoS record
BUYUKKIDIK = "10.21031/epod.1069307"  # WoS; cites Aria 2017 with its DOI
OWUSU = "10.1080/08164622.2025.2601299"  # Scopus; cites Aria 2017 without a DOI
SOUZA = "10.1016/j.simpa.2025.100766"  # WoS


def test_included_records_chase_candidates_screening_and_prisma(make_review):
    review = make_review()
    ids = _import(review)
    included = [ids[BUYUKKIDIK], ids[OWUSU], ids[SOUZA]]
    _screen_to_inclusion(review, included)
    assert review.included() == sorted(included)
    database_units = len(ids)

    result = review.citations.chase("included", member=TEAM["O"])
    refs = 39 + 30 + 15
    assert result.references == refs
    assert result.parsed_author_year >= 0.95 * refs
    # Aria 2017 is a record of the review (excluded at title/abstract): its three citations
    # are matched, the two WoS ones by DOI, the Scopus one (no DOI) by its title
    links = review.citations.links(status="matched")
    to_aria = [link for link in links if link["record_id"] == ids[ARIA]]
    assert sorted(link["method"] for link in to_aria) == ["doi", "doi", "title"]
    assert result.matched == len(links) >= 2
    assert result.candidates > 20
    assert result.references == (
        result.matched + result.candidates + result.duplicates + result.unparsed
    )
    candidates = result.candidate_ids
    assert ids[ARIA] not in candidates
    records = dict(review.records.iter(ids=candidates))
    assert {r.source_database for r in records.values()} == {"citation searching"}
    assert all(r.first_author and r.year for r in records.values())

    # chasing again adds nothing
    again = review.citations.chase("included", member=TEAM["O"])
    assert (again.candidates, again.references) == (0, refs)
    assert again.already_chased == refs
    assert again.matched == refs - result.unparsed
    assert len(review.citations.links()) == len(review.citations.links()) == refs
    assert sum(1 for _ in review.records.iter()) == database_units + result.candidates

    # the candidates are screened in the same two stages; nothing screened before comes back
    s = review.screening
    added = s.assign(TA, member=TEAM["O"])
    assert added.records == result.candidates
    todo = s.queue(TA, member=TEAM["A"])
    assert sorted(todo) == sorted(candidates)
    keep = candidates[:2]
    _both(review, TA, keep, "include")
    _both(review, TA, candidates[2:], "exclude", "E1")
    assert s.assign(FT, member=TEAM["O"]).records == 2
    _both(review, FT, keep[:1], "include")
    _both(review, FT, keep[1:], "exclude", "E2")

    flow = table_flow(review)
    assert flow.to_dict() == log_flow(review).to_dict()
    assert flow.records_screened == database_units
    assert flow.studies_included == 3
    assert (flow.other_identified, flow.other_records_excluded) == (
        result.candidates,
        len(candidates) - 2,
    )
    assert (flow.other_sought, flow.other_assessed, flow.other_excluded, flow.other_included) == (
        2,
        2,
        1,
        1,
    )

    prisma = review.prisma()
    assert prisma["citations_results"] == result.candidates
    assert prisma.source["citations_results"] == "events"
    assert prisma["records_screened"] == database_units
    assert prisma["dbr_included"] == 3
    assert (prisma["other_sought_reports"], prisma["other_assessed"]) == (2, 2)
    assert (prisma["other_excluded"], prisma["other_included"]) == (1, 1)
    assert prisma.other_reasons == {"E2: Wrong publication type": 1}
    assert prisma["new_studies"] == 4
    template = prisma.to_template()
    assert template["citations_results"] == result.candidates
    assert template["other_excluded"] == "E2: Wrong publication type, 1"

    # the included candidate is itself included now: chasing again reads its (empty) list
    assert set(review.included()) == {*included, keep[0]}
    kinds = [e.kind for e in review.events.read() if e.kind in ("chase.run", "identify.other")]
    assert kinds == ["chase.run", "identify.other", "chase.run"]


def test_nothing_included_is_a_clear_error(make_review):
    review = make_review()
    _import(review)
    with pytest.raises(CitationError, match="no included records to chase"):
        review.citations.chase("included", member=TEAM["O"])


def test_a_chase_from_an_export_file_is_one_transaction_and_idempotent(make_review):
    review = make_review()
    ids = _import(review)
    path = shared_data("exports", WOS)
    first = review.citations.chase(path, member=TEAM["O"])
    assert first.citing == 8 and first.references == 252
    # each citing record of the file is the review's own record of it
    froms = {link["from_record_id"] for link in review.citations.links()}
    assert froms <= set(ids.values()) and None not in froms
    second = review.citations.chase(path, member=TEAM["O"])
    assert second.candidates == 0 and second.already_chased == 252
    with review.store.read() as session:
        assert session.scalar(select(text("count(*)")).select_from(CitationLink)) == 252


def test_a_failed_chase_writes_nothing(make_review, monkeypatch):
    review = make_review()
    ids = _import(review)
    _screen_to_inclusion(review, [ids[BUYUKKIDIK]])
    events = len(review.events.read())
    records = sum(1 for _ in review.records.iter())
    from evimap.citations import chase as chase_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(chase_module, "_store_links", broken)
    with pytest.raises(RuntimeError):
        review.citations.chase("included", member=TEAM["O"])
    assert len(review.events.read()) == events
    assert sum(1 for _ in review.records.iter()) == records


REFERENCE_LIST = [
    "Title of a paper on alliance ruptures",
    "",
    "References",
    "Aria, M., & Cuccurullo, C. (2017). bibliometrix: An R-tool for comprehensive science",
    "mapping analysis. Journal of Informetrics, 11(4), 959-975.",
    "Bordin, E. S. (1979). The generalizability of the psychoanalytic concept of the working",
    "alliance. Psychotherapy: Theory, Research & Practice, 16(3), 252-260.",
    "Safran, J. D., & Muran, J. C. (2000). Negotiating the therapeutic alliance: A relational",
    "treatment guide. Guilford Press.",
]


def _pdf(path, lines):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69))
    for i, line in enumerate(lines):
        figure.text(0.05, 0.95 - i * 0.03, line, fontsize=8)
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        figure.savefig(path, format="pdf")


def test_a_pdf_reference_list_is_read_split_and_matched(make_review, tmp_path):
    review = make_review()
    ids = _import(review)
    pdf = tmp_path / "paper.pdf"
    _pdf(pdf, REFERENCE_LIST)
    result = review.citations.chase(pdf, member=TEAM["O"])
    assert result.references == 3 and result.parsed_author_year == 3
    assert result.matched == 1 and result.candidates == 2
    links = review.citations.links()
    assert links[0]["record_id"] == ids[ARIA] and links[0]["method"] == "title"
    assert [link["first_author"] for link in links] == ["Aria", "Bordin", "Safran"]
    records = dict(review.records.iter(ids=result.candidate_ids))
    bordin = records[result.candidate_ids[0]]
    assert bordin.title.startswith("The generalizability of the psychoanalytic concept")
    assert (bordin.year, bordin.volume, bordin.issue, bordin.pages) == (1979, "16", "3", "252-260")


def test_an_unreadable_pdf_names_the_file(make_review, tmp_path):
    review = make_review()
    _import(review)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(CitationError, match="broken.pdf"):
        review.citations.chase(bad, member=TEAM["O"])


def test_other_methods_are_logged_with_counts_and_records(make_review, tmp_path):
    review = make_review()
    ids = _import(review)
    review.citations.log_other("organisations", records=4, member=TEAM["O"], why="WHO reports")
    found = tmp_path / "found.ris"
    found.write_text(
        "TY  - JOUR\nAU  - Aria, Massimo\nTI  - bibliometrix: An R-tool for comprehensive "
        "science mapping analysis\nPY  - 2017\nDO  - 10.1016/j.joi.2017.08.007\nER  - \n\n"
        "TY  - RPRT\nAU  - Gough, David\nTI  - Mapping research on alliance ruptures\n"
        "PY  - 2021\nER  - \n",
        encoding="utf-8",
    )
    logged = review.citations.log_other("websites", path=found, member=TEAM["O"])
    assert logged["records"] == 1 and logged["already_in_review"] == 1
    (new,) = logged["record_ids"]
    assert dict(review.records.iter(ids=[new]))[new].source_database == "websites"
    assert new not in ids.values()
    review.citations.log_other("experts", records=2, member=TEAM["O"])
    prisma = review.prisma()
    assert prisma["organisation_results"] == 4
    assert prisma["website_results"] == 1
    assert prisma.other_methods == {"organisations": 4, "websites": 1, "experts": 2}
    assert prisma["citations_results"] is None
    with pytest.raises(CitationError, match="unknown other method 'blogs'"):
        review.citations.log_other("blogs", records=1, member=TEAM["O"])
    with pytest.raises(CitationError, match="already added"):
        review.citations.log_other("websites", path=found, member=TEAM["O"])


def test_the_cli_chases_and_prints_json(tmp_path):
    folder = write_review(tmp_path / "review")
    runner = CliRunner(env={"EVIMAP_AS": "O"})
    for name in (WOS, SCOPUS):
        done = runner.invoke(app, ["import", str(folder), str(shared_data("exports", name))])
        assert done.exit_code == 0, done.output
    empty = runner.invoke(app, ["chase", str(folder)])
    assert empty.exit_code == 1
    assert "no included records to chase" in empty.output
    path = str(shared_data("exports", WOS))
    done = runner.invoke(app, ["chase", str(folder), "--from", path, "--format", "json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["references"] == 252
    assert summary["parsed_author_year"] >= 0.95 * 252
    assert (
        summary["matched"] + summary["candidates"] + summary["duplicates"] + summary["unparsed"]
        == 252
    )
    again = runner.invoke(app, ["chase", str(folder), "--from", path])
    assert again.exit_code == 0, again.output
    assert "Nothing new to screen." in again.output
    assert "252/252 (100.0%)" in again.output  # already chased before
    links = runner.invoke(app, ["chase-links", str(folder), "--status", "matched", "-f", "csv"])
    assert links.exit_code == 0 and links.output.startswith("id,from_record_id,reference")
    other = runner.invoke(
        app, ["other-methods", str(folder), "--method", "websites", "--records", "3"]
    )
    assert other.exit_code == 0 and "Logged 3 records identified by websites." in other.output
    bad = runner.invoke(app, ["other-methods", str(folder), "--method", "blogs", "--records", "1"])
    assert bad.exit_code == 1 and "unknown other method 'blogs'" in bad.output


@pytest.mark.postgres
def test_the_citations_migration_goes_down_and_up(review_db):
    from evimap.store import open_store

    store = open_store(review_db)
    try:
        assert "0010_citations" in store.revisions()
        store.downgrade("0010_citations@-1")
        assert "0010_citations" not in store.revisions()
        with pytest.raises(DBAPIError), store.read() as session:
            session.execute(text("SELECT count(*) FROM citation_links"))
        store.upgrade()
        with store.read() as session:
            assert session.execute(text("SELECT count(*) FROM citation_links")).scalar() == 0
    finally:
        store.close()
