"""The PRISMA boxes in words: one set of labels (``evimap.report.prisma.BOX_LABELS``) and one
row builder (``PrismaCounts.rows``) that the diagram, the report's counts table, ``evimap
prisma`` and the web dashboard all show, each share with its denominator; no template keeps a
copy of the wording."""

from __future__ import annotations

import csv
import json
import re

from typer.testing import CliRunner

from evimap.cli import app as cli
from evimap.report.prisma import COUNT_FIELDS, compute_prisma
from evimap.store.events import Event
from tests.conftest import REPO
from tests.web_support import client_for, login, web  # noqa: F401

runner = CliRunner()


def _event(kind: str, counts: dict, details: dict | None = None) -> Event:
    from datetime import UTC, datetime

    at = datetime(2024, 1, 1, tzinfo=UTC)
    return Event(1, at, "t", kind, "", "", counts, {"sha256": "a", **(details or {})})


def _as(app, name):
    client = client_for(app)
    client.headers["x-csrf-token"] = login(client, name)
    return client


def test_every_box_has_one_label_and_each_share_its_denominator():
    from evimap.report.prisma import BOX_LABELS

    assert sorted(BOX_LABELS) == sorted(COUNT_FIELDS)
    counts = compute_prisma(
        [
            _event("import.file", {"by_database": {"Scopus": 300, "Web of Science": 200}}),
            _event("dedup.run", {"duplicates_removed": 120}),
            _event(
                "screen.summary",
                {"screened": 380, "excluded": 330},
                {"stage": "title_abstract"},
            ),
            _event("retrieval.summary", {"sought": 50, "not_retrieved": 5}),
            _event("screen.summary", {"excluded": 30}, {"stage": "full_text"}),
        ]
    )
    rows = {row["box"]: row for row in counts.rows(known_only=True)}
    assert rows["database_results"]["label"] == "Records identified from databases"
    assert (rows["duplicates"]["label"], rows["duplicates"]["share"]) == (
        "Duplicate records removed",
        "120/500 (24.0%)",
    )
    assert rows["records_excluded"]["share"] == "330/380 (86.8%)"
    assert rows["dbr_notretrieved_reports"]["share"] == "5/50 (10.0%)"
    assert rows["dbr_excluded"]["share"] == "30/45 (66.7%)"
    assert rows["records_screened"]["share"] == ""  # no share of anything
    assert list(rows)[:3] == ["database_results", "removed_before_screening", "duplicates"]


def test_the_dashboard_shows_the_reports_labels_and_shares_not_field_names(web, tmp_path):  # noqa: F811
    app, review, ids = web
    ana, zbyszek = _as(app, "ana"), _as(app, "zbyszek")
    for rid in ids:
        for client in (ana, zbyszek):
            decision = "exclude" if rid in ids[:2] else "include"
            client.post(
                "/r/webrev/screen/title_abstract/decide.json",
                json={"record_id": rid, "decision": decision, "reason": ""},
            )
    pat = _as(app, "pat")
    page = pat.get("/r/webrev/dashboard.json").json()["prisma"]
    assert page["counts"]["records_excluded"] == 2  # the JSON twin keeps the field names too
    rows = {row["box"]: row for row in page["rows"]}
    assert (rows["records_excluded"]["label"], rows["records_excluded"]["share"]) == (
        "Records excluded",
        "2/6 (33.3%)",
    )
    html = pat.get("/r/webrev/dashboard").text
    table = html[
        html.index('id="prisma-counts"') : html.index("</table>", html.index("prisma-counts"))
    ]
    assert "<td" in table and "Records screened" in table and "2/6 (33.3%)" in table
    assert not re.search(r">\s*(records_screened|records_excluded|dbr_sought_reports)\s*<", table)
    assert '<td data-box="records_excluded">2</td>' in table

    review.report(tmp_path / "report")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "report" / "workbook.xlsx")["prisma"]
    table_rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = table_rows.index(["label", "box", "n", "share", "source", "quote"])
    report_rows = {r[1]: (r[0], r[3] or "") for r in table_rows[header + 1 :] if r[2] is not None}
    assert report_rows == {box: (r["label"], r["share"]) for box, r in rows.items()}
    report_html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Records excluded <code" in report_html and "2/6 (33.3%)" in report_html

    printed = runner.invoke(cli, ["prisma", str(review.folder), "-f", "csv"])
    assert printed.exit_code == 0, printed.output
    cli_rows = list(csv.DictReader(printed.output.splitlines()))
    assert [(r["label"], r["share"]) for r in cli_rows] == [
        (r["label"], r["share"]) for r in page["rows"]
    ]
    assert (
        json.loads(runner.invoke(cli, ["prisma", str(review.folder), "-f", "json"]).output)[
            "records_excluded"
        ]
        == 2
    )


def test_no_template_keeps_its_own_copy_of_the_box_wording():
    from evimap.report.prisma import BOX_LABELS

    templates = [
        *(REPO / "src" / "evimap" / "web" / "templates").glob("*.html"),
        *(REPO / "src" / "evimap" / "report" / "templates").glob("*.j2"),
    ]
    assert templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        copied = [label for label in BOX_LABELS.values() if label in text]
        assert not copied, f"{path.name} spells out {copied}: use PrismaCounts.rows()"
