"""The worked example (examples/rupture_repair) is consistent data: protocol, codebook, studies,
charted values, recommendations, gaps, reported counts and the paper's printed numbers.

The small recomputation in this file only checks the shipped data against what the paper
prints; the synthesis engine and its consistency report are separate.
"""

from __future__ import annotations

import csv
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from evimap.numbers import percent
from evimap.protocol import load_protocol

REPO = Path(__file__).resolve().parents[1]
PAPER = REPO.parent / "shared" / "reference" / "rupture-repair-scoping-review.md"
WORDS = {1: ("one", "single"), 2: ("two",), 3: ("three",), 4: ("four",), 6: ("six",)}
TYPES = {"single", "multi", "text", "number", "quotes"}
EXAMPLE = Path(str(resources.files("evimap") / "examples" / "rupture_repair"))


def _toml(name: str) -> dict:
    with open(EXAMPLE / name, "rb") as handle:
        return tomllib.load(handle)


def _csv(name: str) -> list[dict[str, str]]:
    with open(EXAMPLE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def codebook() -> dict[str, dict]:
    return {field["name"]: field for field in _toml("codebook.toml")["fields"]}


@pytest.fixture(scope="module")
def studies() -> list[dict]:
    return _toml("charting.toml")["study"]


@pytest.fixture(scope="module")
def keys(studies) -> list[str]:
    return [study["key"] for study in studies]


def test_example_folder_is_package_data():
    for name in (
        "review.toml",
        "codebook.toml",
        "included.ris",
        "charting.toml",
        "recommendations.csv",
        "research_gaps.csv",
        "reported_counts.toml",
        "paper_numbers.toml",
        "README.md",
    ):
        assert (EXAMPLE / name).is_file(), name


def test_protocol_loads_with_the_papers_search_and_criteria():
    protocol = load_protocol(EXAMPLE)
    assert protocol.search.databases == ["Web of Science", "PsycINFO", "Scopus"]
    assert protocol.search.date == "2024-07"
    assert protocol.search.equation.startswith('("rupture repair" OR "rupture resolutions"')
    assert "repair*" in protocol.search.equation
    assert [c.code for c in protocol.criteria if c.kind == "inclusion"] == [
        "I1",
        "I2",
        "I3",
        "I4",
        "I5",
    ]
    assert [c.code for c in protocol.criteria if c.kind == "exclusion"] == [
        "E1",
        "E2",
        "E3",
        "E4",
        "E5",
        "E6",
    ]
    assert protocol.codebook == "codebook.toml"


def test_search_equation_is_the_papers_verbatim():
    if not PAPER.exists():
        pytest.skip(f"reference paper not available: {PAPER}")
    text = PAPER.read_text(encoding="utf-8")
    printed = re.search(r"as follows: (.*?)\. The search was conducted in titles", text).group(1)
    printed = printed.replace("\u201c", '"').replace("\u201d", '"').replace("\\*", "*")
    assert load_protocol(EXAMPLE).search.equation == printed


def test_codebook_fields_are_typed_and_choice_fields_have_choices(codebook):
    assert len(codebook) == len(_toml("codebook.toml")["fields"]), "field names are unique"
    for name, field in codebook.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert field["type"] in TYPES, name
        assert field["group"] in {"bibliometric", "content"}, name
        assert field["label"] and field["description"], name
        if field["type"] in {"single", "multi"}:
            assert field.get("choices"), name
            assert len(set(field["choices"])) == len(field["choices"]), name
        else:
            assert "choices" not in field, name
    for element in (
        "publication_type",
        "objective",
        "methodology",
        "patient_characteristics",
        "approach",
        "cites_safran_muran",
        "repair_strategy",
        "metacommunication",
        "therapist_attitudes_skills",
        "nonverbal_cues",
        "recommended_strategy",
        "theoretical_clinical_implications",
        "repair_obstacles",
        "research_gaps",
        "clinical_recommendations",
        "recommendation_source",
        "other_results",
        "authors",
        "year",
        "country",
        "journal",
    ):
        assert element in codebook, element


def test_charting_has_25_studies_and_every_value_fits_its_field(codebook, studies, keys):
    assert len(keys) == 25 and len(set(keys)) == 25
    for study in studies:
        assert study["reviewer"] == "AL-V"
        basis = study.get("basis", {})
        for name, value in study.items():
            if name in {"key", "reviewer", "reference", "basis"}:
                continue
            field = codebook.get(name)
            assert field is not None, f"{study['key']}: {name} is not a codebook field"
            kind = field["type"]
            if kind == "single":
                assert value in field["choices"], (study["key"], name, value)
            elif kind == "multi":
                assert isinstance(value, list) and value, (study["key"], name)
                assert set(value) <= set(field["choices"]), (study["key"], name, value)
            elif kind == "number":
                assert isinstance(value, int | float) and not isinstance(value, bool)
            elif kind == "text":
                assert isinstance(value, str) and value
            else:
                assert value and all(q["text"] and q["section"] for q in value)
            assert name in basis, f"{study['key']}: {name} has no basis"
        assert "country" in basis and len(basis["country"]) > 40


def test_included_ris_has_the_25_study_keys(keys):
    text = (EXAMPLE / "included.ris").read_text(encoding="utf-8")
    assert re.findall(r"^ID  - (\S+)$", text, flags=re.M) == keys
    assert text.count("TY  - JOUR") == 25
    assert text.count("ER  - ") == 25


def test_included_ris_imports_25_records_keyed_as_charting(tmp_path, keys):
    from evimap.importers.registry import FORMATS
    from evimap.importing import import_file
    from evimap.store import open_store
    from evimap.store.records import iter_records

    if "ris" not in FORMATS:
        pytest.skip("no RIS reader registered in this branch yet (it is being written)")
    store = open_store(tmp_path / "review.db")
    try:
        result = import_file(store, EXAMPLE / "included.ris")
        assert result.added == 25 and not result.skipped
        with store.read() as session:
            records = [record for _, record in iter_records(session)]
    finally:
        store.close()
    assert [r.source_record_id for r in records] == keys
    by_key = {r.source_record_id: r for r in records}
    assert by_key["abbass2021"].doi == "10.1002/jclp.23115"
    assert by_key["coutinho2010"].doi in ("", None)
    assert [a.family for a in by_key["kline2018"].authors][-1] == "Okuno"


def test_recommendations_cite_study_keys(keys, codebook, studies):
    rows = _csv("recommendations.csv")
    assert list(rows[0]) == [
        "id",
        "domain",
        "recommendation",
        "source_type",
        "sources",
        "rupture_types",
        "contexts",
        "approaches",
        "strategy",
    ]
    assert [r["id"] for r in rows] == codebook["clinical_recommendations"]["choices"]
    contexts = set(codebook["contexts"]["choices"])
    families = set(codebook["approach_family"]["choices"])
    family_of = {s["key"]: s["approach_family"] for s in studies}
    type_of = {s["key"]: s["article_type"] for s in studies}
    for row in rows:
        sources = row["sources"].split(";")
        assert sources and set(sources) <= set(keys), row["id"]
        assert row["source_type"] in {"empirical", "theoretical-conceptual"}
        assert {type_of[k] for k in sources} == {row["source_type"]}, row["id"]
        assert row["rupture_types"] in {"withdrawal", "confrontation", "both", "unspecified"}
        assert set(filter(None, row["contexts"].split(";"))) <= contexts, row["id"]
        assert row["approaches"].split(";") == list(dict.fromkeys(family_of[k] for k in sources))
        assert set(row["approaches"].split(";")) <= families
        assert row["domain"] and row["recommendation"] and row["strategy"]


def test_table4_domains_and_source_types_are_covered():
    rows = _csv("recommendations.csv")
    by_domain: dict[str, set[str]] = {}
    for row in rows:
        by_domain.setdefault(row["domain"], set()).add(row["source_type"])
    both = {"empirical", "theoretical-conceptual"}
    assert by_domain["Rupture recognition"] == both
    assert by_domain["Cultural and sociopolitical context"] == both
    assert by_domain["Complex trauma context"] == {"theoretical-conceptual"}
    assert by_domain["Relational dynamics"] == {"theoretical-conceptual"}
    assert by_domain["Supportive strategies"] == {"theoretical-conceptual"}
    assert "empirical" in by_domain["Immediate repair strategies"]
    assert both <= by_domain["Expressive repair strategy"]


def test_research_gaps_cite_study_keys(keys, codebook):
    rows = _csv("research_gaps.csv")
    assert list(rows[0]) == ["id", "theme", "gap", "sources"]
    assert [r["id"] for r in rows] == codebook["research_gaps"]["choices"]
    for row in rows:
        assert set(row["sources"].split(";")) <= set(keys), row["id"]


@pytest.mark.parametrize(
    ("field", "table"),
    [("clinical_recommendations", "recommendations.csv"), ("research_gaps", "research_gaps.csv")],
)
def test_charted_ids_and_table_sources_agree(studies, field, table):
    cited = {(key, row["id"]) for row in _csv(table) for key in row["sources"].split(";")}
    charted = {(s["key"], i) for s in studies for i in s.get(field, [])}
    assert charted == cited


def test_reported_counts_add_up():
    counts = {c["key"]: c for c in _toml("reported_counts.toml")["count"]}
    assert {k: c["value"] for k, c in counts.items() if c["reported"]} == {
        "identified": 775,
        "after_duplicates_and_field_removal": 220,
        "eligible_from_databases": 24,
        "included_other_methods": 1,
        "included": 25,
    }
    for count in counts.values():
        assert count["reported"] == ("quote" in count), count["key"]
        assert count["reported"] or count["derived_from"]
    value = {k: c["value"] for k, c in counts.items()}
    assert value["identified"] - value["removed_before_screening"] == value["screened"]
    assert value["screened"] - value["excluded_by_eligibility"] == value["eligible_from_databases"]
    assert value["eligible_from_databases"] + value["included_other_methods"] == value["included"]


# ----------------------------------------------------------------- the paper's printed numbers


def _matches(study: dict, field: str, value) -> bool:
    got = study.get(field)
    return value in got if isinstance(got, list) else got == value


def _select(studies: list[dict], condition: dict | None) -> list[dict]:
    condition = condition or {}
    return [s for s in studies if all(_matches(s, f, v) for f, v in condition.items())]


def recompute(what: dict, studies: list[dict], reported: dict[str, int]) -> float | int:
    """The number a paper_numbers.toml ``what`` describes, from the charted studies."""
    stat = what["stat"]
    if stat == "reported":
        return reported[what["key"]]
    if stat == "value":
        study = next(s for s in studies if s["key"] == what["study"])
        return study[what["field"]]
    if stat in {"min", "max"}:
        values = [s[what["field"]] for s in studies if what["field"] in s]
        return min(values) if stat == "min" else max(values)
    if stat == "distinct":
        return len({v for s in studies for v in s.get(what["field"], [])})
    chosen = _select(studies, what.get("filter"))
    if stat == "sum":
        fields = what.get("fields") or [what["field"]]
        return sum(s.get(f, 0) for s in chosen for f in fields)
    if "field" in what:
        chosen = [s for s in chosen if _matches(s, what["field"], what["value"])]
    if stat == "n":
        return len(chosen)
    if stat == "percent":
        denominator = what["denominator"]
        base = studies if denominator == "all" else _select(studies, denominator)
        return percent(len(chosen), len(base))
    raise ValueError(f"unknown stat {stat!r}")


def test_every_printed_number_is_recomputed_and_only_paper_discrepancies_differ(studies):
    numbers = _toml("paper_numbers.toml")["number"]
    reported = {c["key"]: c["value"] for c in _toml("reported_counts.toml")["count"]}
    assert len({n["id"] for n in numbers}) == len(numbers)
    verdicts = {}
    for number in numbers:
        got = recompute(number["what"], studies, reported)
        verdicts[number["id"]] = "match" if got == number["printed"] else "differs"
        assert verdicts[number["id"]] == number["expect"], (number["id"], got, number["printed"])
        if number["expect"] == "differs":
            assert len(number.get("note", "")) > 40, number["id"]
    assert sorted(k for k, v in verdicts.items() if v == "differs") == [
        "design.mixed_methods.percent",
        "design.quantitative.percent",
        "patients.depression",
        "patients.no_diagnosis",
        "table3.depression",
        "table3.no_diagnosis",
    ]


def test_every_quoted_number_is_in_the_paper():
    if not PAPER.exists():
        pytest.skip(f"reference paper not available: {PAPER}")
    text = PAPER.read_text(encoding="utf-8")
    flat = re.sub(r"\s+", " ", re.sub(r"</?i>|\*", "", text))
    for number in _toml("paper_numbers.toml")["number"]:
        for piece in number["quote"].split("..."):
            piece = re.sub(r"\s+", " ", piece.replace("*", "").strip(" ;,"))
            assert piece in flat, (number["id"], piece)
        printed = number["printed"]
        spelled = {str(printed), *WORDS.get(printed, ())}
        assert any(form in number["quote"].lower() for form in spelled), number["id"]


def test_every_charted_quote_is_in_the_paper(codebook, studies):
    if not PAPER.exists():
        pytest.skip(f"reference paper not available: {PAPER}")
    flat = re.sub(r"\s+", " ", re.sub(r"</?i>|\*", "", PAPER.read_text(encoding="utf-8")))
    quote_fields = [name for name, field in codebook.items() if field["type"] == "quotes"]
    for study in studies:
        for name in quote_fields:
            for quote in study.get(name, []):
                for piece in quote["text"].split("..."):
                    assert piece.strip() in flat, (study["key"], name, piece)
