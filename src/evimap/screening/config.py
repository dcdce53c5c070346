"""Screening settings of one review: the ``[screening]`` section plus the protocol's criteria."""

from __future__ import annotations

from dataclasses import dataclass, field

from evimap.protocol import Criterion, Protocol
from evimap.protocol.screening import STAGES, Reviewer, ScreeningSettings, StageSettings
from evimap.screening.errors import InvalidDecision, StageClosed
from evimap.screening.overrides import Overrides, merge_team


@dataclass(frozen=True)
class ScreeningConfig:
    """What screening needs from the protocol.

    :param settings: the ``[screening]`` section.
    :param reasons: exclusion reason codes, in the order the pickers offer them: the
        section's ``reasons``, else every criterion in protocol order.
    :param criteria: every criterion of the protocol by code (a reason's wording is its
        criterion's :attr:`~evimap.protocol.Criterion.reason_label`).
    :param closed: stages an owner has closed (no decisions or undos there).
    """

    settings: ScreeningSettings
    reasons: tuple[str, ...]
    criteria: dict[str, Criterion]
    closed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_protocol(
        cls, protocol: Protocol, overrides: Overrides | None = None
    ) -> ScreeningConfig:
        """The screening configuration of ``protocol``, with the store's run-time changes.

        :param protocol: the review's protocol.
        :param overrides: roles of members with an account (they replace review.toml's role;
            accounts not in review.toml join the team after its members) and an owner's stage
            settings (blind, open); see :mod:`evimap.screening.overrides`.
        """
        settings = protocol.screening
        closed: set[str] = set()
        if overrides is not None:
            settings, closed = _apply(settings, overrides)
        criteria = {c.code: c for c in protocol.criteria}
        reasons = tuple(settings.reasons or criteria)
        return cls(settings, reasons, criteria, frozenset(closed))

    def reason_text(self, code: str) -> str:
        """How reason ``code`` reads, without its code (``Not met: Focused on adult
        patients``); a code that is no criterion (``unspecified``) reads as itself."""
        criterion = self.criteria.get(code)
        return criterion.reason if criterion else code

    def reason_label(self, code: str) -> str:
        """How reason ``code`` reads with its code (``I4 not met: Focused on adult
        patients``, ``E1: Literature reviews``); a code that is no criterion reads as itself."""
        criterion = self.criteria.get(code)
        return criterion.reason_label if criterion else code

    @property
    def reason_labels(self) -> dict[str, str]:
        """Every criterion code and its :meth:`reason_label`."""
        return {code: c.reason_label for code, c in self.criteria.items()}

    def reason_keys(self) -> list[tuple[str, str]]:
        """The reasons as the screening pickers offer them: ``(key, code)`` in
        :attr:`reasons` order, keys ``"1"`` to ``"9"`` for the first nine and ``""`` (no key)
        for any after them, so the number a picker shows is always the key that picks it."""
        return [(str(n) if n <= 9 else "", code) for n, code in enumerate(self.reasons, start=1)]

    def is_open(self, stage: str) -> bool:
        """False when an owner has closed ``stage``."""
        return stage not in self.closed

    def check_open(self, stage: str) -> None:
        """Raise :class:`StageClosed` when an owner has closed ``stage``."""
        if stage in self.closed:
            raise StageClosed(f"the {stage} stage is closed; an owner can open it again")

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


def _apply(settings: ScreeningSettings, overrides: Overrides) -> tuple[ScreeningSettings, set[str]]:
    written = [(m.name, m.role) for m in settings.reviewers]
    team = [Reviewer(name=n, role=r) for n, r in merge_team(written, overrides.roles)]
    update: dict = {"reviewers": team}
    closed: set[str] = set()
    for stage in STAGES:
        changes = overrides.stages.get(stage, {})
        if "blind" in changes:
            update[stage] = settings.stage(stage).model_copy(update={"blind": changes["blind"]})
        if changes.get("open") is False:
            closed.add(stage)
    return settings.model_copy(update=update), closed
