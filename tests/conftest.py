"""Shared fixtures: paths to the real data beside the checkout, and a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; the calling test is skipped when it is absent, or fails
    when EVIMAP_REQUIRE_SHARED_DATA is set (CI sets it, so real-data tests cannot vanish)."""
    import os

    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("EVIMAP_REQUIRE_SHARED_DATA"):
            pytest.fail(f"real data is required (EVIMAP_REQUIRE_SHARED_DATA) but missing: {path}")
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.fixture
def sqlite_store(tmp_path):
    """A migrated SQLite store in a temporary folder."""
    from evimap.store import open_store

    store = open_store(tmp_path / "review.db")
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throw-away PostgreSQL server for the whole test session.

    Skipped when PostgreSQL is not installed, unless EVIMAP_REQUIRE_POSTGRES is set (CI sets it,
    so a missing server fails loudly instead of skipping).
    """
    import os

    from tests import pg

    if not pg.available():
        if os.environ.get("EVIMAP_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (EVIMAP_REQUIRE_POSTGRES) but not installed")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    with pg.postgres_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _empty_postgres_databases_after_each_test():
    """Databases a test got from ``pg.fresh_database`` are emptied and reused when it ends, so
    the throw-away server does not grow with the number of tests (see tests/pg.py)."""
    from tests import pg

    mark = pg.handed_out()
    yield
    pg.release(mark)


_pg_counter = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A migrated store, once on SQLite and once on a real PostgreSQL: one test body, both."""
    from evimap.store import open_store

    if request.param == "sqlite":
        target = str(tmp_path / "review.db")
    else:
        from tests import pg

        server = request.getfixturevalue("postgres_url")
        target = pg.fresh_database(server, f"evimap_test_{next(_pg_counter)}")
    opened = open_store(target)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Argon2 with the cheapest parameters in tests (the default takes ~50 ms and 64 MiB per
    hash); production keeps argon2-cffi's defaults."""
    from argon2 import PasswordHasher, profiles

    from evimap.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
