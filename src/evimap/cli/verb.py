"""The one verb decorator: every ``evimap`` verb is a core call wrapped by :func:`verb`.

The decorator gives a verb its shared arguments (``REVIEW``, ``--as`` / ``EVIMAP_AS``, ``--db``,
``--format`` with the formats the verb can print, checked by the parser before anything runs),
opens the review, resolves the member (``review.team.find``), calls the verb, and prints its
result: JSON is the result's ``to_dict()`` (lists of them for lists), CSV its rows, a table for
people. An evimap error exits 1 in one shape (:func:`evimap.cli.output.print_error`).

Nothing heavy is imported here: the review (SQLAlchemy, the parts) loads when a verb runs, so
``evimap --help`` answers fast.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
from typer.core import TyperCommand

from evimap.cli.output import emit_rows, print_error

if TYPE_CHECKING:  # pragma: no cover
    from evimap.members import Member
    from evimap.review import Review

TJC = ("table", "json", "csv")
TJ = ("table", "json")
AS_ENV = "EVIMAP_AS"

WRITE_VERBS: set[str] = set()
"""Full names (``decisions import``) of the verbs that change the review."""
READ_VERBS: set[str] = set()
"""Full names of the verbs that read a review (the blindness audit runs each as everyone)."""


@dataclass
class Call:
    """What a verb gets: the open review, the member (``None``: no one), the format."""

    review: Review
    member: Member | None
    fmt: str
    review_dir: Path | None = None

    def need_member(self) -> Member:
        """The member, or the team's error asking for ``--as``."""
        return self.review.team.require(self.member)


def to_json(value: Any) -> Any:
    """A result as JSON-ready data: ``to_dict()``, dataclasses, lists and dicts of them."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def find_review(args: Sequence[str]) -> Path | None:
    """The review folder a command line names (its first argument holding review.toml), or
    the current folder when it holds one."""
    for arg in args:
        if not arg.startswith("-") and (Path(arg) / "review.toml").is_file():
            return Path(arg)
    return Path(".") if Path("review.toml").is_file() else None


def team_note(args: Sequence[str]) -> str:
    """The team of the review a command line names, for ``--help``; else how to list it."""
    folder = find_review(args)
    if folder is None:
        return (
            "--as NAME (or EVIMAP_AS) names a member of the review's team; list it with "
            "`evimap team REVIEW`. On one machine the CLI trusts its user; the web app is where "
            "identity is authenticated."
        )
    try:
        data = tomllib.loads((folder / "review.toml").read_text(encoding="utf-8"))
        team = data.get("screening", {}).get("reviewers", [])
        names = ", ".join(f"{m['name']} ({m.get('role', 'reviewer')})" for m in team)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError):
        return f"The team of {folder} cannot be read; see `evimap team {folder}`."
    return (
        f"The team of {folder} (--as NAME or EVIMAP_AS): {names or 'nobody yet'}. On one "
        "machine the CLI trusts its user; the web app is where identity is authenticated."
    )


class VerbCommand(TyperCommand):
    """A verb's command: its ``--help`` ends with the team of the review it names."""

    takes_member = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["evimap_args"] = list(args)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        if self.takes_member:
            self.epilog = team_note(ctx.meta.get("evimap_args", []))
        super().format_help(ctx, formatter)


