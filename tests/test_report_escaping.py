"""Record text can neither style nor link anything in the report: a study whose title and
author hold HTML and spreadsheet formulas shows them as text in the HTML report (checked in
Chromium), the workbook, the CSV tables and the narrative."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from evimap.review import Review
from tests.screening_support import TEAM, write_review
from tests.test_report_browser import ARGS, CHROMIUM, _require_browser

HTML = '<img src="x" onerror="window.injected=1"><a href="javascript:alert(1)">click</a>'
STYLE = "<style>body{display:none}</style>"
FORMULA = '=HYPERLINK("http://example.org","open")'
RIS = f"""TY  - JOUR
ID  - nasty2024
AU  - Smith, [link](http://example.org) *bold*
TI  - Ruptures {HTML}{STYLE} {FORMULA}
PY  - 2024
JO  - Psychotherapy
ER  -{" "}
"""
CODEBOOK = '[[fields]]\nname = "country"\ntype = "single"\nchoices = ["Chile"]\nother = true\n'


def _report(tmp_path: Path) -> Path:
    folder = write_review(tmp_path / "review")
    (folder / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    ris = tmp_path / "included.ris"
    ris.write_text(RIS, encoding="utf-8")
    charting = tmp_path / "charting.toml"
    charting.write_text(  # a TOML literal string keeps the formula's quotes
        '[[study]]\nkey = "nasty2024"\ncountry = \'' + FORMULA + "'\n", encoding="utf-8"
    )
    (folder / "recommendations.csv").write_text(
        "id,domain,recommendation,source_type,sources,rupture_types,contexts,approaches,strategy\n"
        'R1,Repair,"Say [this](http://example.org) <b>now</b>",Empirical,nasty2024,,,,\n',
        encoding="utf-8",
    )
    with Review.open(folder) as review:
        review.imports.add(ris, member=TEAM["O"], role="included")
        review.charting.import_file(charting, member=TEAM["A"])
        review.report(tmp_path / "report")
    return tmp_path / "report"


def test_record_text_is_text_in_every_file(tmp_path):
    out = _report(tmp_path)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<img" not in html and 'href="javascript' not in html and STYLE not in html
    assert "&lt;img" in html
    book = load_workbook(out / "workbook.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    formulas = [c for c in cells if c.data_type == "f"]
    assert formulas == [] and any(c.value == FORMULA for c in cells)
    table = (out / "included.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" not in table  # the title starts with "Ruptures": nothing to quote
    countries = (out / "tables" / "country.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA.replace('"', '""') in countries
    narrative = (out / "narrative.md").read_text(encoding="utf-8")
    assert r"Say \[this\](http://example.org) \<b\>now\</b\>" in narrative
    assert "(Smith, 2024)" in narrative and "[link](" not in narrative


def test_the_report_shows_record_text_as_text_in_a_browser(tmp_path):
    _require_browser()
    from playwright.sync_api import sync_playwright

    out = _report(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto((out / "report.html").as_uri())
            assert page.evaluate("window.injected === undefined")
            assert page.locator("img").count() == 0
            assert page.locator('a[href^="javascript"]').count() == 0
            assert page.evaluate("getComputedStyle(document.body).display") != "none"
            assert "onerror=" in page.locator("body").inner_text()
        finally:
            browser.close()


def test_control_characters_in_any_text_never_stop_the_workbook(tmp_path):
    from evimap.report.tables import Table
    from evimap.report.workbook import write_workbook

    table = Table(
        name="t",
        title="T\x00itle",
        columns=["a", "b"],
        rows=[{"a": "tab\tand\nlines stay", "b": "bell\x07 and \x1a sub"}],
        caption="",
    )
    write_workbook([table], tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["t"]
    assert sheet["A1"].value == "T\ufffditle"
    assert sheet["A4"].value == "tab\tand\nlines stay"
    assert sheet["B4"].value == "bell\ufffd and \ufffd sub"
    # end to end: a stop decision's reasons typed with a control character (the web app's
    # fuzzing found it: the whole report failed on the workbook)
    folder = write_review(tmp_path / "review")
    with Review.open(folder) as review:
        review.prioritise.decide("title_abstract", "continue", member=TEAM["O"], why="\x1a")
        review.report(tmp_path / "report")
    book = load_workbook(tmp_path / "report" / "workbook.xlsx")
    assert any(c.value == "\ufffd" for row in book["stopping"].iter_rows() for c in row)
