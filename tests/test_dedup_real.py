"""Deduplicating real cross-database exports finds the duplicates they share (checked by DOI)."""

from __future__ import annotations

import pytest

from evimap.members import Member
from evimap.review import Review
from tests.conftest import shared_data

OWNER = Member("owner", "owner")

RESTORATION = ("restoration_WoS.ciw", "restoration_scopus.ris", "restoration_pubmed.nbib")
GAMBLING = ("crimjust_41", "lens_49", "psycinfo_124", "pubmed_176", "scopus_255")


def _dedup(tmp_path, paths) -> tuple[Review, dict[str, int]]:
    review = Review.init(tmp_path / "review", title="real data")
    for path in paths:
        review.imports.add(path, member=OWNER)
    review.dedup.run(member=OWNER)
    cluster_of = {}
    for cluster in review.dedup.clusters():
        for source in cluster["sources"]:
            cluster_of[source["source_record_id"]] = cluster["cluster_id"]
    return review, cluster_of


def _plausible(review: Review, files: int) -> None:
    for cluster in review.dedup.clusters(only_duplicates=True):
        assert cluster["size"] <= files + 1, cluster
    for _, record in review.dedup.unique_records():
        assert record.title


@pytest.fixture
def restoration(tmp_path):
    folder = shared_data("exports", "mjwestgate+revtools", "examples")
    review, cluster_of = _dedup(tmp_path, [folder / name for name in RESTORATION])
    yield review, cluster_of
    review.close()


@pytest.fixture
def gambling(tmp_path):
    folder = shared_data("exports", "ESHackathon+CiteSource", "vignettes", "topic_data")
    review, cluster_of = _dedup(
        tmp_path, [folder / f"20221207_gambling-harms_{name}.ris" for name in GAMBLING]
    )
    yield review, cluster_of
    review.close()


def test_restoration_merges_the_same_article_from_wos_scopus_and_pubmed(restoration):
    review, cluster_of = restoration
    # 10.1016/j.scitotenv.2018.11.375 in all three exports.
    assert cluster_of["WOS:000455039600059"] == cluster_of["2-s2.0-85057785960"]
    assert cluster_of["WOS:000455039600059"] == cluster_of["30529964"]
    # 10.1016/j.dental.2018.11.027 in Web of Science and Scopus.
    assert cluster_of["WOS:000456070900016"] == cluster_of["2-s2.0-85057611260"]
    assert cluster_of["WOS:000456070900016"] != cluster_of["WOS:000455039600059"]
    counts = review.events.read(kind="dedup.run")[-1].counts
    assert counts["records"] == 637
    assert 100 <= counts["duplicates_removed"] <= 250
    assert set(counts["duplicates_removed_by_database"]) <= {"Web of Science", "Scopus", "PubMed"}
    _plausible(review, 3)


def test_gambling_harms_merges_records_across_five_databases(gambling):
    review, cluster_of = gambling
    # 10.1007/s10899-017-9698-y in Lens, PsycINFO and Scopus.
    assert cluster_of["056-547-793-989-972"] == cluster_of["2018-21924-010"]
    assert cluster_of["2018-21924-010"] == cluster_of["2-s2.0-85046634187"]
    # 10.1080/16066359.2020.1867111 in Criminal Justice Abstracts and Scopus.
    assert cluster_of["150283836"] == cluster_of["2-s2.0-85100738392"]
    # 10.1007/s10899-016-9612-z in Criminal Justice Abstracts, PsycINFO and Scopus.
    assert (
        cluster_of["121412476"] == cluster_of["2017-09145-005"] == cluster_of["2-s2.0-85013828123"]
    )
    assert cluster_of["121412476"] != cluster_of["150283836"]
    _plausible(review, 5)
