"""Estimate the dedup model that evimap ships (``src/evimap/dedup/model.json``).

Recipe: m probabilities from the gold duplicate groups of the bib-dedupe sets, u probabilities
from random record pairs, the prior from the gold pairs per record. Levels the gold sets cannot
inform (no DOIs or abstracts in three of the four sets; no duplicate with years two apart) get
the fixed values in :data:`FIXED`, chosen from what the fields mean:

- DOI: duplicates share it when both have one (m 0.95), random records never do (u 1e-7).
- abstract: duplicates mostly agree (exact 0.6, near 0.3), random records never do.
- year two or more apart: a duplicate almost never (m 1e-5); one year apart with different DOIs
  or document types (the conference paper and the journal article; this year's and last
  year's editorial): never (m 1e-5).
- titles beyond 30% edits apart: a duplicate rarely (m 0.001), and never when the first
  author, first page or document type differ too (m 1e-6) -- records whose titles disagree
  must not merge on a shared journal, volume and issue (abstracts in one supplement share them).
- DOIs differ (both present): rarely a duplicate (m 0.001).

Levels split by another field ("first pages differ, titles identical") get the u of the plain
level (0.99), not the u random pairs give them: random pairs almost never share a title, so
the sampled u would turn a contradiction into evidence for a match. Document types differ for
a third of random pairs across databases (u 0.3), whatever the gold sets (all articles) say.
- document types differ (article vs conference paper): rarely a duplicate (m 0.02); the
  conference paper and the later journal article are two reports.

Run from the repository root: ``python benchmarks/estimate_dedup_model.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gold import SETS, GoldSet, load_gold  # noqa: E402
from evimap.dedup import linkage  # noqa: E402
from evimap.dedup.engine import Engine, get_engine  # noqa: E402
from evimap.dedup.normalise import keys_table  # noqa: E402

OFFSET = 1_000_000
"""Record ids of set ``i`` start at ``i * OFFSET`` so the sets can be stacked."""

# (comparison, level label) -> (m, u); None keeps the estimate.
FIXED: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("doi", "Exact match on doi"): (0.95, 1e-7),
    ("doi", "All other comparisons"): (0.001, 1.0),
    ("abstract", "Exact match on abstract"): (0.6, 1e-7),
    ("abstract", "Jaro-Winkler distance of abstract >= 0.9"): (0.3, 1e-5),
    ("abstract", "All other comparisons"): (0.1, 1.0),
    ("year", "All other comparisons"): (1e-5, None),
    ("year", "year within 1, but DOI or document type differ"): (1e-5, 0.05),
    ("page_start", "All other comparisons"): (None, 0.99),
    ("title", "titles differ, and first author, first page or document type too"): (1e-6, None),
    ("title", "All other comparisons"): (0.001, 0.99),
    ("doc_type", "All other comparisons"): (0.02, 0.3),
}


def apply_fixed(model: dict) -> dict:
    """Set the :data:`FIXED` m and u values in a saved model (in place; also returned)."""
    for comparison in model["splink"]["comparisons"]:
        name = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            fixed = FIXED.get((name, level.get("label_for_charts", "")))
            if fixed:
                m, u = fixed
                if m is not None:
                    level["m_probability"] = m
                if u is not None:
                    level["u_probability"] = u
    model["evimap"]["fixed_levels"] = [f"{c}: {lvl}" for c, lvl in FIXED]
    return model


def estimate_on(sets: list[str], engine: Engine) -> dict:
    """A model estimated on the named shared gold sets, with :data:`FIXED` applied."""
    return estimate_on_gold([load_gold(name) for name in sets], engine)


def estimate_on_gold(golds: list[GoldSet], engine: Engine) -> dict:
    """A model estimated on the given gold sets, with :data:`FIXED` applied."""
    keys = []
    clusters: dict[int, int] = {}
    sets = [gold.name for gold in golds]
    for index, gold in enumerate(golds):
        offset = index * OFFSET
        keys += keys_table([(rid + offset, record) for rid, record in gold.records])
        clusters.update({rid + offset: c + offset for rid, c in gold.clusters.items()})
    return apply_fixed(linkage.estimate(keys, clusters, engine, trained_on=list(sets)))


def main() -> int:
    with get_engine("duckdb") as engine:
        model = estimate_on(list(SETS), engine)
    target = linkage.default_model_path()
    target.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
