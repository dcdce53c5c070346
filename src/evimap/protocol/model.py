"""What review.toml holds, as pydantic models. Unknown keys are errors (they are typos)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evimap.protocol.prioritise import PrioritiseSettings
from evimap.protocol.screening import ScreeningSettings


class _Strict(BaseModel):
    """Unknown keys are errors, and values keep their TOML type: ``blind = "no"`` is not a
    boolean, ``pilot = "20"`` not a number."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class Question(_Strict):
    """The review question as Population-Concept-Context (JBI)."""

    population: str = Field(min_length=1)
    concept: str = Field(min_length=1)
    context: str = Field(min_length=1)


class Search(_Strict):
    """Where and how the search was run."""

    databases: list[str] = Field(min_length=1)
    equation: str = Field(min_length=1)
    date: str = Field(description="date of search, YYYY, YYYY-MM or YYYY-MM-DD")
    fields: list[str] = Field(default_factory=lambda: ["title", "abstract", "keywords"])
    languages: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?", value):
            raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        return value


NOT_MET = "not met"
"""How an inclusion criterion reads as an exclusion reason: the record does not meet it."""


class Criterion(_Strict):
    """One eligibility criterion; its code doubles as an exclusion reason, worded by
    :attr:`reason` and :attr:`reason_label` (the one wording every picker, table, report and
    PRISMA diagram shows)."""

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    kind: Literal["inclusion", "exclusion"]
    text: str = Field(min_length=1)

    @property
    def reason(self) -> str:
        """This criterion worded as the reason a record is excluded, without its code.

        A record excluded by an inclusion criterion fails to meet it, so the reason is
        ``Not met: Focused on adult patients``, never the criterion's own words (which say the
        opposite); a record excluded by an exclusion criterion meets it, so the reason is the
        criterion as written (``Literature reviews``).
        """
        if self.kind == "inclusion":
            return f"{NOT_MET.capitalize()}: {self.text}"
        return self.text

    @property
    def reason_label(self) -> str:
        """The reason with its code, as one line: ``I4 not met: Focused on adult patients``,
        ``E1: Literature reviews``."""
        if self.kind == "inclusion":
            return f"{self.code} {NOT_MET}: {self.text}"
        return f"{self.code}: {self.text}"


class StoreSettings(_Strict):
    """Where the review's data lives (``[store]``).

    :param url: empty for review.db in the review folder; a PostgreSQL URL; or a SQLite file
        (``.db``, ``.sqlite``, ``.sqlite3``, or ``sqlite:///PATH``), relative paths being read
        from the review folder. Other schemes are errors.
    :param busy_timeout: seconds a write waits while another writer (an import) holds the store.
    """

    url: str = ""
    busy_timeout: float = Field(300.0, gt=0, description="seconds a write waits for the lock")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value:
            from evimap.store.urls import StoreUrlError, store_url

            try:
                store_url(value, "/")
            except StoreUrlError as exc:
                raise ValueError(str(exc)) from None
        return value


class DedupSettings(_Strict):
    """How duplicates are found (``[dedup]``); every key has a default."""

    engine: Literal["duckdb", "spark"] = "duckdb"
    threshold: float = Field(0.998, gt=0, le=1, description="match probability that merges")
    review_from: float = Field(
        0.5, gt=0, le=1, description="match probability from which a pair goes to review"
    )
    model: str = Field("", description="a model JSON file (relative to the review folder)")

    @model_validator(mode="after")
    def _band(self) -> DedupSettings:
        if self.review_from > self.threshold:
            raise ValueError("review_from must not be above threshold")
        return self


RemovalField = Literal["subject_areas", "source_title", "year", "language", "document_type", "id"]


class RemovalRule(_Strict):
    """One reason to remove records before screening (``[[removals.rules]]``).

    Give ``exclude`` (remove records whose value is listed), ``keep`` (remove records whose
    value is not listed), or for ``year`` a ``from``/``to`` range. Values compare without case.
    Records with no value for the field are never removed by the rule.
    """

    reason: str = Field(min_length=1)
    field: RemovalField
    exclude: list[str] = Field(default_factory=list)
    keep: list[str] = Field(default_factory=list)
    year_from: int | None = Field(None, alias="from")
    year_to: int | None = Field(None, alias="to")
    match: Literal["all", "any"] = Field(
        "all",
        description="for list fields (subject areas) with exclude: remove when all (or any) "
        "of the record's values are excluded",
    )

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, populate_by_name=True, strict=True
    )

    @model_validator(mode="after")
    def _one_test(self) -> RemovalRule:
        ranged = self.year_from is not None or self.year_to is not None
        given = sum([bool(self.exclude), bool(self.keep), ranged])
        if given != 1:
            raise ValueError("give exactly one of exclude, keep, or from/to (years)")
        if ranged and self.field != "year":
            raise ValueError('from/to only apply to field = "year"')
        return self


class Removals(_Strict):
    """Removals before screening (``[removals]``), each rule with its reason."""

    rules: list[RemovalRule] = Field(default_factory=list)


class Protocol(_Strict):
    """A scoping review protocol.

    :param title: the review's title.
    :param authors: the review team, in order.
    :param question: Population, Concept, Context.
    :param search: databases, search equation, date of search.
    :param criteria: eligibility criteria, inclusion and exclusion, each with a code.
    :param codebook: path of the charting codebook, relative to the review folder.
    :param store: where the data is kept.
    :param dedup: how duplicates are found.
    :param removals: removals before screening.
    :param screening: stages, reviewers, assignment and highlight keywords (optional).
    :param prioritise: active-learning order of the queues and stopping rules (optional).
    """

    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    question: Question
    search: Search
    criteria: list[Criterion] = Field(min_length=1)
    codebook: str = "codebook.toml"
    store: StoreSettings = Field(default_factory=StoreSettings)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    removals: Removals = Field(default_factory=Removals)
    screening: ScreeningSettings = Field(default_factory=ScreeningSettings)
    prioritise: PrioritiseSettings = Field(default_factory=PrioritiseSettings)

    @model_validator(mode="after")
    def _unique_codes(self) -> Protocol:
        seen: set[str] = set()
        for criterion in self.criteria:
            if criterion.code in seen:
                raise ValueError(f"criterion code {criterion.code!r} is used twice")
            seen.add(criterion.code)
        unknown = [r for r in self.screening.reasons if r not in seen]
        if unknown:
            raise ValueError(
                f"screening.reasons {unknown} are not criterion codes; codes are {sorted(seen)}"
            )
        return self

    def criterion(self, code: str) -> Criterion:
        """The criterion with this code; unknown codes list the valid ones."""
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        valid = ", ".join(c.code for c in self.criteria)
        raise KeyError(f"no criterion {code!r}; the protocol has {valid}")

    @property
    def exclusion_reasons(self) -> list[Criterion]:
        """Criteria usable as exclusion reasons: every criterion (an unmet inclusion
        criterion or a met exclusion criterion both exclude)."""
        return list(self.criteria)
