"""The team web app in a real browser (Debian's Chromium driven by Playwright) against a real
uvicorn server: two reviewers screen the same records with keyboard shortcuts, the conflict
shows only to the arbiter, who settles it; the dashboard and the PRISMA diagram update; a PDF is
uploaded and viewed; a charting form is filled and verified. A screenshot of every page is saved
under test-artifacts/web/ (gitignored). No page logs a console error (a CSP violation would)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_report_browser import ARGS, _require_browser
from tests.web_support import make_review, password, pdf_bytes

SHOTS = Path(os.environ.get("EVIMAP_ARTIFACTS", REPO / "test-artifacts")) / "web"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A uvicorn server in a thread over a fresh review: ``(base url, review, record ids)``."""
    _require_browser()
    import uvicorn
    from argon2 import PasswordHasher, profiles

    from evimap.accounts import passwords
    from evimap.web import create_app

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    saved, passwords.HASHER = passwords.HASHER, cheap
    review, ids = make_review(tmp_path_factory.mktemp("browser") / "team")
    port = _free_port()
    config = uvicorn.Config(create_app([review]), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", review, ids
    finally:
        uv.should_exit = True
        thread.join(10)
        review.close()
        passwords.HASHER = saved


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Person:
    """One team member's browser window, with the console errors it saw."""

    def __init__(self, browser, base: str, name: str):
        self.name = name
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status == 404 else None,
        )

    def login(self) -> None:
        page = self.page
        page.goto(f"{self.base}/login")
        page.fill('input[name="name"]', self.name)
        page.fill('input[name="password"]', password(self.name))
        page.click('button[type="submit"]')
        page.wait_for_url("**/r/team/dashboard")
        page.wait_for_selector("html[data-js=ready]")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def key(self, key: str, record: int | None = None) -> None:
        """Press a screening key; wait for the next record (or any change) to show."""
        page = self.page
        before = page.get_attribute("#screen", "data-record")
        page.locator("#abstract").click()
        page.keyboard.press(key)
        if record is not None:
            page.wait_for_selector(f'#screen[data-record="{record}"]')
        else:
            page.wait_for_function(
                "([before]) => document.querySelector('#screen').dataset.record !== before"
                " || document.querySelector('#message').textContent !== ''",
                arg=[before],
            )


