"""Synthesis on small hand-made cases: frequencies, cross-tabs, citations, gap map, narrative."""

from __future__ import annotations

import pytest

from evimap.charting.store import Study
from evimap.numbers import percent
from evimap.records import Author, Record
from evimap.synthesis import citation_labels, cite, crosstab, frequency
from evimap.synthesis.gapmap import gap_map_figure, save_figure
from evimap.synthesis.narrative import narrative_markdown
from evimap.synthesis.recommendations import Gap, Recommendation, explore
from evimap.synthesis.tables import field_labels


def _studies(*values: dict) -> list[Study]:
    return [Study(f"s{i + 1}", values=v) for i, v in enumerate(values)]


def test_single_field_counts_with_n_and_percent_of_all_studies():
    studies = _studies(
        {"country": "Chile"}, {"country": "Canada"}, {"country": "Chile"}, {"country": "Chile"}
    )
    table = frequency(studies, "country", choices=["Canada", "Chile", "Peru"])
    assert [(r.category, r.n, r.percent) for r in table.rows] == [
        ("Chile", 3, 75.0),
        ("Canada", 1, 25.0),
        ("Peru", 0, 0.0),
    ]
    assert table.denominator == 4 and not table.multi and table.missing == 0
    assert table.row("Chile").studies == ["s1", "s3", "s4"]
    assert table.to_rows()[0] == {
        "country": "Chile",
        "n": 3,
        "denominator": 4,
        "percent": 75.0,
        "n_of": "3/4 (75.0%)",
    }


def test_empty_categories_can_be_left_out_and_choice_order_kept():
    studies = _studies({"c": "b"}, {"c": "a"})
    table = frequency(studies, "c", choices=["x", "a", "b"], include_empty=False)
    assert [r.category for r in table.rows] == ["a", "b"]  # ties keep the choice order
    ordered = frequency(studies, "c", choices=["x", "a", "b"], order="choices")
    assert [(r.category, r.n) for r in ordered.rows] == [("x", 0), ("a", 1), ("b", 1)]


def test_multi_valued_field_counts_each_study_once_per_category():
    studies = _studies(
        {"approach": ["cbt", "psychodynamic"]},
        {"approach": ["cbt"]},
        {"approach": ["cbt", "cbt"]},  # a repeated value counts once
        {"approach": []},
        {},
    )
    table = frequency(studies, "approach")
    assert [(r.category, r.n, r.percent) for r in table.rows] == [
        ("cbt", 3, 60.0),
        ("psychodynamic", 1, 20.0),
    ]
    assert table.multi and table.missing == 2
    assert "a study may be counted in several categories; 2 with no value" in table.caption
    assert sum(r.percent for r in table.rows) == 80.0


def test_percentages_round_half_up_to_one_decimal():
    assert percent(2, 14) == 14.3  # 14.2857...
    assert percent(1, 8) == 12.5
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(1, 16) == 6.3  # 6.25 rounds up, not to even
    assert percent(1, 40) == 2.5
    assert percent(3, 0) is None
    designs = _studies(*[{"d": "quantitative"}] * 2, *[{"d": "case study"}] * 12)
    assert frequency(designs, "d").row("quantitative").percent == 14.3
    eight = _studies({"d": "x"}, *[{"d": "y"}] * 7)
    assert frequency(eight, "d").row("x").percent == 12.5


def test_explicit_denominator_and_derived_values():
    studies = _studies({"type": "empirical", "n": 2}, {"type": "empirical"}, {"type": "conceptual"})
    empirical = [s for s in studies if s.values["type"] == "empirical"]
    table = frequency(empirical, "type", denominator=25, denominator_label="included studies")
    assert table.row("empirical").percent == 8.0
    assert table.caption == "Percentages of 25 included studies."
    decades = frequency(
        [
            Study("a", Record(year=1996)),
            Study("b", Record(year=2021)),
            Study("c", Record(year=2024)),
        ],
        "decade",
        value=lambda s: f"{s.record.year // 10 * 10}s",
    )
    assert [(r.category, r.n) for r in decades.rows] == [("2020s", 2), ("1990s", 1)]


