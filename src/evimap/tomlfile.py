"""Reading TOML files (protocol, codebook, report data) with errors that name file and line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evimap.errors import Problem

ErrorFactory = Callable[[Problem], Exception]


def toml_problem(exc: tomllib.TOMLDecodeError, file: str) -> Problem:
    """A TOML syntax error as a :class:`Problem` naming file and line."""
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column \d+\)", message)
    line = getattr(exc, "lineno", None) or (int(match.group(1)) if match else None)
    if match:
        message = message[: match.start()] + message[match.end() :]
    return Problem(f"not valid TOML: {message}", file=file, line=line)


def parse_toml(text: str, file: str, error: ErrorFactory) -> dict[str, Any]:
    """Parse TOML text; a syntax error is raised as ``error(problem)``.

    :param text: the TOML text.
    :param file: the file name errors give.
    :param error: builds the caller's typed error from the problem.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(toml_problem(exc, file)) from None


def load_toml(path: str | Path, error: ErrorFactory, missing: str = "no such file") -> dict:
    """Read a TOML file; a missing file or a syntax error is raised as ``error(problem)``.

    :param path: the file.
    :param error: builds the caller's typed error from the problem.
    :param missing: the message when the file is not there.
    """
    path = Path(path)
    if not path.is_file():
        raise error(Problem(missing, file=str(path)))
    return parse_toml(path.read_text(encoding="utf-8"), str(path), error)
