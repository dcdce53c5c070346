"""Dedup parts that need no store: keys, exact passes, clusters, merge rule, removal rules."""

from __future__ import annotations

import sys

import pytest

from evimap.dedup.clusters import connected_components
from evimap.dedup.engine import EngineError, SparkEngine, get_engine
from evimap.dedup.exact import exact_pairs
from evimap.dedup.linkage import ModelError, load_model, prior_for
from evimap.dedup.merge import canonical_record
from evimap.dedup.normalise import coarse_type, journal_initials, keys_for, norm_title, page_start
from evimap.dedup.pipeline import deduplicate
from evimap.dedup.removals import apply_rules, removes
from evimap.errors import ProtocolError
from evimap.protocol import parse_protocol
from evimap.protocol.model import RemovalRule
from evimap.protocol.template import render_template
from evimap.records import Author, Record
from tests.test_dedup_store import base_protocol

TITLE = "Repairing alliance ruptures in cognitive behavioural therapy for depression"


def _r(title=TITLE, family="Safran", year=2011, **kw) -> Record:
    return Record(title=title, authors=[Author(family, "J.")], year=year, **kw)


def test_titles_normalise_case_accents_punctuation_and_language_tags():
    assert norm_title("Réparer l'alliance: une étude. [French]") == "reparer l alliance une etude"
    assert norm_title("Efficacy of batroxobin. [Chinese]") == norm_title("Efficacy of Batroxobin")


def test_keys_reduce_pages_journals_and_types_to_comparable_values():
    assert page_start("288-297") == "288" and page_start("S42") == "s42"
    assert page_start("No Pagination Specified") == ""
    assert journal_initials("nature reviews nephrology") == journal_initials("nat rev nephrol")
    assert coarse_type("Conference Paper") == coarse_type("inproceedings") == "conference"
    assert coarse_type("JOUR") == coarse_type("Journal Article") == "article"
    keys = keys_for(7, _r(doi="10.1000/X", pages="e1234", volume="12 (Suppl 1)"))
    got = (keys.unique_id, keys.doi, keys.page_start, keys.volume)
    assert got == (7, "10.1000/x", "e1234", "12")


def test_exact_passes_link_doi_then_title_year_first_author():
    keys = [
        keys_for(1, _r(doi="10.1000/a")),
        keys_for(2, _r(title=TITLE.upper(), doi="10.1000/A")),
        keys_for(3, _r()),
        keys_for(4, _r(year=2012)),
        keys_for(5, _r(pages="1-5")),
        keys_for(6, _r(pages="9-12")),
        keys_for(7, _r(title="Editorial")),
        keys_for(8, _r(title="Editorial")),
    ]
    pairs = {(p.key, p.rule) for p in exact_pairs(keys)}
    assert ((1, 2), "doi") in pairs
    assert ((1, 3), "title+year+first_author") in pairs
    assert not any(4 in key for key, _ in pairs)
    # Conflicting first pages never link exactly, not even through a record without pages.
    linked = [k for k, _ in pairs]
    assert ((1, 5) in linked) != ((1, 6) in linked) and (5, 6) not in linked
    # Short titles are left to linkage.
    assert not any(7 in key for key, _ in pairs)


def test_clusters_are_connected_components_with_singletons():
    groups = connected_components(range(1, 7), [(1, 2), (2, 3), (5, 6)])
    assert groups == [[1, 2, 3], [4], [5, 6]]


def test_canonical_record_keeps_the_most_complete_member_and_every_source():
    wos = _r(
        doi="10.1/a",
        pages="1-5",
        volume="3",
        source_database="Web of Science",
        source_record_id="WOS:1",
        keywords=["a"],
        subject_areas=["Psychology"],
    )
    scopus = _r(
        abstract="Longer abstract " * 5,
        source_database="Scopus",
        source_record_id="2-s2.0-1",
        keywords=["b", "a"],
        issn=["1234-5678"],
    )
    kept, record, sources = canonical_record([(2, scopus), (1, wos)], ["Scopus"])
    assert kept == 1  # most complete wins before database order
    assert record.doi == "10.1/a" and record.abstract.startswith("Longer abstract")
    assert record.keywords == ["a", "b"] and record.issn == ["1234-5678"]
    assert [s["source_record_id"] for s in sources] == ["WOS:1", "2-s2.0-1"]
    kept, _, _ = canonical_record(
        [(1, _r(source_database="Web of Science")), (2, _r(source_database="Scopus"))], ["Scopus"]
    )
    assert kept == 2  # a tie goes to the protocol's first database