def test_record_attributes_are_fields_too():
    studies = [Study("a", Record(source_title="Psychotherapy")), Study("b", Record())]
    table = frequency(studies, "source_title")
    assert [(r.category, r.n) for r in table.rows] == [("Psychotherapy", 1)]
    assert table.missing == 1


def test_crosstab_of_studies_with_multi_valued_rows_and_empty_cells():
    studies = _studies(
        {"approach": ["cbt", "integrative"], "type": "empirical"},
        {"approach": ["cbt"], "type": "conceptual"},
        {"approach": ["psychodynamic"], "type": "empirical"},
    )
    table = crosstab(
        studies,
        field_labels("approach"),
        field_labels("type"),
        lambda s: [s.key],
        row_order=["cbt", "psychodynamic", "integrative", "trauma-informed"],
        column_order=["empirical", "conceptual"],
    )
    assert table.rows == ["cbt", "psychodynamic", "integrative", "trauma-informed"]
    assert table.n("cbt", "empirical") == 1 and table.n("cbt", "conceptual") == 1
    assert table.n("trauma-informed", "empirical") == 0
    assert table.row_total("cbt") == 2 and table.column_total("empirical") == 2
    assert table.to_rows()[0] == {"row": "cbt", "empirical": 1, "conceptual": 1, "total": 2}


def test_crosstab_of_recommendations_counts_distinct_studies_behind_each_cell():
    recs = [
        Recommendation("R1", "Recognition", "a", "empirical", ("s1", "s2")),
        Recommendation("R2", "Recognition", "b", "empirical", ("s2", "s3")),
        Recommendation("R3", "Cultural", "c", "theoretical-conceptual", ("s4",)),
    ]
    table = crosstab(recs, lambda r: [r.domain], lambda r: [r.source_type], lambda r: r.sources)
    assert table.n("Recognition", "empirical") == 3
    assert table.n("Cultural", "empirical") == 0
    assert table.n("Cultural", "theoretical-conceptual") == 1


def _record(year, *families, title="t"):
    return Record(title=title, year=year, authors=[Author(f) for f in families])


def test_author_year_labels_follow_apa_and_tell_clashes_apart():
    records = {
        "gaz": _record(2012, "Gaztambide"),
        "saf96": _record(1996, "Safran", "Muran"),
        "asp": _record(2008, "Aspland", "Llewelyn", "Hardy"),
        "eub1": _record(2018, "Eubanks", "Burckell", "Goldfried"),
        "eub2": _record(2018, "Eubanks", "Muran", "Safran"),
        "saf00a": _record(2000, "Safran", "Muran", title="Negotiating the alliance"),
        "saf00b": _record(2000, "Safran", "Muran", title="Resolving ruptures"),
    }
    labels = citation_labels(records)
    assert labels["gaz"] == "Gaztambide, 2012"
    assert labels["saf96"] == "Safran & Muran, 1996"
    assert labels["asp"] == "Aspland et al., 2008"
    assert labels["eub1"] == "Eubanks, Burckell, & Goldfried, 2018"
    assert labels["eub2"] == "Eubanks, Muran, & Safran, 2018"
    assert (labels["saf00a"], labels["saf00b"]) == (
        "Safran & Muran, 2000a",
        "Safran & Muran, 2000b",
    )
    assert cite(["saf96", "asp", "gaz", "asp"], labels) == (
        "(Aspland et al., 2008; Gaztambide, 2012; Safran & Muran, 1996)"
    )


