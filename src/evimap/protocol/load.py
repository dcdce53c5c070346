"""Read and validate review.toml; every problem is reported at once with file, key, expectation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evimap.errors import Problem, ProtocolError
from evimap.protocol.model import Protocol
from evimap.tomlfile import parse_toml

PROTOCOL_FILE = "review.toml"


def load_protocol(path: str | Path) -> Protocol:
    """Load a protocol from a review folder or a review.toml path.

    :param path: the review folder, or the TOML file itself.
    :raises ProtocolError: naming file, key and what was expected, for every problem found.
    """
    path = Path(path)
    file = path / PROTOCOL_FILE if path.is_dir() else path
    if not file.exists():
        raise ProtocolError(
            [Problem(f"no {PROTOCOL_FILE} here; create one with `evimap init`", file=str(file))]
        )
    return parse_protocol(file.read_text(encoding="utf-8"), str(file))


def parse_protocol(text: str, file: str = PROTOCOL_FILE) -> Protocol:
    """Validate protocol TOML text; ``file`` is only used in error messages."""
    data = parse_toml(text, file, lambda problem: ProtocolError([problem]))
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError([_problem(error, data, file, text) for error in exc.errors()]) from None


def _key(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """``criteria[2].code`` from pydantic's location tuple."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem(error: dict[str, Any], data: dict[str, Any], file: str, text: str) -> Problem:
    key = _key(error["loc"], data)
    kind = error["type"]
    if kind == "missing":
        message = "is missing"
    elif kind == "extra_forbidden":
        message = "is not a protocol key (a typo?)"
    else:
        got = error.get("input")
        message = error["msg"].removeprefix("Value error, ")
        if not isinstance(got, dict | list):
            message += f" (got {got!r})"
    leaf = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    line = _find_key_line(text, leaf) if leaf else None
    return Problem(message, file=file, line=line, field=key)


def _find_key_line(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(?:\[+)?\s*{re.escape(key)}\s*(?:=|\]])", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
