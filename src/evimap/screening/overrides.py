"""What the store says over review.toml about screening: the roles of members with an account
(``review.accounts``) and an owner's stage settings (blind on or off, open or closed).

review.toml is the protocol as written; these are the team's run-time changes, each logged.
Read together in one session so :attr:`evimap.screening.component.Screening.config` costs one
short read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evimap.store.models_accounts import AccountRow, StageSettingRow

STAGE_KEYS = ("blind", "open")
"""Stage settings an owner may change at run time."""


@dataclass(frozen=True)
class Overrides:
    """Run-time changes over the protocol.

    :param roles: ``name -> role`` of every active account, in the order they were created.
    :param stages: ``stage -> {key: value}`` of the newest setting of each stage and key.
    """

    roles: dict[str, str] = field(default_factory=dict)
    stages: dict[str, dict[str, bool]] = field(default_factory=dict)


def account_roles(session: Session) -> dict[str, str]:
    """``name -> role`` of every active account, in the order they were created."""
    return {
        name: role
        for name, role in session.execute(
            select(AccountRow.name, AccountRow.role)
            .where(AccountRow.active.is_(True))
            .order_by(AccountRow.id)
        )
    }


def merge_team(written: list[tuple[str, str]], roles: dict[str, str]) -> list[tuple[str, str]]:
    """THE team: review.toml's ``(name, role)`` pairs in its order, each account's role
    replacing the written one, then the accounts review.toml does not name.

    :param written: the team as review.toml has it.
    :param roles: :func:`account_roles`.
    """
    team = [(name, roles.get(name, role)) for name, role in written]
    known = {name for name, _ in written}
    return team + [(n, r) for n, r in roles.items() if n not in known]


def read_overrides(session: Session) -> Overrides:
    """The current overrides, from the caller's session."""
    roles = account_roles(session)
    latest = select(func.max(StageSettingRow.id)).group_by(
        StageSettingRow.stage, StageSettingRow.key
    )
    stages: dict[str, dict[str, bool]] = {}
    for stage, key, value in session.execute(
        select(StageSettingRow.stage, StageSettingRow.key, StageSettingRow.value).where(
            StageSettingRow.id.in_(latest)
        )
    ):
        stages.setdefault(stage, {})[key] = bool(value)
    return Overrides(roles, stages)
