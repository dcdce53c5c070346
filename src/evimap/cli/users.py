"""`evimap user add|list|remove|password`: logins of team members for the web app, stored in
the review's own store (passwords as Argon2 hashes).

``--as`` names the owner making the change; without it the change is the command line's, which
is trusted on the review's machine (whoever can run it can open the store) and is how the first
owner's login is made. The log says which.
"""

from __future__ import annotations

import sys

import typer

from evimap.cli import app
from evimap.cli.output import say
from evimap.cli.verb import TJ, TJC, Call, verb

user = typer.Typer(
    rich_markup_mode=None,
    help="Logins of team members for the web app: add, list, remove, password.",
)
app.add_typer(user, name="user")

NameArg = typer.Argument(..., metavar="NAME", help="The member's name (as in --as).")
PasswordStdinOption = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@verb(
    user,
    "add",
    formats=TJ,
    writes=True,
    full_name="user add",
    table=lambda a, call: say(f"Added {a.name} ({a.role})."),
)
def user_add(
    call: Call,
    name: str = NameArg,
    role: str = typer.Option(..., "--role", help="owner, arbiter or reviewer."),
    password_stdin: bool = PasswordStdinOption,
):
    """Create a login for a team member (asks for the password twice, or reads stdin); a name
    review.toml lacks joins the team with that role."""
    return call.review.accounts.add(name, role, _password(password_stdin), member=call.member)


@verb(user, "list", formats=TJC, member="none", full_name="user list", title="Accounts")
def user_list(
    call: Call,
    removed: bool = typer.Option(False, "--removed", help="Also removed accounts."),
):
    """The review's logins: name, role, since when."""
    return call.review.accounts.list(include_removed=removed)


@verb(
    user,
    "remove",
    formats=TJ,
    writes=True,
    full_name="user remove",
    table=lambda a, call: say(f"Removed the login of {a.name}."),
)
def user_remove(call: Call, name: str = NameArg):
    """Remove a member's login; their sessions end at once (their decisions stay)."""
    return call.review.accounts.remove(name, member=call.member)


@verb(
    user,
    "password",
    formats=TJ,
    writes=True,
    full_name="user password",
    table=lambda a, call: say(f"Changed the password of {a.name}."),
)
def user_password(call: Call, name: str = NameArg, password_stdin: bool = PasswordStdinOption):
    """Set a member's password; their sessions end at once."""
    return call.review.accounts.set_password(name, _password(password_stdin), member=call.member)
