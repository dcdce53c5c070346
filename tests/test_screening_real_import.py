"""Decisions moved over onto records imported from a real export (van de Schoot 2017, Scopus
RIS, 363 records): Rayyan-style rows matched by the source record ID (the Scopus EID), and
DOI-only rows matched by DOI."""

from __future__ import annotations

import csv
import random
from collections import Counter

import pytest

from evimap.screening.errors import DecisionFileError
from tests.conftest import shared_data
from tests.screening_support import TEAM, log_flow, make_review, new_db, table_flow  # noqa: F401

TA = "title_abstract"
RIS = (
    "screening",
    "asreview+systematic-review-datasets",
    "datasets",
    "van_de_Schoot_2017",
    "raw",
    "schoot-lgmm-ptsd-included-1.ris",
)


def test_rayyan_ids_and_dois_match_imported_records(make_review, tmp_path):
    review = make_review()
    review.imports.add(shared_data(*RIS), member=TEAM["O"])
    records = list(review.records.iter())
    assert len(records) == 363
    rng = random.Random(17)
    votes = {rid: rng.choice(["Included", "Excluded"]) for rid, _ in records}
    rayyan = tmp_path / "rayyan.csv"
    with rayyan.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "title", "notes"])
        for rid, record in records:
            writer.writerow(
                [
                    record.source_record_id,
                    record.title,
                    f'RAYYAN-INCLUSION: {{"A"=>"{votes[rid]}"}}',
                ]
            )
    s = review.screening
    result = s.import_decisions(rayyan, TA, member=TEAM["A"])
    included = sum(1 for v in votes.values() if v == "Included")
    assert result.decisions == 363 and result.by_decision["include"] == included

    dois = Counter(r.doi.lower() for _, r in records if r.doi)
    shared = sorted(d for d, n in dois.items() if n > 1)
    assert len(shared) == 3  # the export holds three DOIs twice (not deduplicated here)
    with_doi = [(rid, r.doi) for rid, r in records if r.doi and dois[r.doi.lower()] == 1]
    by_doi = tmp_path / "b.csv"
    with by_doi.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["DOI", "decision"])
        for doi in [*(d for _, d in with_doi), shared[0]]:
            writer.writerow([f"https://doi.org/{doi.upper()}", "include"])
    with pytest.raises(DecisionFileError, match=r"b.csv:\d+: its DOI matches 2 records"):
        s.import_decisions(by_doi, TA, member=TEAM["B"])  # a row deciding two records: refused
    lines = by_doi.read_text(encoding="utf-8").splitlines()
    by_doi.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    result = s.import_decisions(by_doi, TA, member=TEAM["B"])
    assert result.decisions == len(with_doi) > 100
    flow = table_flow(review)
    agreed = sum(1 for rid, _ in with_doi if votes[rid] == "Included")
    assert flow.reports_sought == agreed
    assert flow.records_awaiting == 363 - agreed
    assert len(s.conflicts(TA, member=TEAM["P"])) == len(with_doi) - agreed
