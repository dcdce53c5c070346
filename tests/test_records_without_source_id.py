"""Records whose file gives them no ID (an Ovid MEDLINE RIS without AN) are named by evimap's own
id (``#ID``, the id column of ``evimap records``) in every verb that takes a record: charting
import and verification, and ``export --ids``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.review import Review
from tests.screening_support import write_review

# Ovid MEDLINE as RIS, without AN lines: the records carry no ID of their own.
OVID_MEDLINE = "".join(
    f"TY  - JOUR\nDB  - Ovid MEDLINE(R)\nTI  - Alliance rupture study {i}\nPY  - 202{i}\n"
    f"AU  - Author{i}, A\nER  - \n\n"
    for i in range(3)
)
CODEBOOK = """
[[fields]]
name = "country"
type = "single"
choices = ["Canada", "Chile"]
"""

runner = CliRunner()


@pytest.fixture
def review(tmp_path):
    folder = write_review(tmp_path / "review")
    (folder / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    path = tmp_path / "medline.ris"
    path.write_text(OVID_MEDLINE, encoding="utf-8")
    with Review.open(folder) as opened:
        # Imported as included studies (a paper's reference list), so they may be charted.
        opened.imports.add(path, member=opened.team.member("O"), role="included")
        ids = [rid for rid, record in opened.records.iter()]
        assert [r.source_record_id for _, r in opened.records.iter()] == ["", "", ""]
    return folder, ids


def test_charting_names_a_record_without_an_id_by_its_evimap_id(review, tmp_path):
    folder, ids = review
    charting = tmp_path / "charting.toml"
    charting.write_text(
        f'reviewer = "A"\n[[study]]\nkey = "#{ids[1]}"\ncountry = "Chile"\n'
        f'[[study]]\nkey = "evimap:{ids[2]}"\ncountry = "Canada"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["chart", "import", str(folder), str(charting), "--as", "A"])
    assert result.exit_code == 0, result.output
    with Review.open(folder) as opened:
        studies = opened.charting.studies("A")
    assert [(s.key, s.record_id, s.record.title) for s in studies] == [
        (f"#{ids[1]}", ids[1], "Alliance rupture study 1"),
        (f"evimap:{ids[2]}", ids[2], "Alliance rupture study 2"),
    ]
    # A second reviewer verifies the same studies by the same keys.
    check = tmp_path / "check.toml"
    check.write_text(
        f'reviewer = "B"\n[[study]]\nkey = "#{ids[1]}"\ncountry = "Chile"\n',
        encoding="utf-8",
    )
    verified = runner.invoke(app, ["chart", "verify", str(folder), str(check), "--as", "B"])
    assert verified.exit_code == 0, verified.output


def test_an_evimap_id_that_names_no_record_is_an_error_that_says_how_to_name_one(review, tmp_path):
    folder, ids = review
    charting = tmp_path / "charting.toml"
    charting.write_text(
        'reviewer = "A"\n[[study]]\nkey = "#999"\ncountry = "Chile"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["chart", "import", str(folder), str(charting), "--as", "A"])
    assert result.exit_code == 1
    assert "study '#999' matches no record" in result.output
    assert "'#ID'" in result.output


def test_export_ids_takes_evimap_ids_with_or_without_the_hash(review):
    folder, ids = review
    result = runner.invoke(
        app, ["export", str(folder), "--ids", f"{ids[0]},#{ids[2]}", "--to", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "study 0" in result.output and "study 2" in result.output
    assert "study 1" not in result.output
    bad = runner.invoke(app, ["export", str(folder), "--ids", "PMID123"])
    assert bad.exit_code == 1
    assert "'PMID123' is not an evimap record id" in bad.output


def test_records_lists_the_evimap_id_to_use(review):
    folder, ids = review
    result = runner.invoke(app, ["records", str(folder), "--format", "json"])
    assert [r["id"] for r in json.loads(result.output)["records"]] == ids
