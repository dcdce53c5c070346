"""Exclusion reasons read as reasons. A record excluded by an inclusion criterion fails it, so
the reason reads "I2 not met: Focused on adult patients", never the criterion's own words (which
say the opposite), wherever a reason is shown: the web picker, the terminal screen, the PRISMA
boxes (review, prisma.json, screening-flow), the report's tables, HTML and workbook. The numbers
the pickers show are the keys that pick, and a decisions file may name a reason by its code, its
criterion's text or its wording."""

from __future__ import annotations

import asyncio
import csv
import json
import re

import pytest
from typer.testing import CliRunner

from evimap.cli import app as cli
from evimap.protocol import Criterion
from evimap.review import Review
from evimap.screening.config import ScreeningConfig
from evimap.screening.decision_file import reason_code
from tests.screening_support import PROTOCOL, TEAM, add_records, small_records

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
runner = CliRunner()

# Three inclusion criteria (one with a comma in its words) and eight exclusion criteria: eleven
# reasons, two more than there are number keys.
CRITERIA = """
[[criteria]]
code = "I1"
kind = "inclusion"
text = "About alliance ruptures or their repair"

[[criteria]]
code = "I2"
kind = "inclusion"
text = "Focused on adult patients"

[[criteria]]
code = "I3"
kind = "inclusion"
text = "Provided recommendations for repair, with full-text availability"
""" + "".join(
    f'\n[[criteria]]\ncode = "E{n}"\nkind = "exclusion"\ntext = "{text}"\n'
    for n, text in enumerate(
        (
            "Literature reviews",
            "Meta-analyses",
            "Article commentaries",
            "Theses",
            "Book chapters",
            "Book abstracts",
            "Conference abstracts",
            "Editorials",
        ),
        start=1,
    )
)
ADULTS = "I2 not met: Focused on adult patients"


def _protocol(extra_screening: str = "") -> str:
    start = PROTOCOL.index("[[criteria]]")
    end = PROTOCOL.index("[screening]")
    text = PROTOCOL[:start] + CRITERIA + "\n" + PROTOCOL[end:]
    text = text.format(blind="true", pilot=0, maybe_advances="false")
    return text.replace("[screening]\n", "[screening]\n" + extra_screening, 1)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "review"
    path.mkdir()
    (path / "review.toml").write_text(_protocol(), encoding="utf-8")
    return path


def _screen(review: Review) -> list[int]:
    """Six records: one excluded at title/abstract for I2, two at full text (I2 and E1), two
    included, one excluded at full text for I3."""
    ids = add_records(review, small_records(6))
    s = review.screening
    s.assign(TA, member=OW)
    for rid in ids:
        for who in (A, B):
            if rid == ids[5]:
                s.decide(TA, rid, "exclude", reason="I2", member=who)
            else:
                s.decide(TA, rid, "include", member=who)
    s.assign(FT, member=OW)
    for rid, decision, reason in zip(
        ids[:5],
        ("exclude", "exclude", "include", "include", "exclude"),
        ("I2", "E1", "", "", "I3"),
        strict=True,
    ):
        for who in (A, B):
            s.decide(FT, rid, decision, reason=reason, member=who)
    return ids


# --------------------------------------------------------------------------- the one wording


def test_an_inclusion_criterion_reads_as_not_met_and_an_exclusion_criterion_as_written():
    adults = Criterion(code="I2", kind="inclusion", text="Focused on adult patients")
    reviews = Criterion(code="E1", kind="exclusion", text="Literature reviews")
    assert (adults.reason, adults.reason_label) == ("Not met: Focused on adult patients", ADULTS)
    assert (reviews.reason, reviews.reason_label) == (
        "Literature reviews",
        "E1: Literature reviews",
    )


