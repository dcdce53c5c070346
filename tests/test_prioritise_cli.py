"""The prioritisation verbs (simulate, prioritise, stop) through Typer's CliRunner, the report's
stopping table, and the [prioritise] settings of review.toml."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import ImportFormatError, ProtocolError
from evimap.prioritise.cycle import ModelSpec, check_registry
from evimap.prioritise.data import read_labelled
from evimap.prioritise.features import PrioritiseError, record_text
from evimap.prioritise.simulate import simulate_set
from evimap.protocol import parse_protocol
from evimap.report.stopping import stopping_table
from evimap.review import Review
from tests.screening_support import TEAM, add_records, write_review
from tests.test_prioritise_live import PRIORITISE, _records

runner = CliRunner()


def _labelled_csv(path, n: int = 40):
    rng = np.random.default_rng(1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "keywords", "label_included"])
        for i in range(n):
            relevant = i % 8 == 0
            words = "alliance rupture repair therapy" if relevant else "wheat soil enzyme rats"
            noise = " ".join(rng.choice(["study", "trial", "data", "model", "review"], 4))
            writer.writerow(
                [i + 1, f"{words} {i}", f"{noise} {words}", "kw; " + words, int(relevant)]
            )
    return path


def test_simulate_prints_the_figures_and_writes_recall_curves(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    out = tmp_path / "curves"
    result = runner.invoke(
        app,
        [
            "simulate",
            str(data),
            "--seeds",
            "0-1",
            "--prior",
            "1,1",
            "--out",
            str(out),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["records"] == 40 and got["relevant"] == 5
    assert [r["seed"] for r in got["runs"]] == [0, 1]
    for run in got["runs"]:
        assert set(run) >= {"wss95", "wss100", "rrf10", "atd", "seconds_per_retrain", "order"}
        assert run["wss100"] > 0.5  # an easy set: the relevant records come first
    assert (out / "recall-default.svg").read_text().startswith("<?xml")
    assert (out / "recall-default.png").stat().st_size > 1000


def test_simulate_from_the_cli_labels_in_the_same_order_as_python(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    result = runner.invoke(
        app,
        [
            "simulate",
            str(data),
            "--prior-idx",
            "0",
            "--prior-idx",
            "1",
            "--out",
            str(tmp_path),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    labelled = read_labelled(data)
    runs = simulate_set(
        [record_text(r) for r in labelled.records],
        labelled.labels,
        ModelSpec.named("default"),
        [0],
        prior_idx=[0, 1],
    )
    assert json.loads(result.output)["runs"][0]["order"] == runs[0].order


def test_simulate_names_the_valid_models_and_the_missing_label(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    result = runner.invoke(app, ["simulate", str(data), "--model", "bert"])
    assert result.exit_code == 1
    assert "unknown model 'bert'; valid model names: default, svm" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("title,label_included\nA study,1\nAnother,\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="bad.csv:3"):
        read_labelled(bad)


def test_simulate_takes_parts_and_parameters_over_the_preset(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    out = ["--out", str(tmp_path / "curves"), "-f", "json"]
    args = ["simulate", str(data), "--param", "C=0.3", "--feature-param", "authors=true"]
    got = json.loads(runner.invoke(app, [*args, "--query", "mixed", *out]).output)
    assert got["model"]["params"]["C"] == 0.3 and got["model"]["query"] == "mixed"
    assert got["model"]["feature_params"] == {"authors": True}
    assert got["described"] == "default (tfidf + svm, balanced, mixed; C=0.3, authors=true)"
    plain = json.loads(runner.invoke(app, ["simulate", str(data), *out]).output)
    assert plain["described"] == "default (tfidf + svm, balanced, max)"
    assert plain["runs"][0]["order"] != got["runs"][0]["order"]


def test_simulate_reads_the_model_of_a_review_toml_and_overrides_it(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    folder = write_review(tmp_path / "r")
    toml = folder / "review.toml"
    toml.write_text(
        toml.read_text() + '\n[prioritise]\nclassifier = "nb"\nparams = { alpha = 2.0 }\n'
    )
    out = ["--out", str(tmp_path / "curves"), "-f", "json"]
    got = json.loads(
        runner.invoke(app, ["simulate", str(data), "--settings", str(toml), *out]).output
    )
    assert got["model"]["classifier"] == "nb" and got["model"]["params"]["alpha"] == 2.0
    result = runner.invoke(
        app, ["simulate", str(data), "--settings", str(toml), "--classifier", "logistic", *out]
    )
    assert json.loads(result.output)["model"]["classifier"] == "logistic"


def test_a_bad_model_parameter_is_a_clear_error_before_any_work(tmp_path):
    data = _labelled_csv(tmp_path / "set.csv")
    result = runner.invoke(app, ["simulate", str(data), "--param", "Cc=1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "unknown parameter 'Cc' of the svm classifier; its parameters: C," in result.output
    result = runner.invoke(app, ["simulate", str(data), "--param", "C=-1"])
    assert result.exit_code == 1 and "must be a float in the range (0.0, inf)" in result.output
    result = runner.invoke(app, ["simulate", str(data), "--param", "C"])
    assert result.exit_code == 2 and "give --param KEY=VALUE" in result.output
    result = runner.invoke(app, ["simulate", str(data), "--feature-param", "min_df=-3"])
    assert result.exit_code == 1 and "the tfidf features: The 'min_df' parameter" in result.output


def test_a_bad_parameter_in_review_toml_stops_a_retrain_with_its_name(review):
    toml = review.folder / "review.toml"
    toml.write_text(
        toml.read_text().replace("retrain_every = 2", "retrain_every = 2\nparams = { C = 0 }")
    )
    folder = str(review.folder)
    for rid, decision in ((review.ids[0], "include"), (review.ids[6], "exclude")):
        review.screening.decide("title_abstract", rid, decision, member=TEAM["A"])
    result = runner.invoke(app, ["prioritise", "rank", folder, "--as", "A"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "the svm classifier's parameters: The 'C' parameter of LinearSVC" in result.output


def test_the_protocol_lists_valid_names_for_an_unknown_part(tmp_path):
    folder = write_review(tmp_path / "r")
    text = (folder / "review.toml").read_text() + '\n[prioritise]\nclassifier = "forest"\n'
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, str(folder / "review.toml"))
    assert "valid classifier names: svm, logistic, nb" in str(caught.value.problems)


def test_every_name_the_protocol_accepts_is_a_part_the_cycle_knows():
    check_registry()
    with pytest.raises(PrioritiseError, match="valid query names"):
        ModelSpec.named("default", query="best")


@pytest.fixture
def review(tmp_path):
    folder = write_review(tmp_path / "r")
    (folder / "review.toml").write_text(
        (folder / "review.toml").read_text(encoding="utf-8") + PRIORITISE, encoding="utf-8"
    )
    opened = Review.open(folder)
    opened.ids = add_records(opened, _records())
    opened.screening.assign("title_abstract", member=TEAM["O"])
    yield opened
    opened.close()


def test_rank_status_and_stop_from_the_command_line(review):
    folder = str(review.folder)
    for who in "AB":
        review.screening.decide("title_abstract", review.ids[0], "include", member=TEAM[who])
        review.screening.decide("title_abstract", review.ids[6], "exclude", member=TEAM[who])
    result = runner.invoke(app, ["prioritise", "rank", folder, "--as", "O", "--team", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert {r["reviewer"] for r in json.loads(result.output)} == {"A", "B"}
    result = runner.invoke(app, ["prioritise", "status", folder, "--as", "A"])
    assert result.exit_code == 0 and "newest ranking" in result.output
    result = runner.invoke(app, ["stop", folder, "--as", "A", "--sample"])
    assert result.exit_code == 1 and "owner or arbiter" in result.output
    result = runner.invoke(app, ["stop", folder, "--as", "O", "--sample", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "they now lead every queue" in result.output
    assert "keep screening the sample" in result.output
    assert "heuristic, no guarantee" in result.output
    result = runner.invoke(
        app, ["stop", folder, "--as", "O", "--decide", "continue", "--why", "sample unscreened"]
    )
    assert result.exit_code == 0 and "decision logged: continue" in result.output
    result = runner.invoke(app, ["stop", folder, "--as", "O", "-f", "json"])
    status = json.loads(result.output)["status"]
    assert status["round"]["seed"] == 5 and status["test"]["reject"] is False
    table = stopping_table(review.events.read())
    assert table is not None and table.rows[0]["decision"] == "continue"
    assert table.rows[0]["why"] == "sample unscreened"
    assert table.rows[0]["left unscreened"] == len(review.ids) - 2


def _topic(review, rid: int) -> bool:
    return review.ids.index(rid) % 12 < 6


def test_stop_prints_the_test_once_a_look_is_read_and_the_decision_after(review):
    folder = str(review.folder)
    on = [r for r in review.ids if _topic(review, r)]
    for who in "AB":
        for rid in on:
            review.screening.decide("title_abstract", rid, "include", member=TEAM[who])
    result = runner.invoke(
        app, ["stop", folder, "--as", "O", "--sample", "--seed", "1", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    for who in "AB":  # the sample holds only off-topic records: all relevant were found
        for rid in json.loads(result.output)["drawn"]["record_ids"]:
            review.screening.decide("title_abstract", rid, "exclude", member=TEAM[who])
    result = runner.invoke(app, ["stop", folder, "--as", "O"])
    assert result.exit_code == 0, result.output  # printed the test without a crash
    assert "at look 1" in result.output and "the team may stop" in result.output
    assert "relevant records still unseen" in result.output
    result = runner.invoke(app, ["stop", folder, "--as", "O", "--decide", "stop", "--why", "done"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["stop", folder, "--as", "A"])
    assert "stopped by O" in result.output and "at look 1" in result.output
