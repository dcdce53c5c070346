"""Charting: codebook validation, charting files, values per reviewer in the store, agreement."""

from __future__ import annotations

import random

import pytest

from evimap.charting import cohen_kappa, parse_charting, parse_codebook
from evimap.charting.agreement import agreement
from evimap.charting.store import charted_values, load_studies, save_charting
from evimap.errors import ChartingError, CodebookError
from evimap.records import Author, Record
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row

CODEBOOK = """
[[fields]]
name = "country"
type = "single"
choices = ["Canada", "Chile", "United States"]
group = "bibliometric"

[[fields]]
name = "approach"
type = "multi"
choices = ["cbt", "psychodynamic", "integrative"]

[[fields]]
name = "design"
type = "single"
choices = ["empirical", "conceptual"]

[[fields]]
name = "participants"
type = "number"

[[fields]]
name = "objective"
type = "text"

[[fields]]
name = "obstacles"
type = "quotes"
"""


@pytest.fixture
def codebook():
    return parse_codebook(CODEBOOK, "codebook.toml")


def test_codebook_keeps_field_order_types_and_choices(codebook):
    assert codebook.names() == [
        "country",
        "approach",
        "design",
        "participants",
        "objective",
        "obstacles",
    ]
    assert codebook.field("approach").type == "multi"
    assert codebook.field("approach").choices == ("cbt", "psychodynamic", "integrative")
    assert codebook.field("country").categorical and not codebook.field("objective").categorical
    assert codebook.field("participants").label == "Participants"


def test_codebook_lists_every_problem_with_file_and_key():
    text = """
[[fields]]
name = "country"
type = "choice"

[[fields]]
name = "approach"
type = "text"
choices = ["a"]
colour = "red"

[[fields]]
name = "country"
type = "single"
group = "misc"
"""
    with pytest.raises(CodebookError) as raised:
        parse_codebook(text, "my/codebook.toml")
    messages = [str(p) for p in raised.value.problems]
    assert messages == [
        "my/codebook.toml [fields[0].type]: must be one of single, multi, text, number, quotes; "
        "got 'choice'",
        "my/codebook.toml [fields[1].colour]: is not a field key (a typo?); valid: choices, "
        "description, group, label, name, other, required, type",
        "my/codebook.toml [fields[1].choices]: only single and multi fields have choices "
        "(this one is 'text')",
        "my/codebook.toml [fields[2].group]: must be one of bibliographic, bibliometric, content; "
        "got 'misc'",
    ]


def test_codebook_rejects_a_field_defined_twice_and_bad_toml():
    twice = '[[fields]]\nname = "a"\ntype = "text"\n[[fields]]\nname = "a"\ntype = "number"\n'
    with pytest.raises(CodebookError, match=r"\[fields\[1\]\.name\]: field 'a' is defined twice"):
        parse_codebook(twice, "cb.toml")
    with pytest.raises(CodebookError, match=r"cb.toml:2: not valid TOML"):
        parse_codebook('[[fields]]\nname = "a\n', "cb.toml")
    with pytest.raises(CodebookError, match=r"cb.toml \[fields\]: is missing"):
        parse_codebook('title = "x"\n', "cb.toml")


def test_unknown_field_name_lists_the_valid_ones(codebook):
    with pytest.raises(
        CodebookError, match="no field 'contry'; the codebook has country, approach"
    ):
        codebook.field("contry")


def test_values_are_checked_against_field_types(codebook):
    assert codebook.field("country").check("Chile") == []
    assert codebook.field("country").check("Peru") == [
        "'Peru' is not a choice; valid: 'Canada', 'Chile', 'United States'"
    ]
    assert codebook.field("country").check(["Chile"]) == [
        "expected one choice (a string), got ['Chile']"
    ]
    assert codebook.field("approach").check(["cbt", "cbt"]) == ["a choice is listed twice"]
    assert codebook.field("participants").check(True) == ["expected a number, got True"]
    assert codebook.field("participants").check(12.5) == []
    quotes = codebook.field("obstacles")
    assert quotes.check([{"text": "rigid", "page": 12}, {"text": "x", "section": "Results"}]) == []
    assert quotes.check([{"page": 3}]) == ["quote 1: expected {text = ..., page = ...}"]
    assert quotes.check([{"text": "t", "line": 3}]) == [
        "quote 1: unknown key(s) line; a quote has text, page, section"
    ]


