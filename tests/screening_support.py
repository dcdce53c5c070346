"""Helpers of the screening tests: a review folder with a screening team, records inserted
directly (no importer needed), and the review opened on SQLite or PostgreSQL."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from evimap.members import Member
from evimap.records import Record
from evimap.review import Review
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row

PROTOCOL = """
title = "Screening test review"
authors = ["A", "B", "P"]

[question]
population = "psychotherapy"
concept = "alliance rupture repair"
context = "any setting"

[search]
databases = ["Web of Science"]
equation = "rupture AND repair"
date = "2024-05"

[[criteria]]
code = "I1"
kind = "inclusion"
text = "About alliance ruptures or their repair"

[[criteria]]
code = "E1"
kind = "exclusion"
text = "Not psychotherapy"

[[criteria]]
code = "E2"
kind = "exclusion"
text = "Wrong publication type"

[screening]
maybe_advances = {maybe_advances}

[screening.title_abstract]
blind = {blind}

[screening.assignment]
pilot = {pilot}
seed = 7

[screening.highlight]
include = ["rupture*", "therapeutic alliance"]
exclude = ["rat", "mice"]

[[screening.reviewers]]
name = "A"

[[screening.reviewers]]
name = "B"

[[screening.reviewers]]
name = "P"
role = "arbiter"

[[screening.reviewers]]
name = "O"
role = "owner"
"""


def write_review(
    folder: Path, *, blind: bool = True, pilot: int = 0, maybe_advances: bool = False
) -> Path:
    """A review folder with the test protocol."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.toml").write_text(
        PROTOCOL.format(
            blind=str(blind).lower(), pilot=pilot, maybe_advances=str(maybe_advances).lower()
        ),
        encoding="utf-8",
    )
    return folder


def add_records(
    review: Review, records: list[Record], name: str = "fixture.csv", database: str = ""
) -> list[int]:
    """Insert records as if imported from one file (of ``database``); their ids in order."""
    from sqlalchemy import select

    from evimap.store.models import RecordRow

    with review.store.transaction() as session:
        source = SourceFile(
            name=name,
            path=name,
            sha256=hashlib.sha256(name.encode()).hexdigest(),
            format="csv",
            database=database,
            record_count=len(records),
        )
        session.add(source)
        session.flush()
        insert_rows(session, [record_to_row(r, source.id) for r in records])
        return list(
            session.scalars(
                select(RecordRow.id)
                .where(RecordRow.source_file_id == source.id)
                .order_by(RecordRow.id)
            )
        )


def small_records(n: int = 6) -> list[Record]:
    """``n`` plain records with source IDs S1.. and DOIs 10.1000/sN."""
    return [
        Record(
            title=f"Record {i}: repairing alliance ruptures in therapy",
            abstract=f"Abstract {i} about the therapeutic alliance; studies in rats were excluded.",
            year=2000 + i,
            doi=f"10.1000/s{i}",
            source_record_id=f"S{i}",
            line=i,
        )
        for i in range(1, n + 1)
    ]


_counter = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db(request, tmp_path):
    """A factory of empty database targets on the test's engine: SQLite files, or fresh
    PostgreSQL databases. Import it into a test module to run it on both engines."""

    def make() -> str:
        if request.param == "sqlite":
            return str(tmp_path / f"review{next(_counter)}.db")
        from tests import pg

        server = request.getfixturevalue("postgres_url")
        return pg.fresh_database(server, f"evimap_screening_{os.getpid()}_{next(_counter)}")

    return make


@pytest.fixture
def review_db(new_db):
    """One empty database target on the test's engine (SQLite and PostgreSQL)."""
    return new_db()


@pytest.fixture
def make_review(tmp_path, new_db):
    """Open a screening test review on the test's engine: ``make_review(blind=..., pilot=...)``;
    each review gets its own database."""
    opened: list[Review] = []

    def make(**options) -> Review:
        folder = write_review(tmp_path / f"review{len(opened)}", **options)
        review = Review.open(folder, db=new_db())
        opened.append(review)
        return review

    yield make
    for review in opened:
        review.close()


TEAM = {
    "A": Member("A", "reviewer"),
    "B": Member("B", "reviewer"),
    "P": Member("P", "arbiter"),
    "O": Member("O", "owner"),
}
"""The test protocol's team as members (the core checks them against review.toml)."""


def log_flow(review: Review):
    """The screening boxes of ``review.prisma()`` (replayed from the event log)."""
    return review.prisma().screening


def table_flow(review: Review):
    """The same boxes counted from the screening tables (the cross-check of the replay)."""
    from evimap.screening.config import ScreeningConfig
    from evimap.screening.prisma import screening_flow

    with review.store.read() as session:
        return screening_flow(session, ScreeningConfig.from_protocol(review.protocol))
