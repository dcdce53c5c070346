"""The HTML report opens in headless Chromium without console errors; the PRISMA diagram, the
tables and the filterable recommendations map are there and work.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package; skipped cleanly when
either is missing, unless EVIMAP_REQUIRE_BROWSER is set (CI sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.importers.registry import FORMATS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_browser():
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("EVIMAP_REQUIRE_BROWSER"):
            pytest.fail(f"a browser is required (EVIMAP_REQUIRE_BROWSER) but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    _require_browser()
    if "ris" not in FORMATS:
        pytest.skip("needs evimap's RIS importer")
    from playwright.sync_api import sync_playwright

    out = tmp_path_factory.mktemp("browser") / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            tab = browser.new_page()
            problems: list[str] = []
            tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: problems.append(str(e)))
            requests: list[str] = []
            tab.on("request", lambda r: requests.append(r.url))
            tab.goto((out / "report.html").as_uri())
            tab.wait_for_load_state("load")
            yield tab, problems, requests, out
        finally:
            browser.close()


def test_the_report_opens_without_console_errors_or_outside_requests(page):
    tab, problems, requests, out = page
    assert problems == []
    assert requests == [(out / "report.html").as_uri()]  # self-contained: nothing else loaded
    assert tab.title().startswith("Repairing alliance ruptures")


def test_the_prisma_diagram_is_drawn_inline(page):
    tab, *_ = page
    diagram = tab.locator("#prisma-diagram svg")
    assert diagram.count() == 1
    assert diagram.bounding_box()["width"] > 300
    text = diagram.text_content()
    assert "Records identified from databases (n = 775*)" in text
    assert "Identification of new studies via other methods" in text
    assert tab.locator("#prisma-counts tbody tr").count() >= 5


def test_every_table_is_present_with_rows(page):
    tab, *_ = page
    for name in (
        "table1_included_studies",
        "table2_journals",
        "table3_diagnoses",
        "countries",
        "designs",
        "approaches",
        "research_gaps",
        "checklist",
        "consistency",
        "included",
        "recommendations",
    ):
        rows = tab.locator(f'table[data-table="{name}"] tbody tr')
        assert rows.count() > 0, name
    assert tab.locator('table[data-table="table1_included_studies"] tbody tr').count() == 25
    assert tab.locator('table[data-table="checklist"] tbody tr').count() == 22
    assert tab.locator(".gapmap svg").count() == 2


def test_the_recommendations_table_filters(page):
    tab, *_ = page
    rows = tab.locator("#recommendations-table tbody tr")
    total = rows.count()
    assert "Not an evidence-based guideline" in tab.locator("#recommendations .caveat").inner_text()
    tab.select_option('select[data-filter="contexts"]', "complex-trauma")
    visible = tab.locator("#recommendations-table tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all("complex-trauma" in t for t in visible.all_inner_texts())
    assert (
        tab.locator("#rec-count").inner_text()
        == f"{visible.count()} of {total} recommendations shown"
    )
    tab.select_option('select[data-filter="contexts"]', "")
    tab.select_option('select[data-filter="rupture"]', "withdrawal")
    withdrawal = tab.locator("#recommendations-table tbody tr:not([hidden])").count()
    tab.check("#rec-general")
    assert tab.locator("#recommendations-table tbody tr:not([hidden])").count() > withdrawal
    tab.uncheck("#rec-general")
    tab.select_option('select[data-filter="rupture"]', "")
    assert tab.locator("#recommendations-table tbody tr:not([hidden])").count() == total
