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
    line = key_line(text, error["loc"])
    return Problem(message, file=file, line=line, field=key)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in dotted.split("."))


def key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the key at pydantic location ``loc`` (``("screening", "full_text",
    "blind")``, ``("criteria", 2, "code")``) in TOML ``text``: the key inside its own table,
    not the first key of that name; else the line of the nearest table it is in.
    """
    want = tuple(loc)
    table: tuple[Any, ...] = ()
    counts: dict[tuple[Any, ...], int] = {}
    best: tuple[int, int] | None = None  # (matched length, line)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if '"' not in line else line
        header = _HEADER.match(stripped)
        if header:
            path = _parts(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(path, -1) + 1
                counts[path] = index
                table = (*path, index)
            else:
                table = _with_indexes(path, counts)
            path_here = table
        else:
            key = _KEY.match(stripped)
            if not key:
                continue
            path_here = (*table, *_parts(key.group(1)))
        if path_here == want:
            return number
        if want[: len(path_here)] == path_here and (best is None or len(path_here) > best[0]):
            best = (len(path_here), number)
    return best[1] if best else None


def _with_indexes(path: tuple[str, ...], counts: dict[tuple[Any, ...], int]) -> tuple[Any, ...]:
    """``[screening.reviewers.x]`` after ``[[screening.reviewers]]``: add the array index."""
    out: list[Any] = []
    for part in path:
        out.append(part)
        prefix = tuple(p for p in out if isinstance(p, str))
        if prefix in counts:
            out.append(counts[prefix])
    return tuple(out)
