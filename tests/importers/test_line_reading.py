"""Decoded lines of files with long lines (EndNote XML is one line) and mixed line endings."""

from __future__ import annotations

import pytest

from evimap.importers.detect import iter_lines

MB = 1 << 20


def _expected(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@pytest.mark.parametrize(
    "text",
    [
        "a" * (3 * MB) + "\n",  # one line over several read chunks
        "\ufeff" + "b" * (2 * MB + 5),  # BOM, no final line end
        "a" * (MB - 1) + "\r" + "c" * (2 * MB) + "\r\nend",  # CR at a chunk's last byte
        "é" * MB + "\r" + "x" * (MB + 3) + "\n\n" + "y" * 10,  # two-byte characters across chunks
        "z" * (2 * MB) + "\r",  # a lone CR ends the file
    ],
)
def test_long_lines_and_line_endings(text, tmp_path):
    path = tmp_path / "lines.txt"
    data = text.encode("utf-8")
    path.write_bytes(data)
    assert list(iter_lines(path)) == _expected(data)
