"""The Spark engine gives the same clusters as DuckDB on a gold set (a local Spark session)."""

from __future__ import annotations

import os
import shutil

import pytest
from benchmarks.gold import available, load_gold

from evimap.dedup.pipeline import deduplicate


def test_spark_gives_the_same_clusters_as_duckdb_on_a_gold_set():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("CI"):
        pytest.skip("Spark needs Java (17+); CI must have it")
    if not available("stroke"):
        pytest.skip("gold set not available beside the checkout")
    gold = load_gold("stroke", limit=300)
    duckdb = deduplicate(gold.records, engine="duckdb")
    spark = deduplicate(gold.records, engine="spark")
    assert spark.engine == "spark"
    assert duckdb.duplicates > 30
    assert spark.groups == duckdb.groups
    assert [p.key for p in spark.queued] == [p.key for p in duckdb.queued]


def test_em_reestimation_on_a_review_gives_a_usable_model():
    from evimap.dedup import linkage
    from evimap.dedup.engine import DuckDBEngine
    from evimap.dedup.normalise import keys_table

    if not available("stroke"):
        pytest.skip("gold set not available beside the checkout")
    gold = load_gold("stroke", limit=300)
    keys = keys_table(gold.records)
    shipped = linkage.load_model()
    with DuckDBEngine() as engine:
        model = linkage.reestimate(keys, engine)
        pairs = linkage.predict(keys, engine, model, min_probability=0.998)
    assert "re-estimated by EM on 300 records" in model["evimap"]["recipe"]
    assert model["splink"]["comparisons"] != shipped["splink"]["comparisons"]
    truth = gold.true_pairs()
    found = {p.key for p in pairs}
    assert len(found & truth) >= 0.9 * len(found)
