"""Where a store is: database URLs and bare SQLite paths, resolved against a base folder.

A store is a SQLite file or a PostgreSQL database. It is written as

- ``postgresql://user@host:port/dbname`` (or ``postgres://``, or ``postgresql+psycopg://``);
- ``sqlite:///PATH`` (a relative PATH after the three slashes) or ``sqlite:////ABSOLUTE/PATH``;
- a bare path, which is a SQLite file and must end in ``.db``, ``.sqlite`` or ``.sqlite3``, so
  that a mistyped URL (``postgres@host/db``, ``localhost:5432/db``) is an error, not a new
  empty store.

Relative SQLite paths are resolved from a base folder: the review folder for ``[store] url`` in
review.toml, the current directory for ``--db`` on the command line. Any other scheme is an
error.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from evimap.errors import StoreError

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
"""The file endings a bare path to a SQLite store must have."""

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
"""URL schemes read as PostgreSQL (through the psycopg 3 driver)."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


class StoreUrlError(StoreError):
    """A store URL or path that evimap cannot use (unknown scheme, not a SQLite file name)."""


def _help() -> str:
    return (
        "a store is postgresql://user@host/dbname, sqlite:///PATH, or a path to a SQLite file "
        f"ending in {', '.join(SQLITE_SUFFIXES)}"
    )


def store_url(target: str | Path, base: str | Path | None = None) -> str:
    """The SQLAlchemy URL of a store given as a URL or a bare SQLite path.

    :param target: a ``postgresql://`` or ``sqlite:///`` URL, or a path to a SQLite file.
    :param base: the folder relative SQLite paths are resolved from (default: the current
        directory).
    :raises StoreUrlError: for an unknown scheme, an in-memory SQLite URL, or a bare path
        without a SQLite file ending.
    """
    text = str(target).strip()
    if not text:
        raise StoreUrlError(f"the store URL is empty; {_help()}")
    root = Path(base) if base is not None else Path.cwd()
    match = _SCHEME.match(text)
    if match is None:
        path = Path(os.path.expanduser(text))
        if path.suffix.lower() not in SQLITE_SUFFIXES:
            raise StoreUrlError(f"{text!r} is neither a database URL nor a SQLite file; {_help()}")
        return _sqlite(root / path)
    scheme = match.group(1).lower()
    if not text[match.end() :].startswith("//"):
        raise StoreUrlError(
            f"{text!r} is not a URL ('{scheme}:' must be followed by //); {_help()}"
        )
    if scheme not in ("sqlite", *POSTGRES_SCHEMES):
        raise StoreUrlError(f"unknown store URL scheme {scheme!r} in {text!r}; {_help()}")
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StoreUrlError(f"{text!r} is not a valid store URL: {exc}") from None
    if scheme == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            raise StoreUrlError(
                f"{text!r} is an in-memory SQLite database, which would lose the review; {_help()}"
            )
        return _sqlite(root / os.path.expanduser(database), url)
    url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _sqlite(path: Path, url: URL | None = None) -> str:
    resolved = str(path.resolve())
    if url is None:
        return f"sqlite:///{resolved}"
    return url.set(database=resolved).render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL as :func:`store_url` returns it."""
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases)."""
    return Path(make_url(url).database or "") if is_sqlite(url) else None


def url_for_protocol(target: str, folder: str | Path) -> str:
    """How ``target`` (given on the command line) is written into review.toml's ``[store] url``.

    A SQLite file inside the review folder is written relative to it (the folder can move); one
    outside, as an absolute path. A PostgreSQL URL is written without its password: review.toml
    is kept under version control, and libpq reads passwords from ``~/.pgpass`` or
    ``PGPASSWORD``.

    :param target: the URL or path as given (relative paths from the current directory).
    :param folder: the review folder.
    """
    url = store_url(target)
    if is_sqlite(url):
        path = sqlite_path(url)
        assert path is not None
        try:
            return path.relative_to(Path(folder).resolve()).as_posix()
        except ValueError:
            return str(path)
    given = make_url(str(target).strip())
    without_password = URL.create(
        given.drivername, given.username, None, given.host, given.port, given.database, given.query
    )
    return without_password.render_as_string(hide_password=False)
