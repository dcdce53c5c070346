"""`evimap dedup` and `evimap remove` through the CLI (a review folder on SQLite)."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from evimap.cli import app
from evimap.review import Review
from tests.test_dedup_store import PROTOCOL_EXTRA, _seed, base_protocol

runner = CliRunner(env={"EVIMAP_AS": "owner"})  # the template's owner


def _folder(tmp_path):
    review = Review.init(tmp_path / "rev", title="CLI test")
    protocol = tmp_path / "rev" / "review.toml"
    protocol.write_text(base_protocol("CLI test") + PROTOCOL_EXTRA)
    _seed(review.store)
    review.close()
    return tmp_path / "rev"


def test_dedup_review_runs_and_prints_a_summary_per_database(tmp_path):
    folder = _folder(tmp_path)
    result = runner.invoke(app, ["dedup", str(folder)])
    assert result.exit_code == 0, result.output
    assert "8 records -> 5 unique records (3 duplicates removed" in result.output
    assert "pairs awaiting review: 0" in result.output


def test_dedup_run_json_export_and_undo(tmp_path):
    folder = _folder(tmp_path)
    result = runner.invoke(app, ["dedup", "run", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["duplicates_removed"] == 3
    out = tmp_path / "clusters.csv"
    result = runner.invoke(app, ["dedup", "export", str(folder), "--clusters", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 and list(rows[0]) == [
        "record_id",
        "cluster_id",
        "evimap_id",
        "title",
        "database",
        "kept",
        "pass",
        "score",
    ]
    by_source = {r["record_id"]: r for r in rows}
    rupture = [by_source["WOS:1"], by_source["2-s2.0-1"]]
    assert {r["cluster_id"] for r in rupture} == {
        next(r["evimap_id"] for r in rupture if r["kept"] == "yes")
    }
    assert {r["pass"] for r in rupture} == {"doi"} and {r["score"] for r in rupture} == {"1.0"}
    alone = by_source["2-s2.0-3"]
    assert (alone["cluster_id"], alone["kept"], alone["pass"]) == (alone["evimap_id"], "yes", "")
    result = runner.invoke(app, ["dedup", "undo", str(folder)])
    assert result.exit_code == 0, result.output
    assert "8 records -> 8 unique records" in result.output
    result = runner.invoke(app, ["dedup", "undo", str(folder)])
    assert result.exit_code == 1
    assert "nothing to undo" in result.output


def test_dedup_review_lists_and_rejects_unknown_pairs(tmp_path):
    folder = _folder(tmp_path)
    runner.invoke(app, ["dedup", str(folder)])
    result = runner.invoke(app, ["dedup", "review", str(folder), "--list"])
    assert result.exit_code == 0, result.output
    assert "Pairs awaiting review: 0" in result.output
    result = runner.invoke(app, ["dedup", "review", str(folder), "--accept", "999"])
    assert result.exit_code == 1
    assert "no pair 999 in the review queue" in result.output


def test_remove_prints_counts_per_reason(tmp_path):
    folder = _folder(tmp_path)
    runner.invoke(app, ["dedup", str(folder)])
    result = runner.invoke(app, ["remove", str(folder)])
    assert result.exit_code == 0, result.output
    assert "wrong field of study" in result.output
    assert "1/5 (20.0%)" in result.output
    assert "2 records left to screen." in result.output


def test_dedup_review_asks_and_merges_on_yes(tmp_path):
    from tests.test_dedup_store import _add, _paper

    review = Review.init(tmp_path / "rev", title="queue")
    _add(
        review.store,
        "Scopus",
        "a.ris",
        [
            _paper(
                "Rupture resolution training for novice therapists: a randomized trial",
                "Eubanks",
                2019,
                sid="A1",
            ),
            _paper(
                "Rupture resolution training for novice therapists: a randomised trial",
                "Eubanks",
                2020,
                sid="A2",
                volume="13",
            ),
        ],
    )
    review.close()
    folder = tmp_path / "rev"
    result = runner.invoke(
        app, ["dedup", str(folder), "--threshold", "1.0", "--review-from", "0.01"]
    )
    assert result.exit_code == 0, result.output
    assert "pairs awaiting review: 1" in result.output
    result = runner.invoke(app, ["dedup", "review", str(folder), "--as", "owner"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Pair " in result.output and "randomized trial" in result.output
    assert "0 pairs still await review." in result.output
    with Review.open(folder) as again:
        assert again.events.read(kind="dedup.merge")[-1].actor == "owner"
        assert again.prisma()["duplicates"] == 1
