"""Screening settings of one review: the ``[screening]`` section plus the protocol's criteria."""

from __future__ import annotations

from dataclasses import dataclass

from evimap.protocol import Protocol
from evimap.protocol.screening import STAGES, ScreeningSettings, StageSettings
from evimap.screening.errors import InvalidDecision


@dataclass(frozen=True)
class ScreeningConfig:
    """What screening needs from the protocol.

    :param settings: the ``[screening]`` section.
    :param reasons: exclusion reason codes (the section's ``reasons``, else every criterion).
    :param reason_texts: the criterion text of each reason code.
    """

    settings: ScreeningSettings
    reasons: tuple[str, ...]
    reason_texts: dict[str, str]

    @classmethod
    def from_protocol(cls, protocol: Protocol) -> ScreeningConfig:
        """The screening configuration of ``protocol``."""
        settings = protocol.screening
        texts = {c.code: c.text for c in protocol.criteria}
        reasons = tuple(settings.reasons or texts)
        return cls(settings, reasons, {code: texts[code] for code in reasons})

    def stage(self, name: str) -> StageSettings:
        """Settings of stage ``name``; an unknown stage lists the valid ones."""
        if name not in STAGES:
            raise InvalidDecision(f"no screening stage {name!r}; stages are {', '.join(STAGES)}")
        return self.settings.stage(name)

    @property
    def screeners(self) -> list[str]:
        """Names of the team members with the ``reviewer`` role, in protocol order."""
        return [m.name for m in self.settings.reviewers if m.role == "reviewer"]

    def check_decision(self, stage: str, decision: str, reason: str) -> None:
        """Raise :class:`InvalidDecision` unless ``decision`` and ``reason`` fit ``stage``."""
        settings = self.stage(stage)
        if decision not in self.settings.options:
            raise InvalidDecision(
                f"{decision!r} is not a decision option; options are "
                f"{', '.join(self.settings.options)}"
            )
        if reason and decision != "exclude":
            raise InvalidDecision(f"a reason goes with exclude, not with {decision}")
        if reason and reason not in self.reasons:
            raise InvalidDecision(
                f"{reason!r} is not an exclusion reason; reasons are {', '.join(self.reasons)}"
            )
        if decision == "exclude" and settings.reason_required and not reason:
            raise InvalidDecision(
                f"a reason is required to exclude at {stage}; reasons are {', '.join(self.reasons)}"
            )