def test_a_team_screens_settles_uploads_charts_and_reports_in_the_browser(server, browser):
    base, review, ids = server
    r1, r2, r3 = ids[:3]
    ana, zbyszek, pat, olga = (Person(browser, base, n) for n in ("ana", "zbyszek", "pat", "olga"))

    ana.go("/login")
    ana.shot("01-login")
    ana.login()
    ana.shot("02-dashboard-reviewer")

    # ana screens with the keyboard; the page does not reload between records
    ana.go("/r/team/screen/title_abstract")
    page = ana.page
    assert page.get_attribute("#screen", "data-record") == str(r1)
    assert page.locator("mark.include").count() >= 2 and page.locator("mark.exclude").count() == 1
    page.evaluate("window.stillHere = true")
    ana.key("i", record=r2)
    ana.key("2")  # reason 2 = E1
    assert page.input_value("#reason") == "E1"
    ana.key("e", record=r3)
    ana.key("m", record=ids[3])
    ana.key("u", record=r3)  # undo the maybe: back on r3
    assert page.locator("#my-decision").count() == 0
    ana.key("i", record=ids[3])
    assert page.evaluate("window.stillHere") is True  # no reload happened
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(f'#screen[data-record="{r3}"]')
    assert page.get_attribute("#my-decision", "data-decision") == "include"
    ana.shot("03-screen-keyboard")

    # zbyszek screens the same records; r1 becomes a conflict
    zbyszek.login()
    zbyszek.go("/r/team/screen/title_abstract")
    zbyszek.key("2")
    zbyszek.key("e", record=r2)
    zbyszek.key("2")
    zbyszek.key("e", record=r3)
    zbyszek.key("i", record=ids[3])
    zbyszek.shot("04-screen-second-reviewer")

    # the conflict shows to the arbiter only
    for person in (ana, zbyszek):
        person.go(f"/r/team/screen/title_abstract?record={r1}")
        assert person.page.inner_text("#status") == "pending"
        assert person.page.locator('nav a[href$="/conflicts/title_abstract"]').count() == 0
    zbyszek.go("/r/team/conflicts/title_abstract")
    assert "403" in zbyszek.page.inner_text("h1")
    zbyszek.shot("05-conflicts-refused-to-a-reviewer")
    zbyszek.problems.clear()  # the 403 response itself is logged by the browser

    pat.login()
    pat.go("/r/team/dashboard")
    waiting = pat.page.inner_text("#stage-title_abstract [data-n=waiting]")
    assert waiting == "1"
    sought_before = pat.page.inner_text('td[data-box="dbr_sought_reports"]')
    pat.go("/r/team/conflicts/title_abstract")
    conflict = pat.page.locator(f"#conflict-{r1}")
    calls = conflict.locator(".call")
    assert calls.count() == 2
    assert "ana" in calls.nth(0).inner_text() and "include" in calls.nth(0).inner_text()
    assert "zbyszek" in calls.nth(1).inner_text() and "exclude" in calls.nth(1).inner_text()
    pat.shot("06-conflicts-arbiter")
    conflict.locator('select[name="decision"]').select_option("include")
    conflict.locator('input[name="why"]').fill("the alliance is the topic")
    conflict.locator('button:has-text("Settle")').click()
    pat.page.wait_for_load_state("load")
    assert pat.page.inner_text("#conflict-count").startswith("0 records")

    # the dashboard and the PRISMA diagram have moved on
    pat.go("/r/team/dashboard")
    assert pat.page.inner_text("#stage-title_abstract [data-n=waiting]") == "0"
    assert pat.page.inner_text('td[data-box="records_excluded"]') == "1"  # r2
    assert (sought_before, pat.page.inner_text('td[data-box="dbr_sought_reports"]')) == ("1", "2")
    width = pat.page.evaluate("document.querySelector('#prisma-diagram').naturalWidth")
    assert width > 300
    pat.shot("07-dashboard-after-settling")

    # olga assigns the full texts; a PDF is uploaded and opened in the browser's viewer
    olga.login()
    olga.page.locator("#stage-full_text button:has-text('Assign new records')").click()
    olga.page.wait_for_load_state("load")
    olga.shot("08-dashboard-owner")
    ana.go("/r/team/fulltext")
    ana.page.set_input_files(
        "#files",
        [
            {
                "name": "10.1000_w1.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("Full text of record one"),
            },
            {
                "name": "scan.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("Record three", doi="10.1000/w3"),
            },
        ],
    )
    ana.page.click("form.upload button")
    ana.page.wait_for_url("**/fulltext?attached=2&files=2")
    assert ana.page.get_attribute(f"#report-{r1}", "data-status") == "attached"
    ana.shot("09-fulltext")
    with ana.context.expect_page() as popup:
        ana.page.click(f"#report-{r1} a.view-pdf")
    viewer = popup.value
    viewer.wait_for_load_state()
    assert viewer.url.endswith(f"/fulltext/{r1}.pdf")
    # shown by the browser's own PDF viewer, not downloaded (headless screenshots show the
    # viewer's frame, not the pages its plugin draws)
    assert viewer.evaluate("document.contentType") == "application/pdf"
    pdf = ana.context.request.get(f"{base}/r/team/fulltext/{r1}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.body() == pdf_bytes("Full text of record one")
    viewer.screenshot(path=str(SHOTS / "10-pdf-viewer.png"))
    viewer.close()

    # both include r1 at full text; the included study is charted and verified
    for person in (ana, zbyszek):
        person.go(f"/r/team/screen/full_text?record={r1}")
        person.key("i")
    ana.go("/r/team/chart")
    ana.shot("11-chart-list")
    ana.page.click(f"#study-{r1} a.chart")
    ana.page.wait_for_load_state("load")
    form = ana.page.locator("#chart-form")
    form.locator('select[name="design"]').select_option("Mixed")
    form.locator('input[name="setting"][value="Outpatient"]').check()
    form.locator('input[name="setting"][value="Online"]').check()
    form.locator('input[name="participants"]').fill("24")
    form.locator('textarea[name="summary"]').fill("Repair through metacommunication.")
    form.locator('textarea[name="passages"]').fill("7 | we talked about what happened")
    ana.shot("12-chart-form")
    form.locator('button[type="submit"]').click()
    ana.page.wait_for_url("**/r/team/chart")
    assert ana.page.inner_text(f"#study-{r1}").count("charted") >= 2

    zbyszek.go("/r/team/chart")
    zbyszek.page.click(f"#study-{r1} a.verify")
    zbyszek.page.wait_for_load_state("load")
    form = zbyszek.page.locator("#chart-form")
    form.locator('select[name="design"]').select_option("Qualitative")
    form.locator('input[name="setting"][value="Outpatient"]').check()
    form.locator('input[name="setting"][value="Online"]').check()
    form.locator('input[name="participants"]').fill("24")
    form.locator('button[type="submit"]').click()
    zbyszek.page.wait_for_url("**/r/team/verification")
    agreement = zbyszek.page.locator("#agreement")
    assert "1 of 1" in agreement.locator('tr[data-field="setting"]').inner_text()
    assert "0 of 1" in agreement.locator('tr[data-field="design"]').inner_text()
    zbyszek.shot("13-verification")

    olga.go("/r/team/report")
    assert olga.page.locator('table[data-table="designs"] tbody tr').count() >= 1
    assert olga.page.locator(".downloads a").count() == 5
    assert olga.page.evaluate("document.querySelector('.gapmap img').naturalWidth") > 100
    olga.shot("14-report")
    with olga.page.expect_download() as download:
        olga.page.click('.downloads a[href$="workbook.xlsx"]')
    assert download.value.suggested_filename == "workbook.xlsx"
    olga.go("/r/team/team")
    olga.shot("15-team")
    olga.go("/r/team/dedup")
    olga.shot("16-dedup")
    pat.go(f"/r/team/screen/title_abstract?record={r1}")
    pat.shot("17-screen-arbiter-view")
    ana.go("/")
    assert ana.page.locator('a[href="/r/team/dashboard"]').count() >= 1
    ana.shot("18-my-reviews")
    ana.go("/r/team/screen/full_text")
    ana.shot("19-screen-full-text")
    # a reviewer reads the report as the core lets them see it; the downloads are theirs too
    ana.go("/r/team/report")
    assert ana.page.locator(".downloads a").count() == 5
    ana.shot("20-report-reviewer")
    ana.go("/r/team/team")  # the owner's page: refused, shown as an error page
    assert "owner" in ana.page.locator("main").inner_text()
    ana.problems = [p for p in ana.problems if "403" not in p]
    ana.shot("21-error-page")

    for person in (ana, zbyszek, pat, olga):
        assert person.problems == [], (person.name, person.problems)
        person.context.close()
    assert len(list(SHOTS.glob("*.png"))) == 21
