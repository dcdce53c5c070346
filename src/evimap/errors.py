"""Typed errors raised by evimap's core. The core never prints; the shells word these."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path


class EvimapError(Exception):
    """Base of every error evimap raises on purpose."""


@dataclass
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}" if where else f"line {self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}" if where else self.message


class ProtocolError(EvimapError):
    """The review protocol (review.toml) is missing or invalid; lists every problem at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ImportFormatError(EvimapError):
    """A file could not be read as any known export format, or one of its records is broken."""

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ):
        self.problem = Problem(message, str(file) if file else None, line, field)
        super().__init__(str(self.problem))

    @property
    def file(self) -> str | None:
        return self.problem.file

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def field(self) -> str | None:
        return self.problem.field


class UnknownFormat(ImportFormatError):
    """No importer recognises the file's content."""


class UnknownImport(EvimapError):
    """No imported file has this id; ``evimap imports REVIEW`` lists them."""

    def __init__(self, file_id: int, problem: str = ""):
        self.file_id = file_id
        super().__init__(
            problem or f"no imported file has id {file_id}; `evimap imports REVIEW` lists them"
        )


class NoReview(EvimapError):
    """The folder holds no review.toml; `evimap init DIR` creates one."""


class UnknownMember(EvimapError):
    """The name is not on the review's team (``[[screening.reviewers]]`` in review.toml); the
    message lists the team, or says how to add one."""


class NotPermitted(EvimapError):
    """The member's role does not allow this (e.g. a reviewer settling a conflict), or the
    member may not see what was asked while a stage is blind."""


class StageLocked(EvimapError):
    """A change to the set of screened records (dedup, its undo, removals) after records were
    assigned for screening; ``force=True`` (``--force``) moves the screening to the kept
    records."""


class ImportInUse(StageLocked):
    """An import's records are used by screening or charting; removing it needs ``force``."""

    def __init__(self, name: str, file_id: int, in_screening: int, charted: int):
        self.name, self.file_id = name, file_id
        self.in_screening, self.charted = in_screening, charted
        uses = []
        if in_screening:
            uses.append(f"{in_screening} are assigned or decided for screening")
        if charted:
            uses.append(f"{charted} are charted")
        super().__init__(
            f"import {file_id} ({name}) is in use: of its records, {' and '.join(uses)}; "
            "removing it voids their screening (logged) and removes those screening rows "
            "(charted values stay, unlinked). Use --force (force=True) to remove it anyway"
        )


class StoreError(EvimapError):
    """The store cannot be opened or is at a schema version this evimap does not know."""


@dataclass
class SkippedRecord:
    """A broken entry left out by --skip-bad, with where it was, why, and how many records its
    text held (more than one when a broken structure ran records together)."""

    file: str
    line: int
    reason: str
    field: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)
    records: int = 1


class CodebookError(EvimapError):
    """The charting codebook (codebook.toml) is missing or invalid; lists every problem at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ChartingError(EvimapError):
    """Charted values do not fit the codebook or the review's studies; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ReportError(EvimapError):
    """A report input (reported counts, paper numbers, recommendations) is missing or invalid."""


class SearchSyntaxError(EvimapError):
    """A search equation cannot be parsed; the message shows the equation with a caret.

    :param message: what is wrong.
    :param equation: the equation as given.
    :param position: 0-based character offset of the problem in ``equation``.
    :param syntax: the syntax it was read as (``wos``, ``scopus`` ...).
    """

    def __init__(self, message: str, equation: str, position: int, syntax: str = ""):
        self.message = message
        self.equation = equation
        self.position = max(0, min(position, len(equation)))
        self.syntax = syntax
        super().__init__(self.render())

    @property
    def column(self) -> int:
        """1-based column of the problem (on the equation's line)."""
        return self.position - self.equation.rfind("\n", 0, self.position)

    def render(self) -> str:
        """``message at column N`` then the equation's line and a caret under the position."""
        start = self.equation.rfind("\n", 0, self.position) + 1
        end = self.equation.find("\n", self.position)
        line = self.equation[start : end if end >= 0 else len(self.equation)]
        where = f" ({self.syntax} syntax)" if self.syntax else ""
        caret = " " * (self.position - start) + "^"
        return f"{self.message} at column {self.column}{where}\n  {line}\n  {caret}"


class SearchError(EvimapError):
    """A search equation is well-formed but cannot be run or written as asked."""


class CitationError(EvimapError):
    """Citation searching cannot go on: an unreadable reference source, nothing to chase, or
    an online service that cannot be reached."""


class AmbiguousSyntax(SearchError):
    """An equation's field codes belong to several database syntaxes (or to one evimap does not
    read), so its syntax cannot be told; ``candidates`` lists them, most codes first."""

    def __init__(self, message: str, candidates: list[str], markers: list[dict] | None = None):
        self.candidates = candidates
        self.markers = markers or []
        super().__init__(message)


class PrioritiseError(EvimapError):
    """A prioritisation setting or input that cannot be used (unknown model part, a training
    set without both classes, a missing optional extra...)."""