def test_the_keys_shown_are_the_keys_that_pick_in_protocol_order_unless_the_team_orders(folder):
    with Review.open(folder) as review:
        config = review.screening.config
        assert config.reason_keys() == [
            *((str(n), code) for n, code in enumerate(["I1", "I2", "I3", "E1", "E2", "E3"], 1)),
            ("7", "E4"),
            ("8", "E5"),
            ("9", "E6"),
            ("", "E7"),  # no tenth key: shown without a number
            ("", "E8"),
        ]
        assert config.reason_label("I2") == ADULTS
        assert config.reason_text("unspecified") == "unspecified"
    (folder / "review.toml").write_text(_protocol('reasons = ["E1", "I2"]\n'), encoding="utf-8")
    with Review.open(folder) as review:
        assert review.screening.config.reason_keys() == [("1", "E1"), ("2", "I2")]


# --------------------------------------------------------------------------- PRISMA and report


def test_prisma_the_flow_verb_and_the_report_show_the_reason_not_the_criterion(folder, tmp_path):
    with Review.open(folder) as review:
        _screen(review)
        counts = review.prisma()
        assert counts.dbr_reasons == {
            "E1: Literature reviews": 1,
            ADULTS: 1,
            "I3 not met: Provided recommendations for repair, with full-text availability": 1,
        }
        review.report(tmp_path / "report", member=OW)
    out = tmp_path / "report"
    template = json.loads((out / "prisma.json").read_text(encoding="utf-8"))
    assert f"{ADULTS}, 1" in template["dbr_excluded"]
    assert template["evimap"]["screening"]["reason_labels"]["I2"] == ADULTS

    flow = runner.invoke(cli, ["screening-flow", str(folder)], terminal_width=200)
    assert flow.exit_code == 0, flow.output
    assert ADULTS in flow.output

    with open(out / "tables" / "screening_reasons.csv", encoding="utf-8") as handle:
        rows = [(r["stage"], r["code"], r["reason"], r["records"]) for r in csv.DictReader(handle)]
    assert rows == [
        ("Title and abstract", "I2", "Not met: Focused on adult patients", "1/1 (100.0%)"),
        ("Full text", "E1", "Literature reviews", "1/3 (33.3%)"),
        ("Full text", "I2", "Not met: Focused on adult patients", "1/3 (33.3%)"),
        (
            "Full text",
            "I3",
            "Not met: Provided recommendations for repair, with full-text availability",
            "1/3 (33.3%)",
        ),
    ]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Not met: Focused on adult patients" in html and "I2 not met:" in html
    svg = (out / "prisma.svg").read_text(encoding="utf-8")
    assert "I2 not met:" in svg
    from openpyxl import load_workbook

    sheet = load_workbook(out / "workbook.xlsx")["screening_reasons"]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "Not met: Focused on adult patients" in cells
    # the criterion's own words never stand alone as a reason
    for text in (html, svg, json.dumps(template), flow.output, str(cells)):
        assert not re.search(r"I2:? Focused on adult patients", text)


# --------------------------------------------------------------------------- the pickers


def test_the_web_picker_shows_the_reason_and_numbers_only_the_keys(folder):
    from evimap.web import create_app
    from tests.web_support import client_for, login, password

    with Review.open(folder) as review:
        ids = add_records(review, small_records(2))
        review.accounts.add("A", "reviewer", password("A"))
        review.accounts.add("P", "arbiter", password("P"))
        review.screening.assign(TA, member=OW)
        client = client_for(create_app([review]))
        client.headers["x-csrf-token"] = login(client, "A")
        slug = "review"
        page = client.get(f"/r/{slug}/screen/{TA}.json").json()
        reasons = page["reasons"]
        assert [(r["key"], r["code"]) for r in reasons[:2]] == [("1", "I1"), ("2", "I2")]
        assert reasons[1]["label"] == ADULTS
        assert [r["key"] for r in reasons[9:]] == ["", ""]
        html = client.get(f"/r/{slug}/screen/{TA}").text
        options = re.findall(r'<option value="(\w+)" data-label="([^"]*)"([^>]*)>([^<]*)<', html)
        assert options[1] == ("I2", ADULTS, ' data-key="2"', f"2. {ADULTS}")
        assert options[9] == ("E7", "E7: Conference abstracts", "", "E7: Conference abstracts")
        assert [attrs for _, _, attrs, _ in options] == [
            f' data-key="{n}"' for n in range(1, 10)
        ] + [
            "",
            "",
        ]
        # my decision reads as its reason
        review.screening.decide(TA, ids[1], "exclude", reason="I2", member=A)
        mine = client.get(f"/r/{slug}/screen/{TA}?record={ids[1]}").text
        assert f"exclude ({ADULTS})</strong>" in mine
        # a conflict's calls read so too; its settle form has no keys, so no numbers
        review.screening.decide(TA, ids[0], "include", member=A)
        review.screening.decide(TA, ids[0], "exclude", reason="I2", member=B)
        client.headers["x-csrf-token"] = login(client, "P")
        conflicts = client.get(f"/r/{slug}/conflicts/{TA}").text
        assert f"exclude ({ADULTS})</p>" in conflicts
        assert f'<option value="I2">{ADULTS}</option>' in conflicts
        assert not re.search(r"<option value=\"\w+\">\d+\.", conflicts)


