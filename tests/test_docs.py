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


def test_every_event_kind_is_declared_once_and_documented():
    import re

    from evimap.store.kinds import Kind

    text = (REPO / "docs" / "events.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", text, re.MULTILINE)
    assert len(documented) == len(set(documented)), "a kind is documented twice"
    assert set(documented) == {k.value for k in Kind}


def test_the_code_logs_only_declared_kinds():
    """Every kind written as text in a call to EventLog.append is declared (the rest use
    Kind members, which are declared by construction)."""
    import re

    from evimap.store.kinds import Kind

    declared = {k.value for k in Kind}
    found = set()
    for path in (REPO / "src" / "evimap").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"EventLog\.append\(\s*\w+,\s*\"([a-z_.]+)\"", text))
    assert found <= declared, found - declared


def test_an_undeclared_kind_is_refused(sqlite_store):
    from evimap.store import EventLog

    with (
        pytest.raises(ValueError, match="not declared: add it to evimap/store/kinds.py"),
        sqlite_store.transaction() as session,
    ):
        EventLog.append(session, "made.up", actor="x")
    with sqlite_store.read() as session:
        assert EventLog.read(session) == []


def test_the_member_api_is_documented():
    text = (REPO / "docs" / "team.md").read_text(encoding="utf-8").lower()
    for phrase in (
        "review.team.member(",
        "the CLI trusts its user",
        "The web app is where identity is authenticated",
        "EVIMAP_AS",
        "UnknownMember",
        "StageLocked",
    ):
        assert phrase.lower() in text, phrase