def _param(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def verb(
    parent: typer.Typer,
    name: str,
    *,
    formats: Sequence[str] = TJC,
    review: str = "required",
    member: str = "read",
    table: Callable[[Any, Call], None] | None = None,
    rows: Callable[[Any], list[dict[str, Any]]] | None = None,
    columns: Sequence[str] | None = None,
    title: str | Callable[[Any], str] | None = None,
    render: dict[str, Callable[[Any], str]] | None = None,
    full_name: str | None = None,
    writes: bool | None = None,
    fails: Callable[[Any], bool] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(call, **options)`` as the verb ``name`` of ``parent``.

    :param parent: the Typer app or group.
    :param name: the verb's name.
    :param formats: the formats it prints (checked before any work); ``table`` first.
    :param review: ``required``, ``optional`` (``[REVIEW]``) or ``none``.
    :param member: ``read`` (``--as`` optional: no one sees what anyone may), ``write``
        (``--as`` required), or ``none``.
    :param table: prints the result for people (default: :func:`emit_rows` of ``rows``).
    :param rows: the result's rows, for CSV and the default table (default: the result
        itself when it is a list).
    :param columns: the rows' columns.
    :param title: the table's title, or a function of the result.
    :param render: formats printed as text by a function of the result (``ris``, ``bib``).
    :param full_name: the name the audits know the verb by (``decisions import``).
    :param writes: the verb changes the review (default: when ``member`` is ``write``; a verb
        whose ``--as`` is optional but that writes, like ``decisions import``, says so).
    :param fails: whether a result, once printed, means the command failed (exit 1), as a
        ``verify`` that found disagreements.
    """
    formats = tuple(formats)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn, eval_str=True)
        own = list(signature.parameters.values())[1:]
        params: list[inspect.Parameter] = []
        if review == "required":
            params.append(
                _param(
                    "review_dir",
                    typer.Argument(..., metavar="REVIEW", help="The review folder."),
                    Path,
                )
            )
        elif review == "optional":
            params.append(
                _param(
                    "review_dir",
                    typer.Argument(None, metavar="[REVIEW]", help="The review folder."),
                    Path | None,
                )
            )
        params += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        if member != "none":
            params.append(
                _param(
                    "as_",
                    typer.Option(
                        None,
                        "--as",
                        envvar=AS_ENV,
                        show_envvar=True,
                        help="Who you are: a member of the review's team"
                        + (" (required)." if member == "write" else " (default: no one)."),
                    ),
                    str | None,
                )
            )
        if review != "none":
            params.append(
                _param(
                    "db",
                    typer.Option(
                        None, "--db", help="Database URL or SQLite path overriding review.toml."
                    ),
                    str | None,
                )
            )
        params.append(
            _param(
                "fmt",
                typer.Option(formats[0], "--format", "-f", help=f"{' | '.join(formats)}."),
                Literal[formats],  # type: ignore[valid-type]
            )
        )

        def wrapper(**kwargs: Any) -> None:
            fmt = kwargs.pop("fmt")
            db = kwargs.pop("db", None) if review != "none" else None
            as_name = kwargs.pop("as_", None) if member != "none" else None
            review_dir = kwargs.pop("review_dir", None) if review != "none" else None
            from evimap.errors import EvimapError

            try:
                if review == "none" or (review == "optional" and review_dir is None):
                    result = fn(Call(None, None, fmt, review_dir), **kwargs)  # type: ignore[arg-type]
                    _emit(result, fmt, None)
                    return
                from evimap.review import Review

                with Review.open(review_dir, db=db) as opened:
                    who = opened.team.find(as_name) if member != "none" else None
                    call = Call(opened, who, fmt, review_dir)
                    if member == "write":
                        call.need_member()
                    result = fn(call, **kwargs)
                    _emit(result, fmt, call)
            except EvimapError as exc:
                print_error(exc, fmt)
                raise typer.Exit(1) from None
            if fails is not None and fails(result):
                raise typer.Exit(1)

        def _emit(result: Any, fmt: str, call: Call | None) -> None:
            if result is None:
                return
            if render and fmt in render:
                typer.echo(render[fmt](result), nl=False)
            elif fmt == "json":
                typer.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2, default=str))
            elif fmt == "csv":
                emit_rows(_rows(result), "csv", columns)
            elif table is not None:
                table(result, call)  # type: ignore[arg-type]
            else:
                heading = title(result) if callable(title) else title
                emit_rows(_rows(result), "table", columns, title=heading)

        def _rows(result: Any) -> list[dict[str, Any]]:
            if rows is not None:
                return rows(result)
            return [to_json(r) for r in result]

        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        wrapper.__doc__ = fn.__doc__
        wrapper.__name__ = fn.__name__
        wrapper.__module__ = fn.__module__
        command_cls = type(
            "VerbCommand_" + fn.__name__, (VerbCommand,), {"takes_member": member != "none"}
        )
        parent.command(name, cls=command_cls)(wrapper)
        known = full_name or name
        if review != "none":
            changes = writes if writes is not None else member == "write"
            (WRITE_VERBS if changes else READ_VERBS).add(known)
        return fn

    return decorate


def env_member() -> str | None:
    """The member named by ``EVIMAP_AS`` (for verbs that run without the decorator)."""
    return os.environ.get(AS_ENV) or None