def test_the_terminal_screen_shows_each_key_with_its_reason_and_the_key_excludes_with_it(folder):
    from textual.widgets import Static

    from evimap.cli.screen_app import ScreenApp

    with Review.open(folder) as review:
        ids = add_records(review, small_records(2))
        review.screening.assign(TA, member=OW)

        async def drive():
            app = ScreenApp(review, TA, A)
            async with app.run_test(size=(200, 40)) as pilot:
                line = str(app.query_one("#reasons", Static).render())
                assert "[2] I2 not met: Focused on adult patients" in line
                assert "[9] E6: Book abstracts" in line and "E7" not in line
                await pilot.press("2")
                status = str(app.query_one("#status", Static).render())
                assert status == f"record {ids[0]}: exclude ({ADULTS})"
                await pilot.press("q")

        asyncio.run(drive())
        calls = review.screening.decisions(TA, member=A)
        assert [(c["record_id"], c["reason"]) for c in calls] == [(ids[0], "I2")]


# --------------------------------------------------------------------------- decision files


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("I2", "I2"),
        ("i2", "I2"),
        ("Focused on adult patients", "I2"),
        ("  focused on  ADULT patients ", "I2"),
        ("Not met: Focused on adult patients", "I2"),
        (ADULTS, "I2"),
        ("E1: Literature reviews", "E1"),
        ("Literature reviews", "E1"),
        ("Provided recommendations for repair, with full-text availability", "I3"),
        ("Focused on children", None),
    ],
)
def test_a_decisions_file_names_a_reason_by_code_criterion_or_wording(folder, text, code):
    with Review.open(folder) as review:
        config: ScreeningConfig = review.screening.config
        assert reason_code(config, text) == code


def test_the_first_of_several_reasons_is_read_whole_when_its_words_hold_a_comma(folder):
    from evimap.screening.decision_file import first_reason

    with Review.open(folder) as review:
        config = review.screening.config
        recommendations = "Provided recommendations for repair, with full-text availability"
        assert first_reason(config, f"{recommendations},Theses") == (recommendations, "I3")
        assert first_reason(config, "E4; I2") == ("E4", "E4")
        assert first_reason(config, "Focused on children, Theses") == ("Focused on children", None)


def test_importing_a_file_of_reasons_worded_as_evimap_shows_them(folder, tmp_path):
    with Review.open(folder) as review:
        ids = add_records(review, small_records(2))
        review.screening.assign(TA, member=OW)
        path = tmp_path / "decisions.csv"
        path.write_text(
            "source_record_id,decision,reason\n"
            f'S1,exclude,"{ADULTS}"\n'
            'S2,exclude,"Provided recommendations for repair, with full-text availability"\n',
            encoding="utf-8",
        )
        review.screening.import_decisions(path, TA, member=A)
        calls = review.screening.decisions(TA, member=A)
        assert [(c["record_id"], c["reason"]) for c in calls] == [(ids[0], "I2"), (ids[1], "I3")]
