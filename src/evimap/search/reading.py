"""An equation read: its syntax (given or detected), its query tree, and what to tell the user."""

from __future__ import annotations

from dataclasses import dataclass, field

from evimap.errors import SearchSyntaxError
from evimap.search.detect import Detection, choose_syntax
from evimap.search.syntax import get_syntax
from evimap.search.tree import Node


@dataclass
class Reading:
    """An equation parsed in the syntax it was read in.

    :param equation: the text as given.
    :param syntax: the syntax it was read in (``wos``, ``scopus`` ...).
    :param tree: the query tree.
    :param detection: what its field codes and operators said.
    :param given: the syntax the caller named, or ``None`` (detected).
    :param warnings: e.g. the detected syntax differs from the one given.
    """

    equation: str
    syntax: str
    tree: Node
    detection: Detection
    given: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def detected(self) -> str | None:
        """The syntax the field codes point to (``None`` for plain or ambiguous text)."""
        return self.detection.syntax

    def to_dict(self) -> dict:
        return {
            "syntax": self.syntax,
            "given": self.given,
            "detected": self.detected,
            "warnings": self.warnings,
        }


def read(equation: str, syntax: str | None = None) -> Reading:
    """Read ``equation``: detect its syntax unless ``syntax`` is given, then parse it.

    :param equation: the equation as pasted from a database.
    :param syntax: the syntax it is written in; ``None`` detects it from its field codes and
        operators (plain Boolean text is read as Web of Science syntax).
    :raises AmbiguousSyntax: when the syntax is not given and cannot be told.
    :raises SearchSyntaxError: when the equation cannot be parsed in that syntax, or holds a
        field code or operator of another syntax (named, with its position).
    """
    given = get_syntax(syntax).name if syntax else None
    chosen, detection, warnings = choose_syntax(equation, given)
    try:
        tree = get_syntax(chosen).parse(equation)
    except SearchSyntaxError as exc:
        if not warnings:
            raise
        message = f"{warnings[0]}; {exc.message}"
        raise SearchSyntaxError(message, exc.equation, exc.position, exc.syntax) from None
    return Reading(equation, chosen, tree, detection, given, warnings)
