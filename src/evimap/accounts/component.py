"""``review.accounts``: logins for team members and their server-side sessions.

Each write is one transaction with its event (``accounts.add``, ``accounts.remove``,
``accounts.password``, ``accounts.role``); no event holds a password or a hash. Sessions are
rows keyed by the SHA-256 of a random token, so a stolen database gives no usable cookie, and a
logged-out, expired or revoked session is refused on the next request.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from evimap.accounts import passwords
from evimap.errors import EvimapError, NotPermitted
from evimap.members import Member, writes
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import utcnow
from evimap.store.models_accounts import AccountRow, AccountSessionRow

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review

ROLES: tuple[str, ...] = ("owner", "arbiter", "reviewer")
"""Roles of a team member: the owner runs the review, an arbiter settles conflicts, a reviewer
screens and charts."""

_DUMMY_HASH = passwords.hash_password("evimap: no such account")


class AccountError(EvimapError):
    """An account cannot be added or changed as asked (bad name, role or password, no such
    account, or not allowed)."""


class NotOwner(AccountError, NotPermitted):
    """Only an owner manages the team."""


@dataclass(frozen=True)
class Account:
    """A login of a team member as the shells see it (never the hash)."""

    name: str
    role: str
    active: bool = True
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "role": self.role,
            "active": self.active,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True)
class SessionInfo:
    """A session just opened: its account and when it expires."""

    account: Account
    expires_at: datetime


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _account(row: AccountRow) -> Account:
    return Account(row.name, row.role, row.active, _aware(row.created_at))


def _live_session(session: Session, token_hash: str) -> tuple[Account, datetime] | None:
    """The account of the session stored under ``token_hash`` and when it expires, or None
    when there is none, it ended, or its account was removed.

    Kept by :meth:`Accounts.session` until the store's settings version moves: ending a
    session, removing an account or changing a role raises it (migration
    ``0013_settings_version``); expiry is checked on every use.
    """
    found = session.execute(
        select(AccountSessionRow.expires_at, AccountSessionRow.ended_at, AccountRow)
        .join(AccountRow, AccountRow.id == AccountSessionRow.account_id)
        .where(AccountSessionRow.token_hash == token_hash)
    ).first()
    if found is None:
        return None
    expires_at, ended_at, row = found
    if ended_at is not None or not row.active:
        return None
    return _account(row), _aware(expires_at)


def check_name(name: str) -> str:
    """A member name, stripped; refused when empty, too long or holding control characters.

    :raises AccountError: naming what is wrong.
    """
    clean = (name or "").strip()
    if not clean:
        raise AccountError("a member needs a name")
    if len(clean) > 200:
        raise AccountError("a member name has at most 200 characters")
    if any(unicodedata.category(c).startswith("C") for c in clean):
        raise AccountError("a member name cannot hold control characters")
    return clean


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`.

    :raises AccountError: listing the valid roles.
    """
    if role not in ROLES:
        raise AccountError(f"{role!r} is not a role; roles are {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """``password`` if it is long enough (8 to 1024 characters).

    :raises AccountError: saying what is needed.
    """
    if not isinstance(password, str) or len(password) < passwords.MIN_LENGTH:
        raise AccountError(f"a password needs at least {passwords.MIN_LENGTH} characters")
    if len(password) > passwords.MAX_LENGTH:
        raise AccountError(f"a password has at most {passwords.MAX_LENGTH} characters")
    if "\x00" in password:
        raise AccountError("a password cannot hold a NUL character")
    return password


COMMAND_LINE = "command line"
"""Who the log names for an account change made on the review's machine without ``--as``."""


class Accounts:
    """Logins and sessions of one review (``review.accounts``).

    Writes take ``member``: the owner doing it (the web app passes the logged-in member, the CLI
    its ``--as``); ``None`` is the command line on the review's machine, which is trusted there
    (whoever can run it can open the store) and is how the first owner's login is made. After
    each change the team is synced into the store (a login's role is the member's role).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review

    # -- members -----------------------------------------------------------------------------

    def list(self, *, include_removed: bool = False) -> list[Account]:
        """The review's accounts by name.

        :param include_removed: also removed accounts.
        """
        with self._review.store.read() as session:
            query = select(AccountRow).order_by(AccountRow.name)
            if not include_removed:
                query = query.where(AccountRow.active.is_(True))
            return [_account(r) for r in session.scalars(query)]

    def get(self, name: str) -> Account | None:
        """The active account called ``name``, or None.

        :param name: the member's name.
        """
        with self._review.store.read() as session:
            row = self._row(session, name)
            return _account(row) if row is not None and row.active else None

    def roles(self) -> dict[str, str]:
        """``name -> role`` of every active account (the team as the store knows it)."""
        return {a.name: a.role for a in self.list()}

    @writes
    def add(
        self,
        name: str,
        role: str,
        password: str,
        *,
        member: Member | None = None,
    ) -> Account:
        """Create a login for a team member (or reactivate a removed one); a name review.toml
        lacks joins the team, and the login's role becomes the member's role.

        :param name: the member's name (as used in ``--as`` and the event log).
        :param role: ``owner``, ``arbiter`` or ``reviewer``.
        :param password: at least 8 characters; stored as an Argon2id hash.
        :param member: the owner adding it; ``None`` is the command line.
        :raises AccountError: for a bad name, role or password, a name already taken, or a
            member who is not an owner.
        """
        who = self._who(member)  # a member who may not add logins learns nothing more
        name, role = check_name(name), check_role(role)
        check_password(password)
        hashed = passwords.hash_password(password)
        with self._review.store.transaction() as session:
            row = self._row(session, name)
            if row is not None and row.active:
                raise AccountError(f"{name!r} already has an account")
            if row is None:
                row = AccountRow(name=name, role=role, password_hash=hashed, active=True)
                session.add(row)
            else:
                row.role, row.password_hash, row.active = role, hashed, True
                row.changed_at = utcnow()
            session.flush()
            EventLog.append(
                session, Kind.ACCOUNTS_ADD, actor=who, subject=name, details={"role": role}
            )
            account = _account(row)
        self._review.team.sync()
        return account

    @writes
    def remove(self, name: str, *, member: Member | None = None) -> Account:
        """Remove a member's login: it can no longer log in, and its sessions end now (a member
        review.toml does not name leaves the team; their decisions stay).

        :param name: the member.
        :param member: the owner removing it; ``None`` is the command line.
        :raises AccountError: for no such account, or removing the last owner.
        """
        who = self._who(member)
        with self._review.store.transaction() as session:
            row = self._active_row(session, name)
            self._keep_an_owner(session, row, None)
            row.active, row.password_hash, row.changed_at = False, "", utcnow()
            self._end_all(session, row.id)
            EventLog.append(
                session,
                Kind.ACCOUNTS_REMOVE,
                actor=who,
                subject=row.name,
                details={"role": row.role},
            )
            account = _account(row)
        self._review.team.sync()
        return account

    @writes
    def set_password(self, name: str, password: str, *, member: Member | None = None) -> Account:
        """Change a member's password; every session of the member ends.

        :param name: the member.
        :param password: the new password (at least 8 characters).
        :param member: an owner, or the member themself; ``None`` is the command line.
        """
        check_password(password)
        own = member is not None and member.name == name
        who = self._review.team.require(member).name if own else self._who(member)
        hashed = passwords.hash_password(password)
        with self._review.store.transaction() as session:
            row = self._active_row(session, name)
            row.password_hash, row.changed_at = hashed, utcnow()
            self._end_all(session, row.id)
            EventLog.append(session, Kind.ACCOUNTS_PASSWORD, actor=who, subject=row.name)
            return _account(row)

    @writes
    def set_role(self, name: str, role: str, *, member: Member | None = None) -> Account:
        """Change a member's role (the login's role is the member's role from now on).

        :param name: the member.
        :param role: ``owner``, ``arbiter`` or ``reviewer``.
        :param member: the owner changing it; ``None`` is the command line.
        :raises AccountError: for a bad role, no such account, or demoting the last owner.
        """
        role = check_role(role)
        who = self._who(member)
        with self._review.store.transaction() as session:
            row = self._active_row(session, name)
            self._keep_an_owner(session, row, role)
            was, row.role, row.changed_at = row.role, role, utcnow()
            EventLog.append(
                session,
                Kind.ACCOUNTS_ROLE,
                actor=who,
                subject=row.name,
                details={"role": role, "was": was},
            )
            account = _account(row)
        self._review.team.sync()
        return account

    def authenticate(self, name: str, password: str) -> Account | None:
        """The active account when ``password`` is right, else None (the same work either way,
        so timing does not tell whether a name exists). Rehashes an outdated hash.

        :param name: the member's name.
        :param password: the password given.
        """
        with self._review.store.read() as session:
            row = self._row(session, (name or "").strip())
            found = row is not None and row.active
            hashed = row.password_hash if found else _DUMMY_HASH
            account = _account(row) if found else None
        if not passwords.verify_password(hashed, password or "") or account is None:
            return None
        if passwords.needs_rehash(hashed):
            with self._review.store.transaction() as session:
                fresh = self._row(session, account.name)
                if fresh is not None and fresh.password_hash == hashed:
                    fresh.password_hash = passwords.hash_password(password)
        return account

    # -- sessions ----------------------------------------------------------------------------

    @writes
    def open_session(
        self, name: str, token: str, *, lifetime: timedelta, client: str = ""
    ) -> SessionInfo:
        """Store a new session of ``name`` under the hash of ``token``.

        :param name: an active account (authenticate first).
        :param token: the session token the client will hold (see
            :func:`evimap.accounts.passwords.new_token`).
        :param lifetime: how long the session lasts.
        :param client: a short description of the client (e.g. its address), kept with it.
        """
        now = utcnow()
        with self._review.store.transaction() as session:
            row = self._active_row(session, name)
            expires = now + lifetime
            session.add(
                AccountSessionRow(
                    token_hash=passwords.token_hash(token),
                    account_id=row.id,
                    created_at=now,
                    expires_at=expires,
                    client=client[:200],
                )
            )
            return SessionInfo(_account(row), expires)

    def session(self, token: str) -> Account | None:
        """The account of a live session, or None for an unknown, ended or expired one.

        :param token: the client's session token.
        """
        if not token:
            return None
        key = ("accounts.session", passwords.token_hash(token))
        with self._review.store.read() as session:
            live = self._review.store.settings.get(session, key, lambda s: _live_session(s, key[1]))
        if live is None:
            self._review.store.settings.forget(key)  # a session may open under it later
            return None
        account, expires_at = live
        return account if expires_at > utcnow() else None

    @writes
    def end_session(self, token: str) -> bool:
        """End (log out) the session of ``token``; True when a live session ended.

        :param token: the client's session token.
        """
        with self._review.store.transaction() as session:
            result = session.execute(
                update(AccountSessionRow)
                .where(
                    AccountSessionRow.token_hash == passwords.token_hash(token),
                    AccountSessionRow.ended_at.is_(None),
                )
                .values(ended_at=utcnow())
            )
            return bool(result.rowcount)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, name: str) -> AccountRow | None:
        return session.scalars(select(AccountRow).where(AccountRow.name == name)).first()

    def _active_row(self, session: Session, name: str) -> AccountRow:
        row = self._row(session, name)
        if row is None or not row.active:
            raise AccountError(f"{name!r} has no account in this review")
        return row

    def _who(self, member: Member | None) -> str:
        """The name the log gives the change: an owner's, or the command line's."""
        if member is None:
            return COMMAND_LINE
        member = self._review.team.require(member)
        if member.role != "owner":
            raise NotOwner(f"{member.name} is {member.role}; only an owner manages the team")
        return member.name

    @staticmethod
    def _keep_an_owner(session: Session, row: AccountRow, new_role: str | None) -> None:
        if row.role != "owner" or new_role == "owner":
            return
        owners = session.scalars(
            select(AccountRow.id).where(AccountRow.role == "owner", AccountRow.active.is_(True))
        ).all()
        if len(owners) <= 1:
            raise AccountError(
                f"{row.name} is the review's only owner; make someone else owner first"
            )

    @staticmethod
    def _end_all(session: Session, account_id: int) -> None:
        session.execute(
            update(AccountSessionRow)
            .where(
                AccountSessionRow.account_id == account_id,
                AccountSessionRow.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
        )
