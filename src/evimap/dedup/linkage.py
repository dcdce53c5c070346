"""Probabilistic linkage with Splink: comparisons, blocking rules, the shipped model, predict.

The model (Splink settings with m and u probabilities) was estimated once on the bib-dedupe
gold sets by ``scripts/estimate_dedup_model.py`` and ships as ``model.json`` beside this module,
so a small review links without training. A large review may re-estimate it by EM
(:func:`reestimate`). The prior (the chance that two random records match) is set for each run
from the number of records, keeping the expected number of duplicates per record of the
training data, so the same model is calibrated for 500 records and for a million.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa

from evimap.dedup.engine import Engine
from evimap.dedup.exact import Pair
from evimap.dedup.normalise import COLUMNS, Keys
from evimap.errors import EvimapError

SPLINK_RULE = "splink"
MIN_PRIOR_RECORDS = 1000
"""The prior of smaller reviews is that of a review of this many records."""
MODEL_FILE = "model.json"

SCHEMA = pa.schema(
    [(name, pa.int64() if name in ("unique_id", "year") else pa.string()) for name in COLUMNS]
)


class ModelError(EvimapError):
    """A dedup model file is missing or is not a model evimap wrote."""


def _jw(col: str, threshold: float) -> Any:
    import splink.comparison_level_library as cll

    return cll.JaroWinklerLevel(col, threshold)


def _custom(sql: str, label: str, null: bool = False) -> Any:
    import splink.comparison_level_library as cll

    level = cll.CustomLevel(sql, label, base_dialect_str="duckdb")
    if null:
        level.configure(is_null_level=True)
    return level


def _relative_edits(col: str, share: float) -> Any:
    """Edit distance at most ``share`` of the longer string."""
    sql = f"levenshtein({col}_l, {col}_r) <= {share} * greatest(length({col}_l), length({col}_r))"
    return _custom(sql, f"{col} edits <= {share:.0%} of length")


def comparisons() -> list[Any]:
    """The comparisons, each from most to least alike; the order is the model's layout."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def simple(col: str) -> Any:
        return cl.CustomComparison(
            [cll.NullLevel(col), cll.ExactMatchLevel(col), cll.ElseLevel()],
            output_column_name=col,
        )

    prefix = (
        "(length(title_l) >= 30 AND length(title_r) >= 30 AND "
        "(instr(title_l, title_r) > 0 OR instr(title_r, title_l) > 0))"
    )
    title = cl.CustomComparison(
        [
            cll.NullLevel("title"),
            cll.ExactMatchLevel("title"),
            _relative_edits("title", 0.05),
            _custom(prefix, "one title contains the other"),
            _relative_edits("title", 0.15),
            _relative_edits("title", 0.3),
            _custom(
                "first_author_l <> first_author_r OR page_start_l <> page_start_r "
                "OR doc_type_l <> doc_type_r",
                "titles differ, and first author, first page or document type too",
            ),
            cll.ElseLevel(),
        ],
        output_column_name="title",
    )
    authors = cl.CustomComparison(
        [
            cll.NullLevel("authors"),
            cll.ExactMatchLevel("authors"),
            _jw("authors", 0.92),
            _custom("first_author_l = first_author_r", "same first author"),
            _jw("first_author", 0.88),
            cll.ElseLevel(),
        ],
        output_column_name="authors",
    )
    year = cl.CustomComparison(
        [
            cll.NullLevel("year"),
            cll.ExactMatchLevel("year"),
            _custom(
                "abs(year_l - year_r) <= 1 AND (doi_l <> doi_r OR doc_type_l <> doc_type_r)",
                "year within 1, but DOI or document type differ",
            ),
            _custom("abs(year_l - year_r) <= 1", "year within 1"),
            cll.ElseLevel(),
        ],
        output_column_name="year",
    )
    journal = cl.CustomComparison(
        [
            _custom(
                "(journal_l IS NULL AND issn_l IS NULL) OR (journal_r IS NULL AND issn_r IS NULL)",
                "no source title or ISSN",
                null=True,
            ),
            _custom("journal_l = journal_r OR issn_l = issn_r", "same source title or ISSN"),
            cll.Or(
                _jw("journal", 0.85),
                _custom(
                    "length(journal_initials_l) >= 2 AND journal_initials_l = journal_initials_r",
                    "same source title initials",
                ),
            ),
            cll.ElseLevel(),
        ],
        output_column_name="journal",
    )
    abstract = cl.CustomComparison(
        [
            cll.NullLevel("abstract"),
            cll.ExactMatchLevel("abstract"),
            _jw("abstract", 0.9),
            cll.ElseLevel(),
        ],
        output_column_name="abstract",
    )
    pages = cl.CustomComparison(
        [
            cll.NullLevel("page_start"),
            cll.ExactMatchLevel("page_start"),
            _custom("page_digits_l = page_digits_r", "same first page digits"),
            _custom("title_l <> title_r", "first pages differ, and titles too"),
            cll.ElseLevel(),
        ],
        output_column_name="page_start",
    )
    notice = cl.CustomComparison(
        [cll.NullLevel("notice"), cll.ExactMatchLevel("notice"), cll.ElseLevel()],
        output_column_name="notice",
    )
    return [
        title,
        authors,
        year,
        journal,
        simple("volume"),
        simple("issue"),
        pages,
        notice,
        simple("doc_type"),
        simple("doi"),
        abstract,
    ]