def test_charting_file_reports_every_bad_value_naming_the_study(codebook):
    data = {
        "reviewer": "AL-V",
        "study": [
            {"key": "a2001", "country": "Peru", "approach": "cbt", "contry": "Chile"},
            {"key": "b2002", "design": "empirical", "participants": "12"},
            {"key": "b2002", "design": "empirical"},
        ],
    }
    with pytest.raises(ChartingError) as raised:
        parse_charting(data, codebook, "charting.toml")
    assert [str(p) for p in raised.value.problems] == [
        "charting.toml [study 'a2001'.country]: 'Peru' is not a choice; valid: 'Canada', "
        "'Chile', 'United States'",
        "charting.toml [study 'a2001'.approach]: expected a list of choices, got 'cbt'",
        "charting.toml [study 'a2001'.contry]: is not a codebook field (did you mean 'country'?)",
        "charting.toml [study 'b2002'.participants]: expected a number, got '12'",
        "charting.toml [study 'b2002']: charted twice by 'AL-V'",
    ]


def test_a_study_key_longer_than_the_store_keeps_is_an_error_naming_it(codebook):
    long_key = "W" * 201
    data = {"reviewer": "AL-V", "study": [{"key": long_key, "design": "empirical"}]}
    with pytest.raises(ChartingError) as raised:
        parse_charting(data, codebook, "charting.toml")
    [problem] = [str(p) for p in raised.value.problems]
    assert problem.startswith("charting.toml [study[0] key 'WWWW")
    assert "key is 201 characters long; a study key (the record's ID) has at most 200" in problem
    ok = {"reviewer": "AL-V", "study": [{"key": "W" * 200, "design": "empirical"}]}
    assert [s.key for s in parse_charting(ok, codebook, "charting.toml")] == ["W" * 200]


def test_charting_file_keeps_the_basis_of_each_value(codebook):
    data = {
        "reviewer": "AL-V",
        "study": [
            {
                "key": "a2001",
                "country": "Chile",
                "design": "empirical",
                "basis": {"country": "first author's affiliation", "participants": "Not reported"},
            },
            {"key": "b2002", "country": "Canada", "basis": "Table 1"},
        ],
    }
    studies = parse_charting(data, codebook)
    assert studies[0].values == {"country": "Chile", "design": "empirical", "participants": None}
    assert studies[0].basis == {
        "country": "first author's affiliation",
        "design": "",
        "participants": "Not reported",
    }
    assert studies[1].basis == {"country": "Table 1"}
    assert {s.reviewer for s in studies} == {"AL-V"}


def _records(store, keys):
    with store.transaction() as session:
        source = SourceFile(
            name="included.ris",
            path="included.ris",
            sha256="x" * 64,
            format="ris",
            database="",
            record_count=len(keys),
            skipped_count=0,
        )
        session.add(source)
        session.flush()
        insert_rows(
            session,
            [
                record_to_row(
                    Record(
                        title=f"Study {k}",
                        year=2000 + i,
                        source_record_id=k,
                        authors=[Author("Author", "A.")],
                    ),
                    source.id,
                )
                for i, k in enumerate(keys)
            ],
        )


@pytest.mark.postgres
def test_values_per_reviewer_are_stored_replaced_and_read_back(store, codebook):
    _records(store, ["a2001", "b2002"])
    first = parse_charting(
        {
            "reviewer": "AL-V",
            "study": [
                {
                    "key": "a2001",
                    "country": "Chile",
                    "approach": ["cbt", "integrative"],
                    "obstacles": [{"text": "rigid stance", "page": "12-13"}],
                    "basis": "Table 1",
                },
                {"key": "b2002", "country": "Canada", "participants": 29},
            ],
        },
        codebook,
    )
    result = save_charting(store, first, file="charting.toml", actor="AL-V")
    assert (result.studies, result.values, result.replaced) == (2, 5, 0)
    again = parse_charting(
        {"reviewer": "AL-V", "study": [{"key": "b2002", "country": "Chile"}]}, codebook
    )
    assert save_charting(store, again).replaced == 1
    with store.read() as session:
        values = charted_values(session)
        studies = load_studies(session, "AL-V")
    assert values["AL-V"]["a2001"]["values"]["approach"] == ["cbt", "integrative"]
    assert values["AL-V"]["a2001"]["values"]["obstacles"] == [
        {"text": "rigid stance", "page": "12-13"}
    ]
    assert values["AL-V"]["b2002"]["values"] == {"country": "Chile", "participants": 29}
    assert [s.key for s in studies] == ["a2001", "b2002"]
    assert studies[0].record.title == "Study a2001" and studies[0].basis["country"] == "Table 1"
    with store.read() as session:
        from evimap.store import EventLog

        events = EventLog.read(session, prefix="chart.")
    assert [(e.kind, e.counts["values"]) for e in events] == [
        ("chart.import", 5),
        ("chart.import", 1),
    ]