def test_removal_rules_exclude_keep_and_ranges():
    field_rule = RemovalRule(reason="field", field="subject_areas", exclude=["Veterinary Sciences"])
    assert removes(field_rule, _r(subject_areas=["veterinary sciences"]))
    assert not removes(field_rule, _r(subject_areas=["Veterinary Sciences", "Psychology"]))
    assert not removes(field_rule, _r())  # no value, no removal
    any_rule = RemovalRule(reason="f", field="subject_areas", exclude=["Agriculture"], match="any")
    assert removes(any_rule, _r(subject_areas=["Agriculture", "Psychology"]))
    years = RemovalRule(reason="old", field="year", **{"from": 2000, "to": 2020})
    assert removes(years, _r(year=1999)) and removes(years, _r(year=2021))
    assert not removes(years, _r(year=2000)) and not removes(years, _r(year=None))
    ids = RemovalRule(reason="listed", field="id", exclude=["WOS:9"])
    removed = apply_rules(
        [years, ids], [(1, _r(year=1990), ["WOS:9"]), (2, _r(), ["WOS:9"]), (3, _r(), ["WOS:8"])]
    )
    assert [(r.record_id, r.reason) for r in removed] == [(1, "old"), (2, "listed")]


def test_protocol_dedup_and_removals_sections_have_defaults_and_checks():
    protocol = parse_protocol(render_template("T"))
    assert protocol.dedup.threshold == 0.998 and protocol.removals.rules == []
    bad = base_protocol("T") + (
        '\n[dedup]\nspeed = 1\n\n[[removals.rules]]\nreason = "x"\nfield = "year"\n'
    )
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(bad)
    text = str(caught.value)
    assert "dedup.speed" in text and "is not a protocol key" in text
    assert "give exactly one of exclude, keep, or from/to" in text
    band = base_protocol("T") + "\n[dedup]\nthreshold = 0.4\nreview_from = 0.6\n"
    with pytest.raises(ProtocolError, match="review_from must not be above threshold"):
        parse_protocol(band)


def test_engines_by_name_and_a_clear_message_without_pyspark(monkeypatch):
    with pytest.raises(EngineError, match="choose one of duckdb, spark"):
        get_engine("oracle")
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(EngineError, match=r"pip install evimap\[spark\]"):
        SparkEngine().api  # noqa: B018


def test_the_shipped_model_loads_and_scales_its_prior(tmp_path):
    model = load_model()
    assert model["evimap"]["trained_on"] and model["splink"]["comparisons"]
    assert prior_for(model, 100_000) < prior_for(model, 10_000) <= prior_for(model, 10)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ModelError, match="not an evimap dedup model"):
        load_model(tmp_path / "bad.json")


def test_pipeline_is_the_same_for_shuffled_input():
    titles = [
        TITLE,
        "Supervision and the therapeutic alliance: a qualitative study of trainees",
        "Lameness in working horses: a survey of farriers in rural districts",
        "Metacognitive strategy training after acute stroke: a pilot trial",
        "Complement factor H autoantibodies in atypical haemolytic uraemic syndrome",
        "Television assisted prompting for home swallowing exercises",
        "Cervical screening by HPV testing in women over thirty",
    ]
    records = []
    for i in range(1, 29):
        k = i % 7
        title = titles[k].upper() if i % 2 else titles[k] + "."
        records.append(
            (
                i,
                _r(
                    title=title,
                    family=f"Family{k}",
                    year=2000 + k,
                    pages=f"{10 * k + 1}-{10 * k + 9}",
                    source_title="Journal",
                ),
            )
        )
    forward = deduplicate(records)
    backward = deduplicate(list(reversed(records)))
    assert forward.groups == backward.groups
    assert len(forward.groups) == 7


def test_a_rejected_pair_stays_apart_even_through_other_records():
    records = [
        (i, _r(title=TITLE, family="Eubanks", year=2018, pages="1-9", source_title="Journal"))
        for i in range(1, 5)
    ]
    together = deduplicate(records)
    assert together.groups == [[1, 2, 3, 4]]
    apart = deduplicate(records, rejected=[(2, 1)])
    assert not any({1, 2} <= set(group) for group in apart.groups)
    assert sorted(len(group) for group in apart.groups) == [1, 3]
    # A reviewer's confirmation still merges (it is never refused).
    confirmed = deduplicate(records, rejected=[(1, 2)], confirmed=[(1, 2)])
    assert confirmed.groups == [[1, 2, 3, 4]]