def test_explorer_filters_by_rupture_context_and_approach():
    recs = [
        Recommendation(
            "R1",
            "Recognition",
            "Attend to withdrawal",
            "empirical",
            ("a",),
            ("withdrawal",),
            (),
            ("cognitive-behavioral",),
        ),
        Recommendation(
            "R2",
            "Complex trauma context",
            "Go slow",
            "theoretical-conceptual",
            ("b",),
            ("unspecified",),
            ("complex-trauma",),
            ("trauma-informed",),
        ),
        Recommendation("R3", "Expressive", "Avoid hostility", "empirical", ("a", "b"), ("both",)),
        Recommendation("R4", "Recognition", "Notice", "empirical", ("b",)),
    ]
    labels = {"a": "A, 2001", "b": "B & C, 1999"}
    assert [r["id"] for r in explore(recs, labels, rupture="withdrawal")] == ["R1", "R3"]
    assert [r["id"] for r in explore(recs, labels, rupture="confrontation")] == ["R3"]
    general = explore(recs, labels, rupture="confrontation", include_general=True)
    assert [r["id"] for r in general] == ["R2", "R3", "R4"]
    trauma = explore(recs, labels, context="Complex trauma")
    assert [(r["id"], r["sources"]) for r in trauma] == [("R2", ["B & C, 1999"])]
    assert [r["id"] for r in explore(recs, labels, approach="cognitive-behavioral")] == ["R1"]
    assert explore(recs, labels, rupture="withdrawal")[1]["sources"] == ["A, 2001", "B & C, 1999"]


def test_gap_map_svg_has_a_bubble_per_filled_cell_and_text_kept_as_text(tmp_path):
    recs = [
        Recommendation("R1", "Recognition", "a", "empirical", ("s1", "s2")),
        Recommendation("R2", "Cultural", "c", "theoretical-conceptual", ("s4",)),
    ]
    table = crosstab(recs, lambda r: [r.domain], lambda r: [r.source_type], lambda r: r.sources)
    svg = save_figure(gap_map_figure(table, "Map"), tmp_path / "m.svg", tmp_path / "m.png")
    assert svg.startswith("<?xml") and "Recognition" in svg and "Cultural" in svg
    assert ">empirical<" in svg and ">2<" in svg and ">1<" in svg
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = save_figure(gap_map_figure(table, "Map"))
    assert again == svg  # same data, same bytes


def test_narrative_groups_by_theme_with_citations():
    labels = {"a": "Aspland et al., 2008", "b": "Lawson et al., 2013"}
    table = frequency(_studies({"c": "Chile"}, {"c": "Chile"}, {"c": "Peru"}), "c", label="Country")
    text = narrative_markdown(
        title="Synthesis",
        labels=labels,
        tables=[table],
        recommendations=[
            Recommendation("R1", "Recognition", "Notice ruptures.", "empirical", ("a",)),
            Recommendation("R2", "Complex trauma", "Go slow.", "theoretical-conceptual", ("b",)),
            Recommendation("R3", "Recognition", "Attend.", "empirical", ("b", "a")),
        ],
        gaps=[Gap("G1", "Nonverbal", "Study gaze.", ("a",))],
    )
    assert "**Country.** Of the 3 included studies: Chile 2 (66.7%); Peru 1 (33.3%)." in text
    recognition = text.index("### Recognition")
    trauma = text.index("### Complex trauma")
    assert (
        recognition < text.index("- Attend. (Aspland et al., 2008; Lawson et al., 2013)") < trauma
    )
    assert "not a synthesis of evidence-based guidelines" in text
    assert "### Nonverbal\n\n- Study gaze. (Aspland et al., 2008)" in text


@pytest.mark.parametrize(
    ("n", "d", "p"),
    [(12, 25, 48.0), (4, 14, 28.6), (3, 14, 21.4), (2, 14, 14.3), (1, 8, 12.5), (22, 195, 11.3)],
)
def test_table_rows_show_their_denominator(n, d, p):
    studies = _studies(*[{"f": "x"}] * n, *[{"f": "y"}] * (d - n))
    row = frequency(studies, "f").to_rows()[0 if n * 2 >= d else 1]
    assert (row["n"], row["denominator"], row["percent"]) == (n, d, p)
    assert row["n_of"] == f"{n}/{d} ({p:.1f}%)"
