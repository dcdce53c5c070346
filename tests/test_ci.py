"""CI cannot lose the real-data tests: `.ci/run` stops when ../shared/data is missing, and with
EVIMAP_REQUIRE_SHARED_DATA a test asking for missing data fails instead of skipping."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests import conftest
from tests.conftest import REPO


def test_ci_refuses_to_run_without_the_shared_data(tmp_path):
    checkout = tmp_path / "clone"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copyfile(REPO / ".ci" / "run", checkout / ".ci" / "run")
    (checkout / "Makefile").write_text("test:\n\ttrue\n", encoding="utf-8")
    env = {**os.environ, "PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        ["bash", str(checkout / ".ci" / "run")],
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "../shared/data (real exports and labelled sets) is missing" in result.stderr


def test_a_missing_data_file_fails_when_the_data_is_required(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "SHARED_DATA", tmp_path)
    monkeypatch.setenv("EVIMAP_REQUIRE_SHARED_DATA", "1")
    with pytest.raises(pytest.fail.Exception, match="real data is required"):
        conftest.shared_data("exports")
    monkeypatch.delenv("EVIMAP_REQUIRE_SHARED_DATA")
    with pytest.raises(pytest.skip.Exception):
        conftest.shared_data("exports")
