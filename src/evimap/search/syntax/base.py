"""What every database syntax shares: parsing through its grammar, and rendering a query tree
back into its own text with a warning for each feature the database lacks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lark import Token

from evimap.errors import SearchError, SearchSyntaxError
from evimap.search.detect import mask_quotes
from evimap.search.grammar import GrammarSpec, Hooks, Parser, near
from evimap.search.tree import (
    TOPIC,
    And,
    Heading,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    Year,
    common_fields,
    normalise,
    resolve_defaults,
)

_HISTORY_LINE = re.compile(r"^[ \t]*(?:#|S)?(\d+)(?:\.|\s)\s*\S", re.M)

FIELD_LABELS = {
    "title": "title",
    "abstract": "abstract",
    "keywords": "keywords",
    "subject": "subject headings",
    "author": "author",
    "source": "source title",
    "doi": "DOI",
    "year": "year",
}


@dataclass
class Rendered:
    """An equation written in one syntax, with what could not be said exactly."""

    syntax: str
    text: str
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"syntax": self.syntax, "text": self.text, "warnings": self.warnings}


class Syntax(Hooks):
    """One database's search syntax.

    Subclasses set ``name``, ``label``, ``spec`` (the grammar), ``tags`` (tag as written ->
    canonical fields, first spelling wins when rendering) and the rendering hooks.
    """

    name = ""
    label = ""
    spec: GrammarSpec
    tags: dict[str, frozenset[str]] = {}
    aliases: dict[str, frozenset[str]] = {}
    group_tags = True
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    wildcards = "*?$"

    # every field code of this database as written (supported or not), to refuse the ones
    # evimap cannot search by name instead of reading them as words
    codes: re.Pattern[str] | None = None
    # code key -> why it cannot be searched (limits, publication types ...)
    limits: dict[str, str] = {}

    @cached_property
    def parser(self) -> Parser:
        return Parser(self.spec, self)

    def parse(self, equation: str) -> Node:
        """The query tree of ``equation`` written in this syntax.

        :param equation: the equation text.
        :raises SearchSyntaxError: with the position of the problem.
        """
        self.check_codes(equation)
        return normalise(self.parser.parse(equation))

    def check_codes(self, equation: str) -> None:
        """Refuse, by name and position, a field code of this database that evimap cannot
        search (a language limit, a publication type ...) and numbered search-history lines.

        :raises SearchSyntaxError: at the code.
        """
        masked = mask_quotes(equation)
        line = _HISTORY_LINE.search(masked)
        if line is not None and "\n" in equation.strip():
            raise SearchSyntaxError(
                "this is a numbered search history (one search a line); evimap reads one "
                "equation: combine the lines into one with their operators and parentheses",
                equation,
                line.start(1),
                self.name,
            )
        if self.codes is None:
            return
        for m in self.codes.finditer(masked):
            key = self.tag_key(m.group())
            if key in self.tags or key in self.aliases or self.accepts(key):
                continue
            why = self.limits.get(key, "a field evimap cannot search")
            raise SearchSyntaxError(
                f"{m.group().strip()!r} is {why}; remove it (searchable: {self.searchable()})",
                equation,
                m.start(),
                self.name,
            )

    def accepts(self, key: str) -> bool:
        """A code outside ``tags`` that the syntax still reads (headings ...)."""
        return False

    def searchable(self) -> str:
        return ", ".join(self.tags)

    # ---- parsing hooks -------------------------------------------------------------------

    def fields_of(self, token: Token) -> frozenset[str]:
        key = self.tag_key(str(token))
        found = self.tags.get(key) or self.aliases.get(key)
        if found is None:
            raise ValueError(
                f"unknown field tag {str(token).strip()!r} (searchable: {self.searchable()})"
            )
        return found

    def tag_key(self, text: str) -> str:
        """The tag name inside a prefix/function/suffix token (``TS=`` -> ``TS``)."""
        return text.strip()

    def near_args(self, token: Token) -> tuple[int, bool] | None:
        """``(distance, ordered)`` when ``token`` is a proximity operator, else ``None``."""
        return None

    def binop(self, token: Token, left: Node, right: Node) -> Node:
        word = " ".join(str(token).upper().split())
        if word in ("AND",):
            return And((left, right))
        if word == "OR":
            return Or((left, right))
        if word in ("NOT", "AND NOT"):
            return Not(left, right)
        args = self.near_args(token)
        if args is not None:
            return near(left, right, *args)
        raise ValueError(f"operator {str(token)!r} is not supported")

    # ---- rendering -----------------------------------------------------------------------

    def render(self, node: Node, default_fields: frozenset[str] = TOPIC) -> Rendered:
        """Write ``node`` in this syntax.

        :param node: a query tree (from any syntax).
        :param default_fields: fields for leaves without a field tag (the protocol's).
        :raises SearchError: when a part cannot be written at all.
        """
        out = Rendered(self.name, "")
        tree = normalise(resolve_defaults(node, default_fields))
        out.text, _ = self._r(tree, None, out.warnings)
        out.warnings = list(dict.fromkeys(out.warnings))
        return out

    def warn(self, warnings: list[str], message: str) -> None:
        warnings.append(f"{self.label}: {message}")

    def _r(self, node: Node, inside: frozenset[str] | None, w: list[str]) -> tuple[str, bool]:
        """``(text, atomic)``; atomic text needs no parentheses as an operand."""
        if inside is None and self.group_tags and not isinstance(node, Term | Phrase | Year):
            fields = common_fields(node)
            tag = self.single_tag(fields, w) if fields else None
            if tag is not None:
                inner, _ = self._r(node, fields, w)
                return self.group(tag, inner), True
        if isinstance(node, Term | Phrase):
            return self._leaf(node, inside, w)
        if isinstance(node, Year):
            return self.year(node, w)
        if isinstance(node, Heading):
            return self.heading(node, w)
        if isinstance(node, And | Or):
            op = self.AND if isinstance(node, And) else self.OR
            parts = [self._operand(c, inside, w) for c in node.items]
            return f" {op} ".join(parts), False
        if isinstance(node, Not):
            a = self._operand(node.include, inside, w)
            b = self._operand(node.exclude, inside, w)
            return f"{a} {self.NOT} {b}", False
        if isinstance(node, Near):
            if inside is None and self.group_tags:
                fields = common_fields(node)
                if fields and self.single_tag(fields, w) is None:
                    # proximity holds within one field: one group per field, ORed
                    groups = [
                        self.group(t, self.near(node, fields, w)[0]) for t in self.cover(fields, w)
                    ]
                    return "(" + f" {self.OR} ".join(groups) + ")", True
            return self.near(node, inside, w)
        raise TypeError(f"unknown node {node!r}")

    def _operand(self, node: Node, inside: frozenset[str] | None, w: list[str]) -> str:
        text, atomic = self._r(node, inside, w)
        return text if atomic else f"({text})"

    def _leaf(self, node: Term | Phrase, inside, w: list[str]) -> tuple[str, bool]:
        core = self.leaf_text(node, w)
        if inside is not None and node.fields == inside:
            return core, True
        tags = self.cover(node.fields or TOPIC, w)
        texts = [self.tag_leaf(t, core) for t in tags]
        if len(texts) == 1:
            return texts[0], True
        return "(" + f" {self.OR} ".join(texts) + ")", True

    def leaf_text(self, node: Term | Phrase, w: list[str]) -> str:
        if isinstance(node, Term):
            return self.word(node.text, w)
        return '"' + " ".join(self.word(x, w) for x in node.words) + '"'

    def word(self, text: str, w: list[str]) -> str:
        """A word with canonical wildcards written in this syntax."""
        for ch in "*?$":
            if ch in text and ch not in self.wildcards:
                self.warn(w, f"has no {ch!r} wildcard; {text!r} written with '*' (broader)")
                text = text.replace(ch, "*")
        return text

    def single_tag(self, fields: frozenset[str], w: list[str]) -> str | None:
        """The one tag searching exactly ``fields``, if this syntax has it."""
        for tag, its in self.tags.items():
            if its == fields:
                return tag
        return None

    def cover(self, fields: frozenset[str], w: list[str]) -> list[str]:
        """Tags that together search exactly ``fields`` (warn about fields left out)."""
        single = self.single_tag(fields, w)
        if single is not None:
            return [single]
        chosen: list[str] = []
        covered: set[str] = set()
        for tag, its in sorted(self.tags.items(), key=lambda kv: -len(kv[1])):
            if its <= fields and not its <= covered:
                chosen.append(tag)
                covered |= its
        missing = fields - covered
        if missing:
            names = ", ".join(FIELD_LABELS[f] for f in sorted(missing))
            self.warn(w, f"cannot search {names}; left out")
        if not chosen:
            raise SearchError(f"{self.label} cannot search {', '.join(sorted(fields))}")
        return chosen

    # hooks each syntax fills in
    def tag_leaf(self, tag: str, core: str) -> str:
        raise NotImplementedError

    def group(self, tag: str, inner: str) -> str:
        raise NotImplementedError

    def near_op(self, node: Near, w: list[str]) -> str:
        raise NotImplementedError

    def near(self, node: Near, inside, w: list[str]) -> tuple[str, bool]:
        a = self._operand(node.left, inside, w)
        b = self._operand(node.right, inside, w)
        return f"{a} {self.near_op(node, w)} {b}", False

    def year(self, node: Year, w: list[str]) -> tuple[str, bool]:
        raise NotImplementedError

    def heading(self, node: Heading, w: list[str]) -> tuple[str, bool]:
        """A subject heading; default: the heading as a phrase in the subject field (warned)."""
        tag = self.single_tag(frozenset({"subject"}), w)
        self.warn(
            w,
            f"has no subject headings to match exactly; {node.text!r} is searched as a phrase "
            f"in {tag or 'the subject field'}"
            + (" (narrower headings not included)" if node.explode else ""),
        )
        return self.tag_leaf(tag, '"' + node.text + '"'), True

    def year_bounds(self, node: Year, w: list[str], low: int = 1800, high: int = 2100):
        """``(start, end)`` with open ends closed at ``low``/``high`` (and a warning)."""
        if node.start is None or node.end is None:
            self.warn(
                w, f"has no open year range; written as {node.start or low}-{node.end or high}"
            )
        return node.start or low, node.end or high
