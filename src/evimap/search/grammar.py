"""Lark grammars for search equations, built per syntax from one skeleton, and the transformer
that turns a parse tree into a query tree (:mod:`evimap.search.tree`).

Each syntax gives its operators from loosest to tightest binding (its precedence), how it tags
fields (a prefix ``TS=``/``TI ``, a function ``TITLE-ABS-KEY(...)``, a suffix ``.ti,ab.`` or
``[tiab]``), and what two words side by side mean (AND, or a phrase in Ovid). The grammar is
LALR, so a parse is fast and an error has one exact position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from evimap.errors import SearchSyntaxError
from evimap.search.detect import check_foreign
from evimap.search.tree import And, Near, Node, Or, Phrase, Term, Year, with_fields

_END = r"(?=[\s()\"]|$)"
IMPLICIT = "IMPLICIT"


def op(word: str, suffix: str = "") -> str:
    """A case-insensitive operator regex that must end at a space, a bracket or the end."""
    return rf"/\b{word}{suffix}{_END}/i"


@dataclass
class GrammarSpec:
    """What one syntax's grammar is made of.

    :param levels: operator terminal names per precedence level, loosest first; ``IMPLICIT``
        marks the level where two operands side by side combine.
    :param ops: terminal name -> regex of each operator.
    :param juxtapose: ``"and"`` (two words side by side are ANDed) or ``"phrase"`` (Ovid).
    :param word: regex of a bare word.
    :param prefix: regex of a field prefix (``TS=``, ``TI ``) applying to the next operand.
    :param func: regex of a field function opening (``TITLE-ABS-KEY(``).
    :param suffix: regex of a field suffix (``.ti,ab.``, ``[tiab]``).
    :param extra: more atom terminals (name -> regex), turned into nodes by ``atom_hook``.
    """

    levels: list[list[str]]
    ops: dict[str, str]
    juxtapose: str = "and"
    word: str = r'/[^\s()"]+/'
    phrase: str = r'/"[^"]*"/'
    prefix: str | None = None
    func: str | None = None
    suffix: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def build_grammar(spec: GrammarSpec) -> str:
    """The lark grammar text for ``spec``."""
    lines = ["start: expr", "?expr: l0"]
    n = len(spec.levels)
    for i, names in enumerate(spec.levels):
        nxt = f"l{i + 1}" if i + 1 < n else "unary"
        alts = [nxt]
        binops = [name for name in names if name != IMPLICIT]
        if binops:
            alts.append(f"l{i} ({' | '.join(binops)}) {nxt} -> binop")
        if IMPLICIT in names:
            alts.append(f"l{i} {nxt} -> implicit")
        lines.append(f"?l{i}: " + "\n    | ".join(alts))
    unary = ["atom"]
    if spec.prefix:
        unary.append("PREFIX unary -> prefixed")
    lines.append("?unary: " + " | ".join(unary))
    atoms = ['"(" expr ")"', "WORD -> word", "PHRASE -> phrase"]
    if spec.func:
        atoms.append('FUNC expr ")" -> func')
    if spec.suffix:
        atoms.append("atom SUFFIX -> suffixed")
    atoms += [f"{name} -> extra" for name in spec.extra]
    lines.append("?atom: " + "\n    | ".join(atoms))
    for name, regex in spec.ops.items():
        lines.append(f"{name}.3: {regex}")
    for name, regex in spec.extra.items():
        lines.append(f"{name}.4: {regex}")
    if spec.prefix:
        lines.append(f"PREFIX.4: {spec.prefix}")
    if spec.func:
        lines.append(f"FUNC.4: {spec.func}")
    if spec.suffix:
        lines.append(f"SUFFIX.4: {spec.suffix}")
    lines.append(f"PHRASE.2: {spec.phrase}")
    lines.append(f"WORD.1: {spec.word}")
    lines.append("%import common.WS")
    lines.append("%ignore WS")
    return "\n".join(lines) + "\n"


class Hooks:
    """What a syntax decides while its parse tree becomes a query tree."""

    name = ""

    def fields_of(self, tag: Token) -> frozenset[str]:
        """Canonical fields of a prefix, function or suffix token."""
        raise NotImplementedError

    def word_text(self, text: str) -> str:
        """A word with the syntax's wildcards mapped to canonical ones (``*``, ``?``, ``$``)."""
        return text

    def binop(self, token: Token, left: Node, right: Node) -> Node:
        """The node an operator token makes."""
        raise NotImplementedError

    def extra(self, token: Token) -> Node:
        """The node of an extra atom terminal (e.g. Scopus ``PUBYEAR > 2009``)."""
        raise NotImplementedError

    def suffix_node(self, token: Token, node: Node) -> Node:
        """Apply a suffix token; default: a field tag."""
        return tag(node, self.fields_of(token), token)

    def prefix_node(self, token: Token, node: Node) -> Node:
        """Apply a prefix or function token; default: a field tag."""
        return tag(node, self.fields_of(token), token)

    def juxtapose(self, left: Node, right: Node, mode: str) -> Node:
        """Two operands side by side: ANDed, or (Ovid) one phrase."""
        if mode == "phrase":
            return _juxtapose(left, right) or And((left, right))
        return And((left, right))

    def finish(self, node: Node) -> Node:
        """The whole query once built (for syntaxes that settle something at the end)."""
        return node


def error(message: str, token: Token | None, equation: str, syntax: str) -> SearchSyntaxError:
    pos = token.start_pos if token is not None and token.start_pos is not None else len(equation)
    return SearchSyntaxError(message, equation, pos, syntax)


# characters that are never part of a search word in any syntax evimap reads
_STRAY = re.compile(r"[=<>\[\]{}]")
_YEAR_TEXT = re.compile(r"^(\d{4})?\s*(?:[-:]\s*(\d{4})?)?$")


def tag(node: Node, fields: frozenset[str], token: Token | None = None) -> Node:
    """Apply a field tag to a parsed operand; a year tag turns ``2010-2020`` into a range."""
    if fields == frozenset({"year"}):
        return _as_year(node, token)
    return with_fields(node, fields)


def _as_year(node: Node, token: Token | None) -> Node:
    if isinstance(node, Year):
        return node
    if isinstance(node, Term):
        match = _YEAR_TEXT.match(node.text.strip())
        if match and (match.group(1) or match.group(2)):
            start = int(match.group(1)) if match.group(1) else None
            if "-" in node.text or ":" in node.text:
                end = int(match.group(2)) if match.group(2) else None
            else:
                end = start
            return Year(start, end, node.span)
    if isinstance(node, Or):
        return Or(tuple(_as_year(c, token) for c in node.items))
    raise _YearError(node, token)


class _YearError(Exception):
    def __init__(self, node: Node, token: Token | None):
        self.node = node
        self.token = token


class QueryBuilder(Transformer):
    """Parse tree -> query tree, asking the syntax's hooks for the syntax-specific parts."""

    def __init__(self, hooks: Hooks, spec: GrammarSpec, equation: str, keywords=()):
        super().__init__()
        self.hooks = hooks
        self.spec = spec
        self.equation = equation
        self.keywords = keywords

    def _fail(self, message: str, token: Token | None) -> SearchSyntaxError:
        return error(message, token, self.equation, self.hooks.name)

    def start(self, children):
        return children[0]

    @v_args(inline=True)
    def word(self, token: Token) -> Node:
        if any(k.fullmatch(str(token)) for k in self.keywords):
            raise self._fail(f"unexpected operator {str(token)!r}", token)
        raw = str(token)
        stray = _STRAY.search(raw)
        if stray or not any(c.isalnum() for c in raw) and raw.strip("*?$#"):
            bad = stray.group() if stray else raw
            raise self._fail(
                f"{bad!r} is not a search term nor a {self.hooks.name} operator or field code",
                token,
            )
        text = self.hooks.word_text(raw)
        return Term(text, None, (token.start_pos, token.end_pos))

    @v_args(inline=True)
    def phrase(self, token: Token) -> Node:
        inner = str(token)[1:-1]
        words = tuple(self.hooks.word_text(w) for w in inner.split())
        if not words:
            raise self._fail("empty phrase", token)
        span = (token.start_pos, token.end_pos)
        if len(words) == 1:
            return Term(words[0], None, span)
        return Phrase(words, None, span)

    @v_args(inline=True)
    def binop(self, left: Node, token: Token, right: Node) -> Node:
        try:
            return self.hooks.binop(token, left, right)
        except ValueError as exc:
            raise self._fail(str(exc), token) from None

    @v_args(inline=True)
    def implicit(self, left: Node, right: Node) -> Node:
        return self.hooks.juxtapose(left, right, self.spec.juxtapose)

    @v_args(inline=True)
    def prefixed(self, token: Token, node: Node) -> Node:
        return self._apply(self.hooks.prefix_node, token, node)

    @v_args(inline=True)
    def func(self, token: Token, node: Node) -> Node:
        return self._apply(self.hooks.prefix_node, token, node)

    def _apply(self, hook, token: Token, node: Node) -> Node:
        try:
            return hook(token, node)
        except _YearError:
            raise self._fail("a year field needs a year or a range like 2010-2020", token) from None
        except ValueError as exc:
            raise self._fail(str(exc), token) from None

    @v_args(inline=True)
    def suffixed(self, node: Node, token: Token) -> Node:
        return self._apply(self.hooks.suffix_node, token, node)

    @v_args(inline=True)
    def extra(self, token: Token) -> Node:
        try:
            return self.hooks.extra(token)
        except ValueError as exc:
            raise self._fail(str(exc), token) from None


def _words(node: Node) -> tuple[tuple[str, ...], frozenset[str] | None] | None:
    if isinstance(node, Term):
        return (node.text,), node.fields
    if isinstance(node, Phrase):
        return node.words, node.fields
    return None


def _juxtapose(left: Node, right: Node) -> Node | None:
    """Ovid: words side by side are a phrase (``rupture repair.ti.``)."""
    a, b = _words(left), _words(right)
    if a is None or b is None:
        return None
    if a[1] is not None and b[1] is not None and a[1] != b[1]:
        return None
    fields = a[1] if a[1] is not None else b[1]
    start = left.span[0] if left.span else None
    end = right.span[1] if right.span else None
    span = (start, end) if start is not None and end is not None else None
    return Phrase(a[0] + b[0], fields, span)


def check_balance(equation: str, syntax: str, quotes: str = '"') -> None:
    """Raise at the first unbalanced parenthesis or quote, with its position."""
    depth: list[int] = []
    in_quote: int | None = None
    for i, ch in enumerate(equation):
        if in_quote is not None:
            if ch == '"':
                in_quote = None
            continue
        if ch == '"' and '"' in quotes:
            in_quote = i
        elif ch == "(":
            depth.append(i)
        elif ch == ")":
            if not depth:
                raise SearchSyntaxError(
                    "closing parenthesis without an opening one", equation, i, syntax
                )
            depth.pop()
    if in_quote is not None:
        raise SearchSyntaxError("quote opened here is never closed", equation, in_quote, syntax)
    if depth:
        raise SearchSyntaxError(
            "parenthesis opened here is never closed", equation, depth[-1], syntax
        )


_QUOTES = {0x201C: '"', 0x201D: '"', 0x201E: '"', 0x00AB: '"', 0x00BB: '"'}


class Parser:
    """A compiled parser for one syntax."""

    def __init__(self, spec: GrammarSpec, hooks: Hooks):
        self.spec = spec
        self.hooks = hooks
        self.lark = Lark(build_grammar(spec), parser="lalr", lexer="contextual")
        # operator words where a term is expected are errors, not search words
        self.keywords = [_compile(regex) for regex in spec.ops.values()]

    def parse(self, equation: str) -> Node:
        """Parse ``equation``; raise :class:`SearchSyntaxError` with the position."""
        name = self.hooks.name
        # typographic quotes as papers print them (“rupture repair”) are plain quotes
        equation = equation.translate(_QUOTES)
        if not equation.strip():
            raise SearchSyntaxError("the equation is empty", equation, 0, name)
        check_balance(equation, name)
        check_foreign(equation, name)
        try:
            parsed = self.lark.parse(equation)
        except UnexpectedInput as exc:
            raise _syntax_error(exc, equation, name) from None
        try:
            built = QueryBuilder(self.hooks, self.spec, equation, self.keywords).transform(parsed)
            return self.hooks.finish(built)
        except Exception as exc:  # lark wraps transformer errors
            inner = getattr(exc, "orig_exc", exc)
            if isinstance(inner, SearchSyntaxError):
                raise inner from None
            raise


def _compile(regex: str) -> re.Pattern[str]:
    """A Python regex from a lark ``/pattern/flags`` literal (lookarounds dropped)."""
    body, _, flags = regex[1:].rpartition("/")
    body = body.replace("\\/", "/").replace("\\b", "")
    body = re.sub(r"\(\?=\[\\s\(\)\\\"\]\|\$\)$", "", body)
    return re.compile(body, re.I if "i" in flags else 0)


def _syntax_error(exc: UnexpectedInput, equation: str, syntax: str) -> SearchSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        return SearchSyntaxError(
            f"unexpected character {equation[exc.pos_in_stream]!r}",
            equation,
            exc.pos_in_stream,
            syntax,
        )
    if isinstance(exc, UnexpectedEOF):
        return SearchSyntaxError("the equation ends too early", equation, len(equation), syntax)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return SearchSyntaxError(
                "the equation ends where a term was expected", equation, len(equation), syntax
            )
        pos = token.start_pos if token.start_pos is not None else len(equation)
        if token.type in ("WORD", "PHRASE"):
            label = f"term {str(token)!r}"
        elif token.type in ("LPAR", "RPAR") or token.type.startswith("__ANON"):
            label = repr(str(token))
        else:
            label = f"operator {str(token)!r}"
        return SearchSyntaxError(f"unexpected {label}", equation, pos, syntax)
    return SearchSyntaxError(str(exc), equation, getattr(exc, "pos_in_stream", 0) or 0, syntax)


def near(left: Node, right: Node, distance: int, ordered: bool) -> Near:
    """A proximity node; its operands must be words, phrases or ORs of them."""
    for side in (left, right):
        if not _positional(side):
            raise ValueError("proximity operands must be words, phrases or ORs of them")
    return Near(left, right, distance, ordered)


def _positional(node: Node) -> bool:
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, Or):
        return all(_positional(c) for c in node.items)
    return False
