"""Rayyan-style keyword highlighting: where the include and exclude words occur in a text.

A keyword matches whole words, case-insensitively; a trailing ``*`` truncates (``therap*``
matches therapy, therapist); a keyword with spaces matches the phrase with any whitespace.
Every shell (terminal, web) marks the same spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Span:
    """A keyword hit: ``text[start:end]`` matched ``keyword`` of list ``kind``."""

    start: int
    end: int
    kind: str
    """``include`` or ``exclude``."""
    keyword: str


@lru_cache(maxsize=256)
def _pattern(keyword: str) -> re.Pattern[str]:
    word = keyword.strip()
    truncated = word.endswith("*")
    word = word.rstrip("*").strip()
    body = r"\s+".join(re.escape(part) for part in word.split())
    tail = r"\w*" if truncated else r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{tail}", re.IGNORECASE)


def highlight(text: str, include: list[str], exclude: list[str]) -> list[Span]:
    """Non-overlapping keyword spans in ``text``, in order.

    Where hits overlap, the longer one wins (an exclude word on a tie).
    :param text: a title or abstract.
    :param include: keywords that suggest inclusion.
    :param exclude: keywords that suggest exclusion.
    """
    hits: list[Span] = []
    for kind, words in (("exclude", exclude), ("include", include)):
        for keyword in words:
            if not keyword.strip().rstrip("*").strip():
                continue
            for match in _pattern(keyword).finditer(text or ""):
                hits.append(Span(match.start(), match.end(), kind, keyword))
    chosen: list[Span] = []
    for span in sorted(hits, key=lambda s: (-(s.end - s.start), s.kind != "exclude", s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
