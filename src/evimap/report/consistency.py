"""Every number a paper prints, next to the number evimap recomputes from the data.

``paper_numbers.toml`` has one ``[[number]]`` a printed number::

    [[number]]
    id = "design.quantitative.percent"
    section = "Results: Characteristics of included studies"
    quote = "two were quantitative studies (14.2%; ...)"
    what = { stat = "percent", field = "empirical_design", value = "quantitative",
             denominator = { article_type = "empirical" } }
    printed = 14.2
    expect = "differs"          # optional: the verdict the file's author expects
    note = "2 of 14 is 14.2857%, which rounds half-up to 14.3 ..."

``what`` says how to recompute it: ``stat`` is ``n`` (studies, optionally with
``field``/``value`` and a ``filter``), ``percent`` (that n over a ``denominator``: ``"all"`` or
a filter table), ``sum`` (of ``field`` or ``fields`` over the filtered studies), ``value`` (one
``study``'s ``field``), ``min``/``max`` (of ``field``), ``distinct`` (distinct values of
``field``) or ``reported`` (the PRISMA box of reported count ``key``, computed from the event
log).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from evimap.charting.store import Study
from evimap.errors import Problem, ReportError
from evimap.numbers import percent
from evimap.report.prisma import PrismaCounts
from evimap.synthesis.tables import as_labels, study_value
from evimap.tomlfile import load_toml

STATS = ("n", "percent", "sum", "value", "min", "max", "distinct", "reported")
MATCH = "match"
DIFFERS = "differs"


@dataclass(frozen=True)
class PaperNumber:
    """One printed number and how to recompute it."""

    id: str
    section: str
    quote: str
    what: dict[str, Any]
    printed: float | int
    expect: str = ""
    note: str = ""


@dataclass
class Check:
    """A printed number beside the recomputed one.

    :param number: the printed number.
    :param computed: what evimap computes (``None`` when it cannot).
    :param verdict: ``match`` or ``differs``.
    :param exact: the unrounded recomputed value (percentages), for the explanation.
    :param explanation: why it differs (from the file's note, else generated).
    """

    number: PaperNumber
    computed: float | int | None
    verdict: str
    exact: float | None = None
    explanation: str = ""
    how: str = ""

    @property
    def as_expected(self) -> bool:
        """The verdict is the one the numbers file expects (or it expects none)."""
        return not self.number.expect or self.number.expect == self.verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON/CSV-ready."""
        return {
            "id": self.number.id,
            "section": self.number.section,
            "quote": self.number.quote,
            "printed": self.number.printed,
            "computed": self.computed,
            "verdict": self.verdict,
            "expected": self.number.expect,
            "how": self.how,
            "explanation": self.explanation,
        }


@dataclass
class Consistency:
    """All checks of a paper's numbers."""

    checks: list[Check] = field(default_factory=list)

    @property
    def matches(self) -> int:
        return sum(c.verdict == MATCH for c in self.checks)

    @property
    def differences(self) -> list[Check]:
        return [c for c in self.checks if c.verdict == DIFFERS]

    @property
    def unexpected(self) -> list[Check]:
        return [c for c in self.checks if not c.as_expected]


def load_paper_numbers(path: str | Path) -> list[PaperNumber]:
    """Read paper_numbers.toml.

    :param path: the file.
    :raises ReportError: naming file and number for every problem.
    """
    path = Path(path)
    data = load_toml(path, lambda problem: ReportError(str(problem)))
    problems = []
    out = []
    seen = set()
    for i, entry in enumerate(data.get("number") or []):
        where = f"number[{i}] {entry.get('id', '')}".strip()
        what = entry.get("what")
        printed = entry.get("printed")
        if not isinstance(what, dict) or what.get("stat") not in STATS:
            problems.append(
                str(Problem(f"what.stat must be one of {', '.join(STATS)}", str(path), field=where))
            )
            continue
        if not isinstance(printed, int | float):
            problems.append(str(Problem("printed must be a number", str(path), field=where)))
            continue
        if entry.get("id") in seen:
            problems.append(str(Problem("id is used twice", str(path), field=where)))
        seen.add(entry.get("id"))
        out.append(
            PaperNumber(
                entry.get("id", where),
                entry.get("section", ""),
                entry.get("quote", ""),
                what,
                printed,
                entry.get("expect", ""),
                entry.get("note", ""),
            )
        )
    if problems:
        raise ReportError("\n".join(problems))
    return out


def _matches(study: Study, wanted: dict[str, Any]) -> bool:
    for name, value in wanted.items():
        have = as_labels(study_value(study, name))
        wanted_values = value if isinstance(value, list) else [value]
        if not any(str(v) in have for v in wanted_values):
            return False
    return True


def _selected(studies: Sequence[Study], what: dict[str, Any]) -> list[Study]:
    chosen = [s for s in studies if _matches(s, what.get("filter") or {})]
    if "field" in what and "value" in what:
        chosen = [s for s in chosen if _matches(s, {what["field"]: what["value"]})]
    elif "field" in what and what.get("stat") == "n":
        chosen = [s for s in chosen if study_value(s, what["field"]) not in (None, [], "")]
    return chosen


def _numbers(studies: Sequence[Study], names: Sequence[str]) -> list[float]:
    out = []
    for study in studies:
        for name in names:
            value = study_value(study, name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append(value)
    return out


def recompute(
    what: dict[str, Any],
    studies: Sequence[Study],
    prisma: PrismaCounts | None = None,
    box_of: Callable[[str], str | None] | None = None,
) -> tuple[float | int | None, float | None, str]:
    """The number ``what`` describes: ``(value, exact unrounded value, how)``.

    :param what: the recipe (see the module docstring).
    :param studies: the charted included studies.
    :param prisma: the review's PRISMA counts (for ``reported``).
    :param box_of: the PRISMA box of a reported-count key.
    """
    stat = what["stat"]
    if stat == "n":
        chosen = _selected(studies, what)
        return len(chosen), None, f"{len(chosen)} studies"
    if stat == "percent":
        chosen = _selected(studies, what)
        denominator = what.get("denominator", "all")
        base = (
            len(studies)
            if denominator == "all"
            else len([s for s in studies if _matches(s, denominator)])
        )
        exact = len(chosen) * 100 / base if base else None
        return percent(len(chosen), base), exact, f"{len(chosen)}/{base}"
    if stat == "sum":
        names = what.get("fields") or [what["field"]]
        chosen = [s for s in studies if _matches(s, what.get("filter") or {})]
        values = _numbers(chosen, names)
        total = sum(values)
        return total, None, f"sum of {' + '.join(names)} over {len(chosen)} studies"
    if stat == "value":
        study = next((s for s in studies if s.key == what.get("study")), None)
        if study is None:
            return None, None, f"no study {what.get('study')!r}"
        return study_value(study, what["field"]), None, f"{what['study']}.{what['field']}"
    if stat in ("min", "max"):
        values = _numbers(studies, [what["field"]])
        if not values:
            return None, None, "no values"
        return (min(values) if stat == "min" else max(values)), None, f"{stat} of {what['field']}"
    if stat == "distinct":
        labels = {label for s in studies for label in as_labels(study_value(s, what["field"]))}
        return len(labels), None, f"distinct values of {what['field']}"
    # reported: a PRISMA box computed from the event log
    key = what.get("key", "")
    box = (box_of(key) if box_of else None) or key
    value = prisma[box] if prisma is not None else None
    source = prisma.source.get(box, "unknown") if prisma is not None else "no PRISMA counts"
    return value, None, f"PRISMA box {box} ({source})"


def _at_precision(exact: float, printed: float | int) -> float:
    """``exact`` rounded half-up to as many decimals as ``printed`` shows."""
    text = repr(float(printed)) if isinstance(printed, float) else str(printed)
    places = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    step = Decimal(1).scaleb(-places)
    return float(Decimal(str(exact)).quantize(step, rounding=ROUND_HALF_UP))


def check_numbers(
    numbers: Sequence[PaperNumber],
    studies: Sequence[Study],
    prisma: PrismaCounts | None = None,
    box_of: Callable[[str], str | None] | None = None,
) -> Consistency:
    """Recompute every printed number and compare.

    A percentage matches when the recomputed one, rounded half-up to the decimals the paper
    prints, equals the printed one (so 48% matches 12/25 = 48.0%, and 14.2% does not match
    2/14 = 14.2857%, which rounds to 14.3%).

    :param numbers: the printed numbers.
    :param studies: the charted included studies.
    :param prisma: the PRISMA counts computed from the event log.
    :param box_of: maps a reported-count key to its PRISMA box.
    """
    checks = []
    for number in numbers:
        value, exact, how = recompute(number.what, studies, prisma, box_of)
        if value is None:
            verdict = DIFFERS
        elif exact is not None:
            verdict = MATCH if _at_precision(exact, number.printed) == number.printed else DIFFERS
        else:
            verdict = MATCH if float(value) == float(number.printed) else DIFFERS
        explanation = ""
        if verdict == DIFFERS:
            explanation = number.note or _explain(number, value, exact)
        checks.append(Check(number, value, verdict, exact, explanation, how))
    return Consistency(checks)


def _explain(number: PaperNumber, value: Any, exact: float | None) -> str:
    if value is None:
        return "evimap cannot recompute this number from the data."
    if exact is not None:
        return (
            f"the exact value is {exact:.4f}%, which rounds half-up to {value}%; "
            f"the paper prints {number.printed}%."
        )
    return f"the data give {value}; the paper prints {number.printed}."


def consistency_markdown(result: Consistency, title: str = "Consistency with the paper") -> str:
    """``consistency.md``: every printed number, the recomputed one, the verdict, and for each
    difference its explanation."""
    n = len(result.checks)
    lines = [
        f"# {title}",
        "",
        f"{n} numbers printed in the paper, each recomputed from the charted data and the event "
        f"log by evimap's synthesis engine: {result.matches} match, "
        f"{len(result.differences)} differ.",
        "",
        "Percentages are recomputed half-up to one decimal and compared at the precision the "
        "paper prints.",
        "",
    ]
    if result.unexpected:
        lines += [
            f"**{len(result.unexpected)} verdict(s) differ from what paper_numbers.toml expects:** "
            + ", ".join(c.number.id for c in result.unexpected),
            "",
        ]
    lines += [
        "| id | section | printed | recomputed | verdict | how |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for check in result.checks:
        computed = "—" if check.computed is None else _fmt(check.computed)
        lines.append(
            f"| {check.number.id} | {_md(check.number.section)} | {_fmt(check.number.printed)} "
            f"| {computed} | {check.verdict} | {_md(check.how)} |"
        )
    if result.differences:
        lines += ["", "## Differences explained", ""]
        for check in result.differences:
            lines += [
                f"- **{check.number.id}** ({_md(check.number.section)}): the paper prints "
                f"{_fmt(check.number.printed)} (“{_md(check.number.quote)}”); recomputed "
                f"{'—' if check.computed is None else _fmt(check.computed)}. "
                f"{_md(check.explanation)}",
            ]
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _md(text: str) -> str:
    return " ".join(str(text).replace("|", "\\|").split())
