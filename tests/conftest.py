"""Shared fixtures: paths to the real data beside the checkout, and a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; the calling test is skipped when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.fixture
def sqlite_store(tmp_path):
    """A migrated SQLite store in a temporary folder."""
    from evimap.store import open_store

    store = open_store(tmp_path / "review.db")
    yield store
    store.close()
