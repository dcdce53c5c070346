"""Replays of the web app's events: logins (``accounts.*``) and an owner's stage settings
(``screen.stage``).

A login's password hash and its sessions are not in the log (the log never holds a password or
a hash, and sessions are authentication, not review data), so the replay checks each login's
name, role and whether it is active, and each stage setting row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evimap.store.events import Event
from evimap.store.kinds import Kind
from evimap.store.models_accounts import AccountRow, StageSettingRow
from evimap.verify.base import Mismatch, Verification, of_kinds

ACCOUNT_KINDS = (
    Kind.ACCOUNTS_ADD,
    Kind.ACCOUNTS_REMOVE,
    Kind.ACCOUNTS_PASSWORD,
    Kind.ACCOUNTS_ROLE,
)


def check_accounts(session: Session, events: list[Event], result: Verification) -> None:
    """Each login's role and activity is what its last ``accounts.*`` event left."""
    want: dict[str, tuple[int, str, bool]] = {}
    for event in of_kinds(events, *ACCOUNT_KINDS):
        name = event.subject
        if event.kind in (Kind.ACCOUNTS_ADD, Kind.ACCOUNTS_ROLE):
            want[name] = (event.id, event.details["role"], True)
        elif event.kind == Kind.ACCOUNTS_REMOVE:
            role = want[name][1] if name in want else event.details.get("role", "")
            want[name] = (event.id, role, False)
        elif name not in want or not want[name][2]:
            result.problems.append(
                Mismatch(
                    "accounts",
                    None,
                    event.id,
                    f"a password was set for {name!r}, who had no active login then",
                )
            )
    rows = session.execute(
        select(AccountRow.id, AccountRow.name, AccountRow.role, AccountRow.active)
    )
    seen: set[str] = set()
    count = 0
    for row_id, name, role, active in rows:
        count += 1
        seen.add(name)
        if name not in want:
            result.problems.append(
                Mismatch("accounts", row_id, None, f"the login {name!r} has no accounts event")
            )
            continue
        event_id, logged_role, logged_active = want[name]
        if role != logged_role:
            result.problems.append(
                Mismatch(
                    "accounts",
                    row_id,
                    event_id,
                    f"role is {role!r} but the log says {logged_role!r}",
                )
            )
        if bool(active) != logged_active:
            result.problems.append(
                Mismatch(
                    "accounts",
                    row_id,
                    event_id,
                    f"active is {bool(active)} but the log says {logged_active}",
                )
            )
    result.rows["accounts"] = count
    for name in sorted(set(want) - seen):
        result.problems.append(
            Mismatch(
                "accounts",
                None,
                want[name][0],
                f"the log adds the login {name!r}; the table has none",
            )
        )


def check_stage_settings(session: Session, events: list[Event], result: Verification) -> None:
    """The stage settings rows are the ``screen.stage`` events' changes, in order."""
    want: list[tuple[int, str, str, bool]] = []
    for event in of_kinds(events, Kind.SCREEN_STAGE):
        for key in ("blind", "open"):
            if key in event.details:
                want.append((event.id, event.details["stage"], key, bool(event.details[key])))
    rows = session.execute(
        select(
            StageSettingRow.id, StageSettingRow.stage, StageSettingRow.key, StageSettingRow.value
        ).order_by(StageSettingRow.id)
    ).all()
    result.rows["screening_stage_settings"] = len(rows)
    for (row_id, stage, key, value), logged in zip(rows, want, strict=False):
        if (stage, key, bool(value)) != logged[1:]:
            result.problems.append(
                Mismatch(
                    "screening_stage_settings",
                    row_id,
                    logged[0],
                    f"{stage} {key}={bool(value)} but the log says {logged[1]} {logged[2]}="
                    f"{logged[3]}",
                )
            )
    for row_id, stage, key, value in rows[len(want) :]:
        result.problems.append(
            Mismatch(
                "screening_stage_settings",
                row_id,
                None,
                f"{stage} {key}={bool(value)} has no screen.stage event",
            )
        )
    for event_id, stage, key, value in want[len(rows) :]:
        result.problems.append(
            Mismatch(
                "screening_stage_settings",
                None,
                event_id,
                f"the log sets {stage} {key}={value}; the table has no such row",
            )
        )


CHECKS = (
    (check_accounts, ACCOUNT_KINDS),
    (check_stage_settings, (Kind.SCREEN_STAGE,)),
)
