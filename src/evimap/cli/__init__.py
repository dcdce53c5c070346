"""`evimap <verb>`: a thin shell over the core. Each verb parses arguments, calls one core
function, and prints; the same functions serve the web app and notebooks.

Only Typer and Rich load at start: the review (SQLAlchemy and the parts) loads when a verb runs,
so ``evimap --help`` answers fast.
"""

from __future__ import annotations

import json
import sys

import typer

from evimap import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evimap {__version__}")
        raise typer.Exit()


app = typer.Typer(
    rich_markup_mode=None,
    name="evimap",
    help="Run a scoping review end to end, reproducibly. Verbs that read a review take --as "
    "NAME (or EVIMAP_AS) to read as a member of its team (`evimap team REVIEW` lists it); "
    "without it they show what anyone may see.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print evimap's version."
    ),
) -> None:
    """Run a scoping review end to end, reproducibly."""


# Each module adds its verbs to `app` (or a sub-app) when imported; `--help` lists them in this
# order, the order of a review.
# isort: off
from evimap.cli import reviews  # noqa: E402,F401
from evimap.cli import imports  # noqa: E402,F401
from evimap.cli import search  # noqa: E402,F401
from evimap.cli import dedup  # noqa: E402,F401
from evimap.cli import screening  # noqa: E402,F401
from evimap.cli import charting  # noqa: E402,F401
from evimap.cli import chase  # noqa: E402,F401
from evimap.cli import prioritise  # noqa: E402,F401
from evimap.cli import report  # noqa: E402,F401
from evimap.cli import store  # noqa: E402,F401
from evimap.cli import demo  # noqa: E402,F401
from evimap.cli import users  # noqa: E402,F401
from evimap.cli import serve  # noqa: E402,F401

# isort: on


def _wants_json(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1] == "json":
            return True
        if arg in ("--format=json", "-fjson"):
            return True
    return False


def main() -> None:
    """Entry point of the `evimap` command; a usage error with ``--format json`` prints the
    one JSON error shape."""
    argv = sys.argv[1:]
    store.show_store_waits()
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(1)
    except typer.TyperException as exc:
        if _wants_json(argv):
            payload = {
                "ok": False,
                "error": exc.format_message(),
                "kind": type(exc).__name__,
                "errors": [{"message": exc.format_message()}],
            }
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            exc.show()
        sys.exit(exc.exit_code)
