"""`evimap user add|list|remove|password`: logins of team members for the web app, stored in
the review's own store (passwords as Argon2 hashes)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from evimap.cli import app
from evimap.cli.output import (
    ActorOption,
    DbOption,
    FormatOption,
    OutputFormat,
    ReviewArg,
    cli_errors,
    console,
    emit_object,
    emit_rows,
)

user = typer.Typer(help="Logins of team members for the web app: add, list, remove, password.")
app.add_typer(user, name="user")

NameArg = typer.Argument(..., metavar="NAME", help="The member's name (as in --as).")
PasswordStdinOption = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user.command("add")
def user_add(
    review_dir: Path = ReviewArg,
    name: str = NameArg,
    role: str = typer.Option(..., "--role", help="owner, arbiter or reviewer."),
    password_stdin: bool = PasswordStdinOption,
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Create a login for a team member (asks for the password twice, or reads stdin)."""
    from evimap.review import Review

    with cli_errors(), Review.open(review_dir, db=db) as review:
        account = review.accounts.add(name, role, _password(password_stdin), actor=actor)
    if fmt is OutputFormat.table:
        console.print(f"Added {account.name} ({account.role}).", markup=False)
    else:
        emit_object(account.to_dict(), fmt)


@user.command("list")
def user_list(
    review_dir: Path = ReviewArg,
    removed: bool = typer.Option(False, "--removed", help="Also removed accounts."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """The review's logins: name, role, since when."""
    from evimap.review import Review

    with cli_errors(), Review.open(review_dir, db=db) as review:
        rows = [a.to_dict() for a in review.accounts.list(include_removed=removed)]
    emit_rows(rows, fmt, columns=["name", "role", "active", "created_at"], title="Accounts")


@user.command("remove")
def user_remove(
    review_dir: Path = ReviewArg,
    name: str = NameArg,
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Remove a member's login; their sessions end at once (their decisions stay)."""
    from evimap.review import Review

    with cli_errors(), Review.open(review_dir, db=db) as review:
        account = review.accounts.remove(name, actor=actor)
    if fmt is OutputFormat.table:
        console.print(f"Removed the login of {account.name}.", markup=False)
    else:
        emit_object(account.to_dict(), fmt)


@user.command("password")
def user_password(
    review_dir: Path = ReviewArg,
    name: str = NameArg,
    password_stdin: bool = PasswordStdinOption,
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Set a member's password; their sessions end at once."""
    from evimap.review import Review

    with cli_errors(), Review.open(review_dir, db=db) as review:
        account = review.accounts.set_password(name, _password(password_stdin), actor=actor)
    if fmt is OutputFormat.table:
        console.print(f"Changed the password of {account.name}.", markup=False)
    else:
        emit_object(account.to_dict(), fmt)
