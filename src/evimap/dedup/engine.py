"""Where linkage runs: a small engine interface over Splink's database APIs.

DuckDB (embedded, in memory) is the default and needs nothing else. Spark runs the same
pipeline on a cluster or a local session; it is an optional extra (``pip install
evimap[spark]``) imported only when chosen. Linkage code talks to :class:`Engine` only, so no
engine name is ever tested there; engine SQL differences live in Splink's dialects.
"""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from evimap.errors import EvimapError


class EngineError(EvimapError):
    """A linkage engine cannot be started (for Spark: missing extra, no Java)."""


class Engine(ABC):
    """A place to run Splink. Subclasses provide the database API; the rest is shared.

    Use as a context manager, or call :meth:`close`.
    """

    name: str = ""
    label: str = ""

    def __init__(self) -> None:
        self._api: Any = None

    @abstractmethod
    def _make_api(self) -> Any:
        """Build Splink's database API for this engine."""

    @property
    def api(self) -> Any:
        """Splink's database API, built on first use."""
        if self._api is None:
            self._api = self._make_api()
        return self._api

    def register(self, rows: Sequence[dict[str, Any]], schema: pa.Schema) -> Any:
        """Hand a table of rows to the engine; returns Splink's dataframe of it.

        :param rows: one dict a row.
        :param schema: the table's Arrow schema (explicit, so all-null columns keep a type).
        """
        table = pa.Table.from_pylist(list(rows), schema=schema)
        return self.api.register(table)

    @staticmethod
    def rows(splink_frame: Any) -> list[dict[str, Any]]:
        """The rows of one of Splink's dataframes as dicts."""
        return splink_frame.as_record_list()

    def close(self) -> None:
        """Release what the engine holds (connections, sessions)."""
        self._api = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBEngine(Engine):
    """DuckDB in memory: the default, for reviews from hundreds to millions of records."""

    name = "duckdb"
    label = "DuckDB (embedded)"

    def _make_api(self) -> Any:
        from splink import DuckDBAPI

        return DuckDBAPI()


class SparkEngine(Engine):
    """Spark: a given session (a cluster), or a local one started on demand.

    :param session: an existing ``SparkSession`` whose ``spark.jars`` includes Splink's
        similarity jar; when ``None`` a local session is started with the jar and a checkpoint
        directory.
    :param cores: cores of the local session.
    """

    name = "spark"
    label = "Apache Spark"

    def __init__(self, session: Any = None, cores: int = 2):
        super().__init__()
        self._session = session
        self._owns_session = session is None
        self._cores = cores
        self._tmp: tempfile.TemporaryDirectory | None = None

    def _make_api(self) -> Any:
        try:
            from pyspark.sql import SparkSession
            from splink import SparkAPI
            from splink.backends.spark import similarity_jar_location
        except ImportError as exc:
            raise EngineError(
                f"the Spark engine needs pyspark: pip install evimap[spark] (missing: {exc.name})"
            ) from None
        if self._session is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="evimap-spark-")
            try:
                self._session = (
                    SparkSession.builder.master(f"local[{self._cores}]")
                    .appName("evimap-dedup")
                    .config("spark.jars", similarity_jar_location())
                    .config("spark.sql.shuffle.partitions", str(self._cores * 2))
                    .config("spark.default.parallelism", str(self._cores * 2))
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.memory", "2g")
                    .config("spark.sql.warehouse.dir", f"{self._tmp.name}/warehouse")
                    .config("spark.local.dir", f"{self._tmp.name}/local")
                    .getOrCreate()
                )
            except Exception as exc:  # no Java, port in use ...
                raise EngineError(f"cannot start a local Spark session: {exc}") from exc
            self._session.sparkContext.setLogLevel("ERROR")
            self._session.sparkContext.setCheckpointDir(f"{self._tmp.name}/checkpoints")
        return SparkAPI(
            spark_session=self._session,
            break_lineage_method="persist",
            num_partitions_on_repartition=self._cores * 2,
        )

    def close(self) -> None:
        if self._owns_session and self._session is not None:
            self._session.stop()
            self._session = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        super().close()


ENGINES: dict[str, type[Engine]] = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def get_engine(name: str | Engine | None = None) -> Engine:
    """An engine by name (``duckdb``, ``spark``); an :class:`Engine` is returned as is.

    :param name: the engine's name, or an engine, or ``None`` for DuckDB.
    :raises EngineError: for an unknown name (the valid ones are listed).
    """
    if isinstance(name, Engine):
        return name
    key = (name or "duckdb").lower()
    if key not in ENGINES:
        raise EngineError(f"no engine {name!r}; choose one of {', '.join(ENGINES)}")
    return ENGINES[key]()
