"""The optional ``[screening]`` section of review.toml: stages, reviewers, assignment, keywords.

Every key has a default, so a protocol without the section screens with two blind reviewers,
include / exclude / maybe, and a reason required to exclude at full text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

STAGES: tuple[str, ...] = ("title_abstract", "full_text")
"""The two screening stages, in order."""

DECISIONS: tuple[str, ...] = ("include", "exclude", "maybe")
"""Every decision a reviewer can make."""


class _Strict(BaseModel):
    """Unknown keys are errors; values keep their TOML type (``blind = "no"`` is no boolean)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class StageSettings(_Strict):
    """Settings of one screening stage.

    :param reviewers_per_record: how many reviewers screen each record (2 = dual).
    :param blind: hide each reviewer's decisions from the others until the record is settled.
    :param reason_required: a reason (criterion code) is required to exclude.
    """

    reviewers_per_record: int = Field(default=2, ge=1, le=10)
    blind: bool = True
    reason_required: bool = False


class Reviewer(_Strict):
    """A member of the screening team.

    ``reviewer`` screens; ``arbiter`` settles conflicts and sees every decision; ``owner``
    runs the review, sees everything and may also settle.
    """

    name: str = Field(min_length=1, max_length=200)
    role: Literal["reviewer", "arbiter", "owner"] = "reviewer"


class Highlight(_Strict):
    """Rayyan-style keyword lists marked in titles and abstracts (``*`` truncates a word)."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class Assignment(_Strict):
    """How records are shared between reviewers.

    :param mode: ``dual`` gives every record to ``reviewers_per_record`` reviewers (every
        reviewer when there are that many); ``split`` gives each record to one reviewer except an
        ``overlap`` fraction, which gets ``reviewers_per_record`` reviewers for calibration.
    :param overlap: share of records screened by several reviewers in ``split`` mode.
    :param pilot: number of records every reviewer screens before the main round (0 = none).
    :param seed: seed of every random choice, so assignments rerun identically.
    """

    mode: Literal["dual", "split"] = "dual"
    overlap: float = Field(default=0.2, ge=0.0, le=1.0)
    pilot: int = Field(default=0, ge=0)
    seed: int = 20240101


class ScreeningSettings(_Strict):
    """The ``[screening]`` section.

    :param options: the decisions offered (``include`` and ``exclude`` always, ``maybe``
        optionally).
    :param maybe_advances: an arbiter may settle a title/abstract record as ``maybe``, which
        sends it on to full text.
    :param reasons: exclusion reason codes; empty means every criterion code of the protocol.
    :param reviewers: the team (names and roles); screening needs one.
    """

    options: list[Literal["include", "exclude", "maybe"]] = Field(
        default_factory=lambda: list(DECISIONS)
    )
    maybe_advances: bool = False
    reasons: list[str] = Field(default_factory=list)
    title_abstract: StageSettings = Field(default_factory=StageSettings)
    full_text: StageSettings = Field(default_factory=lambda: StageSettings(reason_required=True))
    reviewers: list[Reviewer] = Field(default_factory=list)
    assignment: Assignment = Field(default_factory=Assignment)
    highlight: Highlight = Field(default_factory=Highlight)

    @model_validator(mode="after")
    def _check(self) -> ScreeningSettings:
        if "include" not in self.options or "exclude" not in self.options:
            raise ValueError("options must offer at least include and exclude")
        names = [r.name for r in self.reviewers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"reviewer name(s) used twice: {', '.join(twice)}")
        return self

    def stage(self, name: str) -> StageSettings:
        """The settings of stage ``name`` (``title_abstract`` or ``full_text``)."""
        if name not in STAGES:
            raise KeyError(f"no screening stage {name!r}; stages are {', '.join(STAGES)}")
        return getattr(self, name)
