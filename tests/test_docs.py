"""Docs stay honest: every CLI verb has help text, and the README tours every top-level verb."""

from __future__ import annotations

import pytest
import typer.main

from evimap.cli import app
from tests.conftest import REPO


def _commands(group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")


ROOT = typer.main.get_command(app)
COMMANDS = list(_commands(ROOT))


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_verb_has_help(name, command):
    assert (command.help or "").strip(), f"`evimap {name}` has no help text"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            assert (param.help or "").strip(), f"`evimap {name} {param.opts[0]}` has no help"


def test_the_readme_tours_every_top_level_verb():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in ROOT.commands if f"evimap {name}" not in readme]
    assert not missing, f"README.md does not show: {missing}"
