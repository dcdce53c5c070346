"""A throw-away PostgreSQL server for tests: initdb + pg_ctl on a free loopback port.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user in a
folder that user owns (in /dev/shm when it has a gigabyte free: the server's files never need
to outlive it). The server and its folder are removed afterwards.

Each test gets empty databases from :func:`fresh_database`; when the test ends, conftest calls
:func:`release`, which empties them again (drops their schemas and event triggers) and keeps
them for later tests. So the server holds as many databases as one test uses at once, not one
per test, and WAL is capped (``max_wal_size``): stopping and removing the server takes the
same time after 10 tests as after 1,000. (Before, every test left its database behind, and
removing the server's folder took about a second per test that used PostgreSQL.)
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_folder() -> str | None:
    """/dev/shm when it has room for the server (a container's default 64 MB has not)."""
    shm = Path("/dev/shm")
    try:
        return str(shm) if shutil.disk_usage(shm).free > 1 << 30 else None
    except OSError:
        return None


def available() -> bool:
    """True when initdb and pg_ctl are installed."""
    return bool(_bin("initdb") and _bin("pg_ctl"))


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server, yield a ``postgresql://`` URL of an empty database, then remove it."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError("PostgreSQL (initdb, pg_ctl) is not installed")
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="evimap-pg-", dir=_memory_folder()))
    data = base / "data"
    prefix: list[str] = []
    if as_root:
        shutil.chown(base, "postgres", "postgres")
        os.chmod(base, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        subprocess.run(
            prefix + [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            check=True,
            capture_output=True,
            env=env,
        )
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_wal_size=64MB -c min_wal_size=32MB"
        )
        subprocess.run(
            prefix
            + [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
            check=True,
            capture_output=True,
            env=env,
        )
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait(port)
        yield url
    finally:
        _pool.pop(url, None)
        if data.exists():
            subprocess.run(
                prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                env=env,
            )
        shutil.rmtree(base, ignore_errors=True)


def _wait(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not start on port {port}")


_handed: list[tuple[str, str]] = []
"""(server URL, database name) handed out by :func:`fresh_database` and not yet released."""
_pool: dict[str, list[str]] = {}
"""Server URL -> names of its empty databases, ready to hand out again."""


def _database_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


def fresh_database(url: str, name: str) -> str:
    """An empty database on the server at ``url``; return its URL.

    A database released by an earlier test is handed out again (empty); otherwise a new one
    named ``name`` is created.
    """
    import psycopg

    pool = _pool.setdefault(url, [])
    if name in pool:
        pool.remove(name)
    elif pool:
        name = pool.pop()
    else:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    _handed.append((url, name))
    return _database_url(url, name)


def handed_out() -> int:
    """How many databases are handed out (a mark for :func:`release`)."""
    return len(_handed)


def release(mark: int = 0) -> None:
    """Empty the databases handed out since ``mark`` and keep them for later tests; a database
    that cannot be emptied is dropped."""
    import psycopg

    while len(_handed) > mark:
        url, name = _handed.pop()
        try:
            with psycopg.connect(_database_url(url, name), autocommit=True) as connection:
                _empty(connection)
        except psycopg.Error:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            continue
        if url in _pool:
            _pool[url].append(name)


def _empty(connection) -> None:
    """Drop everything a test made in the connected database (as a new database is)."""
    connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    connection.execute("SET lock_timeout = '10s'")
    for (trigger,) in connection.execute("SELECT evtname FROM pg_event_trigger").fetchall():
        connection.execute(f'DROP EVENT TRIGGER "{trigger}"')
    schemas = connection.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
        "AND nspname <> 'information_schema'"
    ).fetchall()
    for (schema,) in schemas:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    connection.execute("CREATE SCHEMA public")
