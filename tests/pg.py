"""A throw-away PostgreSQL server for tests: initdb + pg_ctl on a free loopback port.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user in a
folder that user owns. The server and its folder are removed afterwards.
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
    base = Path(tempfile.mkdtemp(prefix="evimap-pg-"))
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
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
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


def fresh_database(url: str, name: str) -> str:
    """Create an empty database ``name`` on the server at ``url``; return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
