"""The README's command blocks run as they are, in order, on the sample exports.

Each ``evimap ...`` line of the README's shell blocks is run through the CLI in a fresh folder
holding the sample exports and the few files the lines name (a Rayyan export, a PDF, a second
reviewer's charting); every line must succeed. ``BATCH`` stands for the batch id the previous
``decisions import`` printed. Only the interactive terminal screen is not run.
"""

from __future__ import annotations

import re
import shlex
import shutil

from typer.testing import CliRunner

from evimap.cli import app
from evimap.demo import sample_exports
from tests.conftest import REPO

INTERACTIVE = {"screen"}
"""Verbs that open a full-screen terminal app: shown in the README, not run here."""

RAYYAN = (
    "key,title,authors,journal,year,abstract,notes,doi\n"
    'rayyan-1001,"The resolution of ruptures in the therapeutic alliance",,,1996,,'
    '"RAYYAN-INCLUSION: {""reviewer-2""=>""Included""}",10.1037/0022-006x.64.3.447\n'
    'rayyan-1002,"Renegotiating tasks or goals as rupture repair",,,2023,,'
    '"RAYYAN-INCLUSION: {""reviewer-2""=>""Excluded""} | RAYYAN-EXCLUSION-REASONS: E1",'
    "10.1080/10503307.2022.2079439\n"
)
CHECK = (
    'reviewer = "NG-A"\n'
    '[[study]]\nkey = "aspland2008"\ncountry = "United Kingdom"\n'
    '[[study]]\nkey = "yeo2021"\ncountry = "United States"\n'
)
OLD_EXPORT = (
    "TY  - JOUR\nTI  - Ruptures in the working alliance revisited\nPY  - 2001\n"
    "DO  - 10.9999/old.1\nER  - \n\n"
    "TY  - JOUR\nTI  - A record broken in the middle\nPY  - twenty\nER  - \n"
)


def labelled_csv() -> str:
    """A small labelled file for ``simulate``: 6 relevant records among 30."""
    topics = ["soil erosion", "bridge design", "tax policy", "coral reefs", "jet engines"]
    rows = ["title,abstract,label_included"]
    for i in range(30):
        if i % 5 == 0:
            rows.append(
                f"Alliance rupture repair in therapy {i},"
                f"Therapists resolve ruptures in the therapeutic alliance (case {i}),1"
            )
        else:
            topic = topics[i % len(topics)]
            rows.append(f"A study of {topic} {i},Measurements of {topic} in setting {i},0")
    return "\n".join(rows) + "\n"


def commands() -> list[str]:
    """The ``evimap`` lines of the README's shell blocks, in order, comments removed."""
    out = []
    fence: str | None = None  # the language of the open block, "" for a shell block
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
        elif fence == "" and line.startswith("evimap "):
            assert " # " not in re.sub(r"\s{2,}#.*$", "", line), f"one-space comment: {line}"
            out.append(re.sub(r"\s{2,}#.*$", "", line).strip())
    return out


def _workspace(tmp_path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    for path in sample_exports().iterdir():
        if path.suffix != ".md":
            shutil.copyfile(path, exports / path.name)
    (tmp_path / "old_export.ris").write_text(OLD_EXPORT, encoding="utf-8")
    shutil.copyfile(sample_exports() / "scopus.ris", tmp_path / "known.ris")
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (tmp_path / "rayyan.csv").write_text(RAYYAN, encoding="utf-8")
    (tmp_path / "check.toml").write_text(CHECK, encoding="utf-8")
    (tmp_path / "labelled.csv").write_text(labelled_csv(), encoding="utf-8")


def toml_blocks() -> dict[str, str]:
    """The README's TOML blocks, by the first table they set (e.g. ``prioritise``)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```toml\n(.*?)^```", text, flags=re.M | re.S)
    return {re.match(r"\[+([\w.]+)\]+", b).group(1): b for b in blocks}


def test_the_readme_has_command_blocks_for_every_part():
    lines = commands()
    verbs = {line.split()[1] for line in lines}
    assert {
        "init",
        "import",
        "dedup",
        "assign",
        "decide",
        "records",
        "report",
        "recommend",
    } <= verbs
    assert len(lines) > 40


def test_every_readme_command_runs_on_the_sample_data(tmp_path, monkeypatch):
    _workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    batch = None
    enabled = False
    ran = 0
    for line in commands():
        words = shlex.split(line)
        if words[1] in INTERACTIVE:
            continue
        target = None
        if ">" in words:
            at = words.index(">")
            words, target = words[:at], words[at + 1]
        if "BATCH" in words:
            assert batch, f"{line}: no decisions import printed a batch before it"
            words = [batch if w == "BATCH" else w for w in words]
        if words[1] == "prioritise" and not enabled:
            # The README says to turn prioritisation on in review.toml with its TOML block.
            toml = tmp_path / "my-review" / "review.toml"
            toml.write_text(toml.read_text(encoding="utf-8") + "\n" + toml_blocks()["prioritise"])
            enabled = True
        result = runner.invoke(app, words[1:], input="q\n")
        assert result.exit_code == 0, f"{line}\n{result.output}"
        ran += 1
        if target:
            (tmp_path / target).write_text(result.output, encoding="utf-8")
        if words[1:3] == ["decisions", "import"]:
            batch = re.search(r"batch (\w+)", result.output).group(1)
        if words[1] == "recommend":
            assert "No recommendation names all of these" not in result.output
            assert re.search(r"[1-9]\d* mapped recommendations", result.output), result.output
    assert ran == len(commands()) - sum(1 for c in commands() if c.split()[1] in INTERACTIVE)
    assert (tmp_path / "my-review" / "report" / "report.html").is_file()
    assert (tmp_path / "records.csv").read_text(encoding="utf-8").startswith("id,")
    assert "settlement" in (tmp_path / "decisions.csv").read_text(encoding="utf-8")
