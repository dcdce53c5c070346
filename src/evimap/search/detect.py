"""Which database syntax an equation is written in, from its field codes and operators.

Each *marker* is a field code or operator that some syntaxes have and others do not
(``TITLE-ABS-KEY(`` only Scopus, ``TS=`` only Web of Science, ``[tiab]`` only PubMed, ``.ti,ab.``
and ``adj3`` only Ovid, ``TI x`` prefixes and ``N3`` only EBSCOhost). A syntax is a candidate
when every marker found is valid in it; the equation's syntax is the one supported candidate
left. Markers of syntaxes that exclude each other make the equation ambiguous: evimap then
refuses and lists the candidates with what it saw of each. Markers inside quotes are not
markers (``"TS=..."`` is a phrase). An equation with no marker at all is plain Boolean text
(quotes, ``*``, AND/OR/NOT), which the Web of Science reader reads.

The same table tells a parser which codes belong to *other* syntaxes, so a code pasted from
another database is an error that names it instead of a word searched for
(:func:`foreign_markers`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from evimap.errors import AmbiguousSyntax, SearchSyntaxError

SUPPORTED = ("wos", "scopus", "ebsco", "ovid", "pubmed")
LABELS = {
    "wos": "Web of Science",
    "scopus": "Scopus",
    "ebsco": "EBSCOhost",
    "ovid": "Ovid",
    "pubmed": "PubMed",
    "embase.com": "Embase.com",
    "cochrane": "Cochrane Library",
    "proquest": "ProQuest",
}
# Platforms whose syntax evimap recognises (to say so) but does not read.
UNSUPPORTED = ("embase.com", "cochrane", "proquest")

_F = frozenset


@dataclass(frozen=True)
class MarkerRule:
    """A field code or operator, the syntaxes it is valid in, and what it is."""

    pattern: re.Pattern[str]
    syntaxes: frozenset[str]
    what: str


@dataclass(frozen=True)
class Marker:
    """One marker found in an equation."""

    text: str
    start: int
    end: int
    syntaxes: frozenset[str]
    what: str

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "syntaxes": sorted(self.syntaxes),
            "what": self.what,
        }


def _rule(regex: str, syntaxes: tuple[str, ...], what: str, flags: int = re.I) -> MarkerRule:
    return MarkerRule(re.compile(regex, flags), _F(syntaxes), what)


SCOPUS_CODES = (
    "TITLE-ABS-KEY-AUTH|TITLE-ABS-KEY|TITLE-ABS|TITLE|ABS|KEY|AUTHKEY|INDEXTERMS|AUTHOR-NAME|AUTH"
    "|AUTHFIRST|AUTHLASTNAME|SRCTITLE|EXACTSRCTITLE|DOI|ALL|AFFIL|AFFILCITY|AFFILCOUNTRY|AFFILORG"
    "|DOCTYPE|LANGUAGE|SUBJAREA|SRCTYPE|PUBSTAGE|OPENACCESS|LIMIT-TO|EXCLUDE|ISSN|ISBN"
    "|EXACTKEYWORD|FUND-SPONSOR|FUND-ACR|FUND-NO|REF|REFTITLE|REFAUTH|REFSRCTITLE|AU-ID"
    "|SOURCE-ID|AF-ID|PMID|CHEMNAME|CASREGNUMBER|ARTNUM|CONF|CONFNAME|EDITOR|PUBLISHER|VOLUME"
    "|ISSUE|PAGES|PUBDATETXT|SEQBANK|SEQNUMBER|TRADENAME|MANUFACTURER|CODEN|EID"
)
WOS_TAGS = (
    "TS|TI|AB|AK|KP|AU|AI|SO|DO|PY|WC|SU|DT|LA|OG|OO|AD|ALL|FO|FG|FT|FD|FPY|TMSO|UT|IS|CF|ED"
    "|OA|CU|CI|PS|ZP|SA|SG|GP|PMID|DOP|TASCA|TMAC|TMIC|IAP|PUBL|BN"
)
PUBMED_TAGS = (
    r"tiab|ti|ab|mh|mesh|mesh terms|mesh major topic|majr|mh:noexp|mesh:noexp|majr:noexp|tw"
    r"|text word|title/abstract|title|abstract|ot|other term|au|author|1au|lastau|fau|ta|journal"
    r"|jour|dp|pdat|publication date|edat|crdt|dcom|mhda|lr|pt|publication type|la|lang|language"
    r"|sb|filter|subset|nm|supplementary concept|sh|subheading|all fields|all|aid|doi|lid|pmid"
    r"|uid|ad|affiliation|ps|rn|si|gr|ip|vi|pg|is|so|book|ed|cois|ir|pa|pl|tt|sh:noexp"
    r"|tiab:~\d+|ti:~\d+|ab:~\d+|title/abstract:~\d+"
)
OVID_CODES = (
    "ti|ab|kw|kf|kp|sh|tw|mp|pt|hw|fs|af|au|jn|jx|yr|ot|nm|rn|sa|lg|ed|ep|dt|ip|vo|pg|id|ui|do|ab"
    "|tn|dq|dm|mf|ja|cc|px|rw|ps|sy|os|an|gs|tx|tc|ct|is|ia|bt|fx|hw|ds"
)
EBSCO_CODES = "TI|AB|SU|KW|DE|MH|MM|MW|TX|ZC|ZU|SO|AU|AF|PT|LA|DI|DT"

RULES: list[MarkerRule] = [
    # --- Scopus ----------------------------------------------------------------------------
    _rule(rf"\b(?:{SCOPUS_CODES})\s*\(", ("scopus",), "Scopus field code"),
    _rule(r"\bPUBYEAR\s*(?:>|<|=|AFT\b|BEF\b|IS\b)", ("scopus",), "Scopus year limit"),
    _rule(r"\bPUBYEAR\b", ("scopus",), "Scopus year field"),
    _rule(r"\b(?:W|PRE)/\d+\b", ("scopus",), "Scopus proximity operator"),
    # --- Web of Science ----------------------------------------------------------------------
    _rule(rf"(?<![\w.-])(?:{WOS_TAGS})\s*=", ("wos",), "Web of Science field tag"),
    _rule(
        r"\bNEAR/\d+\b", ("wos", "embase.com", "cochrane", "proquest"), "NEAR/n proximity operator"
    ),
    _rule(r"\bSAME\b", ("wos",), "Web of Science SAME operator", 0),
    # --- PubMed ----------------------------------------------------------------------------
    _rule(rf"\[(?:{PUBMED_TAGS})\](?!/)", ("pubmed",), "PubMed field tag"),
    # --- Ovid ------------------------------------------------------------------------------
    _rule(
        rf"\.(?:{OVID_CODES})(?:,(?:{OVID_CODES}))*\.(?=[\s)\]]|$)", ("ovid",), "Ovid field suffix"
    ),
    _rule(r"\badj\d*\b", ("ovid",), "Ovid ADJ proximity operator"),
    _rule(r"(?<![\w'\"])exp\s+\*?[^\s/()\"'][^/()\n\"']*/", ("ovid",), "Ovid exploded heading"),
    _rule(
        r"(?<![\w/'\"])\*?[A-Za-z][\w,'-]*(?: [\w,'-]+)*/(?:[a-z]{2}(?:,[a-z]{2})*)?(?=[\s)]|$)",
        ("ovid",),
        "Ovid subject heading",
    ),
    _rule(r"\b(?:or|and)/\d+(?:\s*[-,]\s*\d+)+", ("ovid",), "Ovid line combination"),
    _rule(r"\blimit\s+\d+\s+to\b", ("ovid",), "Ovid limit"),
    # --- EBSCOhost -------------------------------------------------------------------------
    _rule(
        rf"(?<![\w.=\[])(?:{EBSCO_CODES})\s+(?=[\"(\w])(?!(?:AND|OR|NOT)\b)",
        ("ebsco",),
        "EBSCOhost field code",
        0,
    ),
    _rule(rf"(?<![\w.=\[])(?:{EBSCO_CODES})\(", ("ebsco",), "EBSCOhost field code", 0),
    _rule(
        r"(?<=[\w*\"')?#$]\s)(?<!\bAND\s)(?<!\bOR\s)(?<!\bNOT\s)[NW]\d+(?=\s+[\w\"(*])",
        ("ebsco",),
        "EBSCOhost proximity operator",
        0,
    ),
    _rule(
        r"(?<![\w#])S\d+\s+(?:AND|OR|NOT)\b|\b(?:AND|OR|NOT)\s+S\d+\b",
        ("ebsco",),
        "EBSCOhost line reference",
        0,
    ),
    # --- platforms evimap recognises but does not read --------------------------------------
    _rule(
        r"'[^']+'/(?:exp|de|mj|syn|br|dd)\b|/(?:exp|mj|de)\b",
        ("embase.com",),
        "Embase.com Emtree term",
    ),
    _rule(r"\[[^\]]+\]/(?:lim|py|de|it)\b", ("embase.com",), "Embase.com limit"),
    _rule(
        r"(?<=[\w*\"')?])\s*:(?:ti|ab|kw|de|it|tn|dn|au|af|so|lnk)(?:,(?:ti|ab|kw|de|it|tn|dn))*\b",
        ("embase.com", "cochrane"),
        "Embase.com/Cochrane field suffix",
    ),
    _rule(r"\bMeSH descriptor:|\[mh\s*[\"^]", ("cochrane",), "Cochrane MeSH search"),
    _rule(r"\bNEXT(?:/\d+)?\b", ("embase.com", "cochrane"), "NEXT proximity operator", 0),
    _rule(
        r"\bnoft\(|\b(?:MAINSUBJECT|MESH|SU|TI|AB|DE)\.EXACT(?:\.EXPLODE)?\(",
        ("proquest",),
        "ProQuest field code",
    ),
]


def mask_quotes(text: str) -> str:
    """``text`` with the inside of double quotes and Scopus braces blanked (same length)."""
    out = list(text)
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote is not None:
            if ch == quote:
                quote = None
            else:
                out[i] = " "
        elif ch == '"':
            quote = '"'
        elif ch == "{":
            quote = "}"
    return "".join(out)


_QUOTES = {0x201C: '"', 0x201D: '"', 0x201E: '"', 0x00AB: '"', 0x00BB: '"'}


def find_markers(equation: str) -> list[Marker]:
    """Every field code and operator of the table found outside quotes, left to right.

    A span matched by one rule is not matched again by a later, weaker rule (``PUBYEAR >`` is
    one marker, not two).
    """
    text = mask_quotes(equation.translate(_QUOTES))
    found: list[Marker] = []
    taken: list[tuple[int, int]] = []
    for rule in RULES:
        for m in rule.pattern.finditer(text):
            start, end = m.start(), m.end()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append(Marker(m.group().strip(), start, end, rule.syntaxes, rule.what))
    found.sort(key=lambda m: m.start)
    return found


@dataclass
class Detection:
    """What the markers of an equation say about its syntax.

    :param syntax: the detected syntax, or ``None`` (no marker, or ambiguous, or a platform
        evimap does not read).
    :param candidates: syntaxes with markers, most markers first.
    :param markers: every marker found.
    """

    syntax: str | None
    candidates: list[str] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        """No field code or operator of any database: plain Boolean text."""
        return not self.markers

    @property
    def ambiguous(self) -> bool:
        return self.syntax is None and len(self.candidates) > 1

    def evidence(self, syntax: str, limit: int = 3) -> str:
        """``TITLE-ABS-KEY( at column 1, PUBYEAR > at column 80`` for one candidate."""
        seen: list[str] = []
        for m in self.markers:
            if syntax in m.syntaxes and len(seen) < limit:
                seen.append(f"{m.text} at column {m.start + 1}")
        return ", ".join(seen)

    def to_dict(self) -> dict:
        return {
            "syntax": self.syntax,
            "candidates": self.candidates,
            "markers": [m.to_dict() for m in self.markers],
        }


def detect(equation: str) -> Detection:
    """Detect the syntax of ``equation`` from its field codes and operators.

    :param equation: the equation as pasted.
    """
    markers = find_markers(equation)
    if not markers:
        return Detection(None)
    counts: Counter[str] = Counter()
    for m in markers:
        counts.update(m.syntaxes)
    ranked = [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    common = _F.intersection(*(m.syntaxes for m in markers))
    supported = [s for s in ranked if s in common and s in SUPPORTED]
    if len(supported) == 1:
        return Detection(supported[0], ranked, markers)
    if len(common) == 1:  # one platform, but not one evimap reads
        return Detection(None, [next(iter(common))], markers)
    return Detection(None, ranked, markers)


def label(syntax: str) -> str:
    """The database's name for a syntax key (``wos`` -> ``Web of Science``)."""
    return LABELS.get(syntax, syntax)


def choose_syntax(equation: str, given: str | None = None) -> tuple[str, Detection, list[str]]:
    """The syntax to read ``equation`` in, the detection, and warnings.

    Without ``given``, the detected syntax (plain text is read as Web of Science); with it,
    ``given`` wins and a warning says when the markers point elsewhere.

    :param equation: the equation.
    :param given: the syntax the user named (``--syntax``), canonical key.
    :raises AmbiguousSyntax: when nothing is given and the markers belong to several syntaxes,
        or to a platform evimap does not read.
    """
    found = detect(equation)
    warnings: list[str] = []
    if given is not None:
        if found.syntax is not None and found.syntax != given:
            warnings.append(
                f"the equation looks like {label(found.syntax)} syntax "
                f"({found.evidence(found.syntax)}) but is read as {label(given)} syntax, "
                f"as asked"
            )
        elif found.syntax is None and found.markers and given not in found.candidates:
            other = ", ".join(f"{label(c)} ({found.evidence(c)})" for c in found.candidates)
            warnings.append(
                f"the equation has codes of {other}, not of {label(given)} syntax as asked"
            )
        return given, found, warnings
    if found.syntax is not None:
        return found.syntax, found, warnings
    if found.plain:
        return "wos", found, warnings
    raise ambiguity_error(equation, found)


def ambiguity_error(equation: str, found: Detection) -> AmbiguousSyntax:
    """The error for an equation whose syntax cannot be told, listing the candidates."""
    if len(found.candidates) == 1 and found.candidates[0] in UNSUPPORTED:
        only = found.candidates[0]
        message = (
            f"the equation is written in {label(only)} syntax ({found.evidence(only)}), which "
            f"evimap does not read; write it in one of: {', '.join(SUPPORTED)}"
        )
    else:
        listed = "; ".join(f"{label(c)}: {found.evidence(c)}" for c in found.candidates)
        message = (
            "cannot tell which database syntax the equation is written in; it has codes of "
            f"several: {listed}. Give --syntax (one of {', '.join(SUPPORTED)})"
        )
    return AmbiguousSyntax(message, found.candidates, [m.to_dict() for m in found.markers])


def foreign_markers(equation: str, syntax: str) -> list[Marker]:
    """Markers in ``equation`` that are not valid in ``syntax`` (codes of other databases)."""
    return [m for m in find_markers(equation) if syntax not in m.syntaxes]


def check_foreign(equation: str, syntax: str) -> None:
    """Raise at the first field code or operator of another syntax, naming it.

    :raises SearchSyntaxError: with the marker's position.
    """
    foreign = foreign_markers(equation, syntax)
    if not foreign:
        return
    m = foreign[0]
    owners = " or ".join(label(s) for s in sorted(m.syntaxes, key=_order))
    hint = ""
    native = [s for s in sorted(m.syntaxes, key=_order) if s in SUPPORTED]
    if native:
        hint = f"; give --syntax {native[0]} (or no --syntax, to detect it)"
    what = m.what if m.what.startswith(owners) else f"{m.what} ({owners})"
    article = "an" if what[0].lower() in "aeiou" else "a"
    raise SearchSyntaxError(
        f"{m.text!r} is {article} {what}, not {label(syntax)} syntax{hint}",
        equation,
        m.start,
        syntax,
    )


def _order(syntax: str) -> int:
    keys = SUPPORTED + UNSUPPORTED
    return keys.index(syntax) if syntax in keys else len(keys)
