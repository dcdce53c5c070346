"""Accounts: logins of team members (name, role, Argon2 password hash) and their server-side
sessions, stored in the review's own store. The web app authenticates against these; the
component is ``review.accounts``."""

from evimap.accounts.component import (
    ROLES,
    Account,
    AccountError,
    Accounts,
    NotOwner,
    SessionInfo,
)

__all__ = ["ROLES", "Account", "AccountError", "Accounts", "NotOwner", "SessionInfo"]