@pytest.mark.postgres
def test_study_keys_must_name_imported_records(store, codebook):
    _records(store, ["a2001"])
    studies = parse_charting(
        {"reviewer": "AL-V", "study": [{"key": "zz1999", "country": "Chile"}]}, codebook
    )
    with pytest.raises(ChartingError, match="study 'zz1999' matches no record"):
        save_charting(store, studies, file="charting.toml")
    with store.read() as session:
        assert charted_values(session) == {}


def test_kappa_matches_scikit_learn_on_many_random_ratings():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    for _ in range(200):
        labels = ["a", "b", "c", "d"][: rng.randint(2, 4)]
        n = rng.randint(2, 40)
        a = [rng.choice(labels) for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
        ours = cohen_kappa(a, b)
        theirs = metrics.cohen_kappa_score(a, b)
        if ours is None:
            assert theirs != theirs or theirs == 0  # nan: undefined
        else:
            assert ours == pytest.approx(theirs, abs=1e-12)


def test_kappa_known_values_and_undefined_cases():
    # 20 items: 2x2 table [[7, 3], [2, 8]] -> po = .75, pe = .5 -> kappa = .5
    a = ["y"] * 10 + ["n"] * 10
    b = ["y"] * 7 + ["n"] * 3 + ["y"] * 2 + ["n"] * 8
    assert cohen_kappa(a, b) == pytest.approx((0.75 - 0.5) / 0.5)
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    assert cohen_kappa([], []) is None
    with pytest.raises(ValueError, match="labelled 2 and 1 items"):
        cohen_kappa(["a", "b"], ["a"])


def test_agreement_per_field_kappa_for_categorical_exact_for_others(codebook):
    first = {
        "s1": {
            "country": "Chile",
            "approach": ["cbt"],
            "objective": "Map  repair",
            "participants": 2,
        },
        "s2": {"country": "Canada", "approach": ["cbt", "psychodynamic"], "objective": "x"},
        "s3": {"country": "Chile", "approach": [], "participants": 5},
        "s4": {"country": "United States", "approach": ["integrative"]},
    }
    second = {
        "s1": {
            "country": "Chile",
            "approach": ["cbt"],
            "objective": "Map repair",
            "participants": 2,
        },
        "s2": {"country": "Chile", "approach": ["psychodynamic", "cbt"], "objective": "y"},
        "s3": {"country": "Chile", "approach": ["cbt"], "participants": 6},
    }
    by_field = {a.field: a for a in agreement(codebook, first, second)}
    country = by_field["country"]
    assert (country.studies, country.agreed, country.percent) == (3, 2, 66.7)
    assert country.kappa == pytest.approx(
        cohen_kappa(["Chile", "Canada", "Chile"], ["Chile", "Chile", "Chile"])
    )
    approach = by_field["approach"]
    assert (approach.agreed, approach.items) == (2, 9)  # 3 studies x 3 choices
    objective = by_field["objective"]
    assert (objective.agreed, objective.percent, objective.kappa) == (2, 66.7, None)
    assert (by_field["participants"].agreed, by_field["participants"].studies) == (2, 3)


@pytest.mark.postgres
def test_the_charting_migration_goes_down_alone_and_up_again(store):
    from sqlalchemy import inspect

    assert "0004_charting" in store.revisions()
    store.downgrade("charting@-1")
    # other parts' branches (e.g. 0002_screening) stay; 0001 is a head only when none exist
    remaining = store.revisions()
    assert "0004_charting" not in remaining and remaining
    assert "charted_values" not in inspect(store.engine).get_table_names()
    store.upgrade()
    assert "charted_values" in inspect(store.engine).get_table_names()
