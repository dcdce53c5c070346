"""The worked example: `evimap demo` rebuilds the reference review and its numbers from data.

The demo is built once for the module; the tables are asserted against the paper's counts.
"""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from evimap.cli import app
from evimap.importers.registry import FORMATS

pytestmark = pytest.mark.skipif("ris" not in FORMATS, reason="needs evimap's RIS importer")

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    result = runner.invoke(app, ["demo", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.output)


def _table(demo, name):
    out, _ = demo
    with open(out / "tables" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _counts(rows, column):
    return {r[column]: (int(r["n"]), float(r["percent"])) for r in rows if r[column] != "Total"}


def test_the_demo_writes_every_promised_file(demo):
    out, summary = demo
    for name in (
        "report.html",
        "prisma.svg",
        "prisma.png",
        "prisma.json",
        "workbook.xlsx",
        "included.ris",
        "included.bib",
        "consistency.md",
        "narrative.md",
        "tables/table1_included_studies.csv",
        "tables/table2_journals.csv",
        "tables/table3_diagnoses.csv",
        "tables/table4_recommendations.csv",
        "tables/countries.csv",
        "tables/designs.csv",
        "tables/approaches.csv",
    ):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert summary["studies_imported"] == 25 and summary["studies_charted"] == 25
    assert (out / "review.db").is_file() and (out / "review.toml").is_file()


def test_the_report_shows_the_equation_as_run_in_each_database(demo):
    out, _ = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "TS=((&#34;rupture repair&#34; OR" in html  # Web of Science
    assert "TITLE-ABS-KEY((&#34;rupture repair&#34; OR" in html  # Scopus
    assert "(TI &#34;rupture repair&#34; OR AB &#34;rupture repair&#34; OR KW" in html  # EBSCO


def test_countries_match_the_paper(demo):
    assert _counts(_table(demo, "countries"), "Country") == {
        "United States": (12, 48.0),
        "Canada": (3, 12.0),
        "United Kingdom": (3, 12.0),
        "Israel": (2, 8.0),
        "Portugal": (2, 8.0),
        "Switzerland": (1, 4.0),
        "Greece": (1, 4.0),
        "Finland": (1, 4.0),
    }


def test_journals_match_table_2_in_its_order(demo):
    rows = _table(demo, "table2_journals")
    assert [(r["Journal"], r["n"]) for r in rows[:3]] == [
        ("Psychotherapy Research", "5"),
        ("Psychotherapy", "4"),
        ("Journal of Clinical Psychology", "4"),
    ]
    counts = _counts(rows, "Journal")
    assert len(counts) == 14 and sum(n for n, _ in counts.values()) == 25
    assert counts["Counselling Psychology Quarterly"] == (2, 8.0)
    assert (
        rows[-1]["Journal"] == "Total" and rows[-1]["n"] == "25" and rows[-1]["percent"] == "100.0"
    )


def test_designs_with_their_own_denominators(demo):
    rows = _table(demo, "designs")
    types = {
        r["category"]: (r["n"], r["denominator"], r["percent"])
        for r in rows
        if r["variable"] == "Article type"
    }
    assert types["empirical"] == ("14", "25", "56.0")
    assert types["theoretical-conceptual"] == ("11", "25", "44.0")
    designs = {
        r["category"]: (r["n"], r["denominator"], r["percent"])
        for r in rows
        if r["variable"] == "Empirical design"
    }
    assert designs == {
        "task analysis": ("4", "14", "28.6"),
        "qualitative": ("3", "14", "21.4"),
        "case study": ("3", "14", "21.4"),
        "quantitative": ("2", "14", "14.3"),
        "mixed methods": ("2", "14", "14.3"),
        "Total": ("14", "14", "100.0"),
    }


def test_approaches_match_the_paper(demo):
    assert _counts(_table(demo, "approaches"), "Approach") == {
        "psychodynamic": (10, 40.0),
        "cognitive-behavioral": (9, 36.0),
        "multicultural": (3, 12.0),
        "integrative or diverse orientations": (2, 8.0),
        "trauma-informed": (1, 4.0),
    }


def test_table_3_participants(demo):
    rows = {r["Diagnosis"]: int(r["n"]) for r in _table(demo, "table3_diagnoses")}
    assert rows["Total participants"] == 195
    assert rows["Personality disorders"] == 22
    assert rows["Personality disorders: borderline"] == 11
    assert rows["Personality disorders: cluster C"] == 6
    assert rows["Bipolar affective disorder"] == 1
    # Table 1 supports 4 depressed and 157 undiagnosed; the paper's 6 and 163 place 8
    # participants Table 1 does not allocate (see consistency.md).
    assert (
        rows["Depression"]
        + rows["No diagnosis reported"]
        + rows["Not allocatable to a row from Table 1"]
        == 6 + 163
    )
    table = _table(demo, "table3_diagnoses")
    assert table[0]["denominator"] == "195" and table[0]["percent"] == "11.3"


def test_table_1_lists_the_25_studies_and_table_4_the_recommendations(demo):
    table1 = _table(demo, "table1_included_studies")
    assert len(table1) == 25
    aspland = next(r for r in table1 if r["Reference"] == "Aspland et al., 2008")
    assert aspland["Type of article/Method"] == "Empirical (mixed methods-task analysis)"
    assert aspland["Theoretical approach"] == "Cognitive-behavioral therapy"
    table4 = _table(demo, "table4_recommendations")
    assert len(table4) >= 10
    assert all(r["sources"] and int(r["n"]) >= 1 for r in table4)
    domains = {r["domain"] for r in table4}
    assert {"Rupture recognition", "Complex trauma context"} <= domains


def test_prisma_json_is_computed_from_the_reported_events(demo):
    out, _ = demo
    data = json.loads((out / "prisma.json").read_text())
    assert data["database_results"] == 775
    assert data["records_screened"] == 220
    assert data["total_studies"] == 25 and data["new_studies"] == 25
    assert data["duplicates"] is None  # the paper does not split duplicates from wrong field
    assert data["evimap"]["extras"]["dbr_included"] == 24
    assert data["evimap"]["extras"]["other_included"] == 1
    assert data["evimap"]["extras"]["removed_before_screening"] == 555
    assert data["evimap"]["source"]["database_results"] == "reported"
    assert data["evimap"]["source"]["removed_before_screening"] == "derived"
    svg = (out / "prisma.svg").read_text()
    assert "n = 775*" in svg and "Studies included in review (n = 25*)" in svg
    assert "PsycINFO (n = not reported)" in svg
    assert data["evimap"]["searched"] == ["Web of Science", "PsycINFO", "Scopus"]


def test_consistency_marks_only_the_papers_own_discrepancies(demo):
    out, summary = demo
    text = (out / "consistency.md").read_text()
    assert summary["paper_numbers"] == summary["match"] + summary["differ"]
    assert summary["paper_numbers"] >= 100
    assert "verdict(s) differ from what paper_numbers.toml expects" not in text
    differing = [
        line for line in text.splitlines() if line.startswith("| ") and "| differs |" in line
    ]
    assert len(differing) == summary["differ"]
    for row in ("design.quantitative.percent", "design.mixed_methods.percent"):
        assert any(
            line.startswith(f"| {row} |") and "| 14.2 | 14.3 | differs |" in line
            for line in differing
        )
    assert (
        "| country.us.percent | Results: Characteristics of included studies | 48 | 48 | match"
        in text
    )
    explained = text.split("## Differences explained", 1)[1]
    assert explained.count("- **") == summary["differ"]


def test_the_gap_maps_come_with_their_cross_tabs(demo):
    rows = {r["domain"]: r for r in _table(demo, "gapmap_recommendations")}
    assert rows["Complex trauma context"]["empirical"] == "0"
    assert rows["Complex trauma context"]["theoretical-conceptual"] == "1"
    approaches = {r["approach_family"]: r for r in _table(demo, "gapmap_approaches")}
    assert int(approaches["psychodynamic"]["total"]) == 10
    assert sum(int(r["total"]) for r in approaches.values()) == 25


def test_the_workbook_has_one_sheet_a_table(demo):
    out, _ = demo
    book = load_workbook(out / "workbook.xlsx", read_only=True)
    for name in (
        "table1_included_studies",
        "table2_journals",
        "table3_diagnoses",
        "table4_recommendations",
        "countries",
        "designs",
        "approaches",
        "prisma",
        "prisma_scr_checklist",
        "charting",
        "consistency",
    ):
        assert name in book.sheetnames
    sheet = book["countries"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:4] == ("Country", "n", "denominator", "percent")
    assert rows[3][:4] == ("United States", 12, 25, 48.0)


def test_the_included_set_exports_as_ris_and_bibtex(demo):
    import bibtexparser
    import rispy

    out, _ = demo
    entries = rispy.loads((out / "included.ris").read_text(encoding="utf-8"))
    assert len(entries) == 25 and {e["id"] for e in entries} >= {"aspland2008", "yeo2021"}
    library = bibtexparser.parse_string((out / "included.bib").read_text(encoding="utf-8"))
    assert len(library.entries) == 25 and not library.failed_blocks


def test_recommend_prints_the_caveat_and_the_sources(demo):
    result = runner.invoke(app, ["recommend", "--context", "complex-trauma", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "not a synthesis of evidence-based guidelines" in data["caveat"]
    assert data["recommendations"] and all(
        "complex-trauma" in r["contexts"] for r in data["recommendations"]
    )
    assert any("Lawson et al., 2013" in r["sources"] for r in data["recommendations"])
    out, _ = demo
    same = runner.invoke(
        app, ["recommend", str(out), "--context", "complex-trauma", "--format", "json"]
    )
    assert json.loads(same.output) == data
    withdrawal = runner.invoke(app, ["recommend", "--rupture", "withdrawal"])
    assert "Not an evidence-based guideline" in withdrawal.output


def test_prisma_and_chart_verbs_on_the_demo_review(demo, tmp_path):
    out, _ = demo
    result = runner.invoke(app, ["prisma", str(out), "--format", "json"])
    assert json.loads(result.output)["database_results"] == 775
    exported = runner.invoke(app, ["chart", "export", str(out), "--format", "csv"])
    rows = list(csv.DictReader(exported.output.splitlines()))
    assert len(rows) == 25 and rows[0]["reviewer"] == "AL-V"
    # a second reviewer checks three studies and disagrees on one country
    check = tmp_path / "check.toml"
    check.write_text(
        'reviewer = "NG-A"\n'
        '[[study]]\nkey = "aspland2008"\ncountry = "United Kingdom"\narticle_type = "empirical"\n'
        '[[study]]\nkey = "yeo2021"\ncountry = "United States"\narticle_type = "empirical"\n'
        '[[study]]\nkey = "kramer2014"\ncountry = "Canada"\narticle_type = "empirical"\n',
        encoding="utf-8",
    )
    verify = runner.invoke(
        app, ["chart", "verify", str(out), str(check), "--as", "NG-A", "--format", "json"]
    )
    assert verify.exit_code == 0, verify.output
    fields = {a["field"]: a for a in json.loads(verify.output)}
    assert (fields["country"]["agreed"], fields["country"]["studies"]) == (2, 3)
    assert fields["article_type"]["agreed"] == 3
    again = runner.invoke(app, ["chart", "agreement", str(out), "--format", "json"])
    assert {a["field"]: a["agreed"] for a in json.loads(again.output)}["country"] == 2


def test_charting_exported_as_csv_imports_back_identically(demo, tmp_path):
    out, _ = demo
    exported = runner.invoke(
        app, ["chart", "export", str(out), "--reviewer", "AL-V", "--format", "csv"]
    )
    path = tmp_path / "copy.csv"
    # NG-A charts the same values: the file is theirs (a charting file names its own reviewer)
    path.write_text(exported.output.replace(",AL-V,", ",NG-A,"), encoding="utf-8")
    refused = runner.invoke(app, ["chart", "import", str(out), str(path), "--as", "AL-V"])
    assert refused.exit_code == 1 and "charts for NG-A, not for AL-V" in refused.output
    imported = runner.invoke(app, ["chart", "import", str(out), str(path), "--as", "NG-A"])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(
        app,
        ["chart", "agreement", str(out), "--first", "AL-V", "--second", "NG-A", "--format", "json"],
    )
    fields = json.loads(result.output)
    assert fields and all(f["agreed"] == f["studies"] == 25 for f in fields)
    assert all(f["kappa"] in (1.0, None) for f in fields)


def test_the_import_tour_is_still_there(tmp_path):
    from evimap.demo import sample_exports

    out = tmp_path / "tour"
    result = runner.invoke(
        app,
        [
            "demo",
            "--imports-only",
            "--out",
            str(out),
            "--exports",
            str(sample_exports()),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    totals = json.loads(result.output)["records_by_database"]
    assert totals == {"PsycINFO": 3, "Scopus": 3, "Web of Science": 3}


@pytest.mark.postgres
def test_the_worked_example_builds_the_same_on_postgresql(request, tmp_path):
    from evimap.demo import build_example
    from tests import pg

    server = request.getfixturevalue("postgres_url")
    url = pg.fresh_database(server, "evimap_demo_example")
    build = build_example(tmp_path / "demo", db=url)
    assert build.charted_studies == 25
    assert build.consistency.unexpected == []
    text = build.files["tables/countries.csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert (rows[0]["Country"], rows[0]["n"], rows[0]["percent"]) == ("United States", "12", "48.0")


def test_a_reproducible_sample_is_exported_as_a_blank_form_for_verification(demo, tmp_path):
    out, _ = demo
    args = [
        "chart",
        "export",
        str(out),
        "--reviewer",
        "AL-V",
        "--sample",
        "5",
        "--seed",
        "3",
        "--blank",
        "--format",
        "csv",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    rows = list(csv.DictReader(first.output.splitlines()))
    assert len(rows) == 5 and runner.invoke(app, args).output == first.output
    assert all(value == "" for row in rows for name, value in row.items() if name != "key")
    values = {
        r["key"]: r
        for r in csv.DictReader(
            runner.invoke(
                app, ["chart", "export", str(out), "--reviewer", "AL-V", "--format", "csv"]
            ).output.splitlines()
        )
    }
    for row in rows:  # the verifier fills in the country, agreeing with the first reviewer
        row["country"] = values[row["key"]]["country"]
    form = tmp_path / "form.csv"
    with open(form, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    verify = runner.invoke(
        app,
        [
            "chart",
            "verify",
            str(out),
            str(form),
            "--as",
            "NG-A",
            "--against",
            "AL-V",
            "--format",
            "json",
        ],
    )
    assert verify.exit_code == 0, verify.output
    country = next(a for a in json.loads(verify.output) if a["field"] == "country")
    assert (country["agreed"], country["studies"]) == (5, 5)
