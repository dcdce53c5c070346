"""The charting codebook: typed fields, loaded from codebook.toml with errors naming file and key.

A codebook is a list of ``[[fields]]`` tables::

    [[fields]]
    name = "country"            # identifier used in charting files and the store
    label = "Country"           # how tables print it
    type = "single"             # single | multi | text | number | quotes
    group = "bibliographic"     # bibliographic (or bibliometric) | content
    choices = ["United States", "Canada"]   # single and multi only (optional: open list)
    description = "Country of the first author's affiliation"

``quotes`` fields hold a list of ``{text = "...", page = "12", section = "Results"}`` tables:
verbatim passages with where they are (page and/or section).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evimap.errors import ChartingError, CodebookError, Problem
from evimap.tomlfile import parse_toml

FIELD_TYPES = ("single", "multi", "text", "number", "quotes")
CATEGORICAL = ("single", "multi")
GROUPS = ("bibliographic", "bibliometric", "content")
QUOTE_KEYS = {"text", "page", "section"}
_FIELD_KEYS = {"name", "label", "type", "choices", "group", "description", "required", "other"}


@dataclass(frozen=True)
class Field:
    """One charting field.

    :param name: identifier (letters, digits, underscore).
    :param label: human label.
    :param type: one of :data:`FIELD_TYPES`.
    :param choices: allowed values of a single or multi field, in table order (empty: open).
    :param group: ``bibliographic`` or ``content``.
    :param description: what to chart.
    :param required: every study must have a value.
    :param other: values outside ``choices`` are allowed (an open list with suggested choices).
    """

    name: str
    label: str
    type: str
    choices: tuple[str, ...] = ()
    group: str = "content"
    description: str = ""
    required: bool = False
    other: bool = False

    @property
    def categorical(self) -> bool:
        """Single or multiple choice (agreement is Cohen's kappa; tables count categories)."""
        return self.type in CATEGORICAL

    def check(self, value: Any) -> list[str]:
        """Problems with ``value`` for this field (empty list: the value is valid)."""
        if self.type == "single":
            if not isinstance(value, str):
                return [f"expected one choice (a string), got {_show(value)}"]
            return self._check_choices([value])
        if self.type == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return [f"expected a list of choices, got {_show(value)}"]
            if len(set(value)) != len(value):
                return ["a choice is listed twice"]
            return self._check_choices(value)
        if self.type == "text":
            return [] if isinstance(value, str) else [f"expected text, got {_show(value)}"]
        if self.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return [f"expected a number, got {_show(value)}"]
            return []
        # quotes
        if not isinstance(value, list):
            return [f"expected a list of {{text, page}} quotes, got {_show(value)}"]
        problems = []
        for i, quote in enumerate(value):
            if not isinstance(quote, dict) or not isinstance(quote.get("text"), str):
                problems.append(f"quote {i + 1}: expected {{text = ..., page = ...}}")
            elif set(quote) - QUOTE_KEYS:
                extra = ", ".join(sorted(set(quote) - QUOTE_KEYS))
                problems.append(
                    f"quote {i + 1}: unknown key(s) {extra}; a quote has text, page, section"
                )
            elif "page" in quote and not isinstance(quote["page"], str | int):
                problems.append(f"quote {i + 1}: page must be a number or text like '12-13'")
        return problems

    def _check_choices(self, values: list[str]) -> list[str]:
        if not self.choices or self.other:
            return []
        unknown = [v for v in values if v not in self.choices]
        if not unknown:
            return []
        valid = ", ".join(repr(c) for c in self.choices)
        return [f"{', '.join(repr(u) for u in unknown)} is not a choice; valid: {valid}"]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


@dataclass
class Codebook:
    """The ordered fields of a review's charting form.

    :param fields: the fields in form order.
    :param file: where the codebook was read from (for messages).
    """

    fields: list[Field] = field(default_factory=list)
    file: str = "codebook.toml"

    def __post_init__(self) -> None:
        self._by_name = {f.name: f for f in self.fields}

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def field(self, name: str) -> Field:
        """The field called ``name``; an unknown name lists the valid ones.

        :raises CodebookError: when there is no such field.
        """
        try:
            return self._by_name[name]
        except KeyError:
            valid = ", ".join(self._by_name)
            raise CodebookError(
                [Problem(f"no field {name!r}; the codebook has {valid}", file=self.file)]
            ) from None

    def names(self) -> list[str]:
        """Field names in form order."""
        return [f.name for f in self.fields]

    def to_inputs(self, values: Mapping[str, Any]) -> dict[str, list[str]]:
        """A study's values as form inputs (the inverse of :meth:`parse_inputs`).

        :param values: field name -> value.
        """
        out: dict[str, list[str]] = {}
        for f in self.fields:
            value = values.get(f.name)
            if value is None:
                out[f.name] = []
            elif f.type == "multi":
                out[f.name] = [str(v) for v in value]
            elif f.type == "quotes":
                lines = []
                for quote in value if isinstance(value, list) else []:
                    page = str(quote.get("page", "")).strip()
                    lines.append(f"{page} | {quote.get('text', '')}" if page else quote["text"])
                out[f.name] = ["\n".join(lines)] if lines else []
            elif isinstance(value, float) and value.is_integer():
                out[f.name] = [str(int(value))]
            else:
                out[f.name] = [str(value)]
        return out

    def parse_inputs(self, inputs: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """Typed values from a form's text inputs (every shell's form: the web app's, a
        notebook's), to be checked by :func:`evimap.charting.sheet.parse_charting`.

        An empty input leaves its field out. ``multi``: one input per chosen value (and
        ``;``-separated text); ``number``: an integer or decimal; ``quotes``: one quote a line,
        ``page | text`` or just ``text``.

        :param inputs: field name -> the texts entered (a form may repeat a name).
        :raises ChartingError: naming each field whose text is not of its type.
        """
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for f in self.fields:
            texts = [t.strip() for t in inputs.get(f.name, ()) if t and t.strip()]
            if not texts:
                continue
            if f.type == "multi":
                values[f.name] = list(
                    dict.fromkeys(p.strip() for t in texts for p in t.split(";") if p.strip())
                )
            elif f.type == "number":
                try:
                    values[f.name] = int(texts[0])
                except ValueError:
                    try:
                        values[f.name] = float(texts[0])
                    except ValueError:
                        problems.append(
                            Problem(f"{texts[0]!r} is not a number", file=self.file, field=f.name)
                        )
            elif f.type == "quotes":
                quotes = []
                for line in "\n".join(texts).splitlines():
                    if not line.strip():
                        continue
                    page, bar, text = line.partition("|")
                    if bar and page.strip() and text.strip():
                        quotes.append({"page": page.strip(), "text": text.strip()})
                    else:
                        quotes.append({"text": line.strip()})
                values[f.name] = quotes
            else:
                values[f.name] = texts[0] if f.type == "single" else "\n".join(texts)
        if problems:
            raise ChartingError(problems)
        return values


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook.

    :param path: the codebook TOML file.
    :raises CodebookError: naming file, key and what was expected, for every problem found.
    """
    path = Path(path)
    if not path.is_file():
        raise CodebookError([Problem("no codebook here", file=str(path))])
    return parse_codebook(path.read_text(encoding="utf-8"), str(path))


def parse_codebook(text: str, file: str = "codebook.toml") -> Codebook:
    """Validate codebook TOML text; ``file`` is only used in messages.

    :param text: the TOML text.
    :param file: the file name to report in errors.
    :raises CodebookError: listing every problem at once.
    """
    data = parse_toml(text, file, lambda problem: CodebookError([problem]))
    problems: list[Problem] = []
    extra = set(data) - {"fields", "title", "version", "description"}
    for key in sorted(extra):
        problems.append(Problem("is not a codebook key (a typo?)", file=file, field=key))
    entries = data.get("fields")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem("is missing: add [[fields]] tables", file=file, field="fields"))
        raise CodebookError(problems)
    fields: list[Field] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"fields[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem("expected a table", file=file, field=where))
            continue
        found = _parse_field(entry, where, file, problems)
        if found is None:
            continue
        if found.name in seen:
            problems.append(
                Problem(f"field {found.name!r} is defined twice", file=file, field=where + ".name")
            )
        seen.add(found.name)
        fields.append(found)
    if problems:
        raise CodebookError(problems)
    return Codebook(fields, file)


def _parse_field(
    entry: dict[str, Any], where: str, file: str, problems: list[Problem]
) -> Field | None:
    before = len(problems)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(message, file=file, field=f"{where}.{key}"))

    for key in sorted(set(entry) - _FIELD_KEYS):
        bad(key, f"is not a field key (a typo?); valid: {', '.join(sorted(_FIELD_KEYS))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        bad("name", "is missing or not an identifier (letters, digits, underscore)")
    kind = entry.get("type")
    if kind not in FIELD_TYPES:
        bad("type", f"must be one of {', '.join(FIELD_TYPES)}; got {kind!r}")
    group = entry.get("group", "content")
    if group not in GROUPS:
        bad("group", f"must be one of {', '.join(GROUPS)}; got {group!r}")
    choices = entry.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        bad("choices", "must be a list of strings")
        choices = []
    elif len(set(choices)) != len(choices):
        bad("choices", "a choice is listed twice")
    if choices and kind not in CATEGORICAL:
        bad("choices", f"only single and multi fields have choices (this one is {kind!r})")
    for key in ("label", "description"):
        if key in entry and not isinstance(entry[key], str):
            bad(key, "must be text")
    for key in ("required", "other"):
        if key in entry and not isinstance(entry[key], bool):
            bad(key, "must be true or false")
    if len(problems) > before:
        return None
    return Field(
        name=name,
        label=entry.get("label") or name.replace("_", " ").capitalize(),
        type=kind,
        choices=tuple(choices),
        group=group,
        description=entry.get("description", ""),
        required=entry.get("required", False),
        other=entry.get("other", False),
    )
