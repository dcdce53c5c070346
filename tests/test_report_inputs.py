"""Report inputs fail clearly: report.toml, checklist.toml, recommendations.csv, the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evimap.charting import parse_codebook
from evimap.cli import app
from evimap.errors import ReportError
from evimap.report.checklist import checklist_items
from evimap.report.spec import default_spec, load_report_spec
from evimap.synthesis.recommendations import load_recommendations

CODEBOOK = parse_codebook(
    '[[fields]]\nname = "country"\ntype = "single"\n'
    '[[fields]]\nname = "objective"\ntype = "text"\n',
    "codebook.toml",
)


def test_without_report_toml_every_categorical_field_gets_a_table(tmp_path):
    spec = load_report_spec(tmp_path, CODEBOOK)
    assert spec == default_spec(CODEBOOK)
    assert [(t.name, t.kind) for t in spec.tables] == [
        ("included_studies", "listing"),
        ("country", "frequency"),
        ("recommendations", "recommendations"),
    ]


def test_report_toml_errors_name_the_table_and_key(tmp_path):
    (tmp_path / "report.toml").write_text(
        '[[table]]\nname = "a"\nkind = "frequency"\nfield = "contry"\n'
        '[[table]]\nname = "b"\nkind = "pie"\n'
        '[[table]]\nname = "c"\nkind = "listing"\ncolums = []\n',
        encoding="utf-8",
    )
    with pytest.raises(ReportError) as raised:
        load_report_spec(tmp_path, CODEBOOK)
    path = tmp_path / "report.toml"
    assert str(raised.value).splitlines() == [
        f"{path} [table[0] a]: no codebook field 'contry'",
        f"{path} [table[1] b]: kind must be one of frequency, listing, sums, recommendations, gaps",
        f"{path} [table[2] c]: 'colums' is not a table key (a typo?)",
    ]


def test_checklist_has_22_items_and_takes_the_reviews_locations(tmp_path):
    items = checklist_items()
    assert [i.number for i in items] == list(range(1, 23))
    assert items[0].topic == "Title" and items[13].topic == "Selection of sources of evidence"
    (tmp_path / "checklist.toml").write_text('[where]\n"8" = "Appendix 1"\n', encoding="utf-8")
    assert checklist_items(tmp_path)[7].where == "Appendix 1"
    (tmp_path / "checklist.toml").write_text('[where]\n"23" = "x"\n', encoding="utf-8")
    with pytest.raises(ReportError, match=r"no PRISMA-ScR item 23 \(items are 1-22\)"):
        checklist_items(tmp_path)


def test_recommendations_with_unknown_studies_name_the_line(tmp_path):
    path = tmp_path / "recommendations.csv"
    path.write_text(
        "id,domain,recommendation,source_type,sources\n"
        "R1,Recognition,Notice,empirical,a2001;b2002\n"
        "R2,,Go slow,theoretical-conceptual,zz\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportError) as raised:
        load_recommendations(path, known=["a2001", "b2002"])
    assert str(raised.value).splitlines() == [
        f"{path}:3 [sources]: unknown study 'zz'",
        f"{path}:3 [domain]: is empty",
    ]
    path.write_text("id,domain\nR1,x\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r":1: missing column\(s\) recommendation, source_type"):
        load_recommendations(path)


def test_chart_import_of_a_bad_file_exits_1_listing_the_problems(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "review"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    (folder / "codebook.toml").write_text(
        '[[fields]]\nname = "country"\ntype = "single"\nchoices = ["Chile"]\n', encoding="utf-8"
    )
    bad = tmp_path / "charting.toml"
    bad.write_text(
        'reviewer = "reviewer-1"\n[[study]]\nkey = "a"\ncountry = "Peru"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["chart", "import", str(folder), str(bad), "--as", "reviewer-1"])
    assert result.exit_code == 1
    assert "[study 'a'.country]: 'Peru' is not a choice; valid: 'Chile'" in result.output
    missing = runner.invoke(app, ["chart", "agreement", str(folder)])
    assert missing.exit_code == 1
    assert "nothing is charted yet; run `evimap chart import`" in missing.output


def test_a_review_without_report_settings_gets_a_default_report(tmp_path):
    from evimap.records import Author, Record
    from evimap.review import Review
    from evimap.store import EventLog
    from evimap.store.kinds import Kind
    from evimap.store.models import SourceFile
    from evimap.store.records import insert_rows, record_to_row

    runner = CliRunner()
    folder = tmp_path / "review"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    (folder / "codebook.toml").write_text(
        '[[fields]]\nname = "country"\ntype = "single"\nchoices = ["Chile", "Peru"]\n'
        '[[fields]]\nname = "design"\ntype = "text"\n',
        encoding="utf-8",
    )
    with Review.open(folder) as review, review.store.transaction() as session:
        source = SourceFile(
            name="x.ris",
            path="x.ris",
            sha256="1" * 64,
            format="ris",
            database="Scopus",
            record_count=2,
            skipped_count=0,
        )
        session.add(source)
        session.flush()
        insert_rows(
            session,
            [
                record_to_row(
                    Record(
                        title="One",
                        year=2001,
                        authors=[Author("Alpha", "A.")],
                        source_record_id="a2001",
                        source_database="Scopus",
                    ),
                    source.id,
                ),
                record_to_row(
                    Record(
                        title="Two",
                        year=2002,
                        authors=[Author("Beta", "B.")],
                        source_record_id="b2002",
                        source_database="Scopus",
                    ),
                    source.id,
                ),
            ],
        )
        # a set of studies included outside evimap's screening (as `import --role included`)
        EventLog.append(session, Kind.IMPORT_ROLE, details={"sha256": "1" * 64, "role": "included"})
    charting = tmp_path / "charting.toml"
    charting.write_text(
        'reviewer = "reviewer-1"\n'
        '[[study]]\nkey = "a2001"\ncountry = "Chile"\ndesign = "case study"\n'
        '[[study]]\nkey = "b2002"\ncountry = "Chile"\n',
        encoding="utf-8",
    )
    imported = runner.invoke(
        app, ["chart", "import", str(folder), str(charting), "--as", "reviewer-1"]
    )
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(folder), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    with open(out / "tables" / "country.csv", encoding="utf-8") as handle:
        assert handle.read().splitlines()[:2] == [
            "Country,n,denominator,percent,n_of,studies",
            "Chile,2,2,100.0,2/2 (100.0%),a2001; b2002",
        ]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Alpha, 2001" in html and "PRISMA 2020 flow diagram" in html
    assert (out / "workbook.xlsx").is_file() and (out / "included.bib").is_file()
    exported = runner.invoke(app, ["export", str(folder), "--included", "--to", "csv"])
    assert exported.output.splitlines()[0].startswith("key,title,authors,year,journal")
    assert len(exported.output.splitlines()) == 3