def blocking_rules() -> list[Any]:
    """Equi-join rules: each compares only records sharing a key, so pairs grow near-linearly.

    Titles shorter than 20 characters have no title keys (``Editorial`` would pair thousands);
    records without a usable title meet through author, year, volume and page.
    """
    from splink import block_on

    return [
        block_on("doi"),
        block_on("title_start"),
        block_on("title_end"),
        block_on("first_author", "year", "page_start"),
        block_on("year", "volume", "page_start"),
        block_on("journal_initials", "volume", "page_start"),
        block_on("first_author", "year", "journal_initials"),
    ]


def settings(prior: float = 1e-4) -> Any:
    """Splink settings (untrained) for deduplicating one table of :class:`Keys`."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def default_model_path() -> Path:
    """Where the shipped model lives (package data)."""
    return Path(str(resources.files("evimap.dedup").joinpath(MODEL_FILE)))


def load_model(path: str | Path | None = None) -> dict[str, Any]:
    """A saved model: ``{"evimap": {...}, "splink": {...}}``.

    :param path: a model file; ``None`` for the shipped one.
    :raises ModelError: when the file is missing or not a model.
    """
    file = Path(path) if path else default_model_path()
    try:
        model = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{file}: no such dedup model file") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(model, dict) or "splink" not in model or "evimap" not in model:
        raise ModelError(f"{file}: not an evimap dedup model (needs 'evimap' and 'splink' keys)")
    return model


def prior_for(model: dict[str, Any], n_records: int) -> float:
    """The chance two random records match, for a review of ``n_records``.

    Keeps the training data's duplicate pairs per record: ``2 r / (n - 1)``. Reviews smaller
    than :data:`MIN_PRIOR_RECORDS` are scored as if they had that many records: a cautious
    prior, so that a handful of records never merge on weak evidence.
    """
    rate = float(model["evimap"]["duplicate_pairs_per_record"])
    n = max(n_records, MIN_PRIOR_RECORDS)
    return 2 * rate / (n - 1)


def _rows(keys: Sequence[Keys]) -> list[dict[str, Any]]:
    return [k.to_dict() for k in keys]


def settings_for(model: dict[str, Any], dialect: str, prior: float) -> dict[str, Any]:
    """Splink settings for one engine's SQL dialect, with the model's m and u probabilities.

    The comparisons and blocking rules are always built from code for the engine at hand (so
    DuckDB SQL never reaches Spark); the saved model contributes its parameters, level by level.
    """
    built = settings(prior).create_settings_dict(dialect)
    saved = model["splink"]["comparisons"]
    for comparison, trained in zip(built["comparisons"], saved, strict=True):
        levels = comparison["comparison_levels"]
        for level, known in zip(levels, trained["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if known.get(key) is not None:
                    level[key] = known[key]
    built["probability_two_random_records_match"] = prior
    return built


def _linker(keys: Sequence[Keys], model: dict[str, Any], engine: Engine) -> Any:
    from splink import Linker

    frame = engine.register(_rows(keys), SCHEMA)
    dialect = engine.api.sql_dialect.sql_dialect_str
    return Linker(frame, settings_for(model, dialect, prior_for(model, len(keys))), log_level=None)


def predict(
    keys: Sequence[Keys],
    engine: Engine,
    model: dict[str, Any] | None = None,
    min_probability: float = 0.5,
) -> list[Pair]:
    """Score candidate pairs; returns those at or above ``min_probability``.

    :param keys: comparison keys of the records.
    :param engine: where Splink runs.
    :param model: a model from :func:`load_model` (default: the shipped one).
    :param min_probability: the lowest match probability kept (the bottom of the review band).
    """
    if len(keys) < 2:
        return []
    model = model or load_model()
    linker = _linker(keys, model, engine)
    scored = linker.inference.predict(threshold_match_probability=min_probability)
    pairs = [
        Pair(
            int(r["unique_id_l"]), int(r["unique_id_r"]), SPLINK_RULE, float(r["match_probability"])
        )
        for r in engine.rows(scored)
    ]
    pairs.sort(key=lambda p: (p.key, -p.probability))
    return pairs


def estimate(
    keys: Sequence[Keys],
    clusters: dict[int, int],
    engine: Engine,
    trained_on: list[str],
    seed: int = 42,
) -> dict[str, Any]:
    """Estimate a model from records with known duplicate groups (the shipped model's recipe).

    m probabilities come from the labelled pairs, u probabilities from random pairs, and the
    prior from the labels' duplicate pairs per record.

    :param keys: comparison keys of the records.
    :param clusters: record id -> gold cluster id, for every record.
    :param engine: where Splink runs.
    :param trained_on: names of the data sets, kept in the model.
    :param seed: seed of the random sampling.
    """
    from splink import Linker

    rows = _rows(keys)
    for row in rows:
        row["cluster"] = clusters[row["unique_id"]]
    schema = SCHEMA.append(pa.field("cluster", pa.int64()))
    frame = engine.register(rows, schema)
    linker = Linker(frame, settings(), log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e5, seed=seed)
    linker.training.estimate_m_from_label_column("cluster")
    sizes: dict[int, int] = {}
    for cluster in clusters.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    pairs = sum(s * (s - 1) // 2 for s in sizes.values())
    splink_model = linker.misc.save_model_to_json()
    splink_model.pop("linker_uid", None)
    return {
        "evimap": {
            "format": 1,
            "trained_on": trained_on,
            "records": len(keys),
            "duplicate_pairs": pairs,
            "duplicate_pairs_per_record": pairs / max(1, len(keys)),
            "recipe": f"m from gold labels, u from random pairs (seed {seed})",
        },
        "splink": splink_model,
    }


def reestimate(
    keys: Sequence[Keys], engine: Engine, model: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Re-estimate m probabilities by EM on a large review's own records (u by sampling).

    :param keys: comparison keys of the review's records.
    :param engine: where Splink runs.
    :param model: the starting model (default: the shipped one).
    """
    from splink import block_on

    model = model or load_model()
    linker = _linker(keys, model, engine)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
    for rule in (block_on("title_start"), block_on("first_author", "year", "page_start")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_u_probabilities=True
        )
    splink_model = linker.misc.save_model_to_json()
    splink_model.pop("linker_uid", None)
    out = json.loads(json.dumps(model))
    out["splink"] = splink_model
    out["evimap"]["recipe"] += f"; m re-estimated by EM on {len(keys)} records"
    return out
