"""The Spark engine gives the same clusters as DuckDB on a gold set (a local Spark session)."""

from __future__ import annotations

import pytest
from benchmarks.gold import available, load_gold

from evimap.dedup.pipeline import deduplicate


def test_spark_gives_the_same_clusters_as_duckdb_on_a_gold_set():
    pytest.importorskip("pyspark")
    if not available("stroke"):
        pytest.skip("gold set not available beside the checkout")
    gold = load_gold("stroke", limit=300)
    duckdb = deduplicate(gold.records, engine="duckdb")
    spark = deduplicate(gold.records, engine="spark")
    assert spark.engine == "spark"
    assert duckdb.duplicates > 30
    assert spark.groups == duckdb.groups
    assert [p.key for p in spark.queued] == [p.key for p in duckdb.queued]
