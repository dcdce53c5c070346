"""The evidence-gap map: a grid of rows x columns, each bubble sized by how many studies
back the cell (empty cells are the gaps). Drawn with matplotlib, saved as SVG and PNG."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from evimap.synthesis.tables import CrossTab

# Stable output: same input, same SVG bytes (no date, fixed ids), text kept as text.
RC = {"svg.hashsalt": "evimap", "svg.fonttype": "none", "font.family": "DejaVu Sans"}
METADATA_SVG = {"Date": None, "Creator": "evimap"}
METADATA_PNG = {"Software": "evimap"}


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def gap_map_figure(table: CrossTab, title: str = "") -> Figure:
    """A bubble grid of a cross-tab: bubble area proportional to the cell count, count printed.

    :param table: the cross-tab (rows top to bottom, columns left to right).
    :param title: the figure title.
    """
    rows, columns = table.rows, table.columns
    width = 3.2 + 1.7 * max(len(columns), 1)
    height = 1.4 + 0.62 * max(len(rows), 1)
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    biggest = max((table.n(r, c) for r in rows for c in columns), default=0) or 1
    for y, r in enumerate(rows):
        for x, c in enumerate(columns):
            n = table.n(r, c)
            if n:
                axes.scatter(
                    [x],
                    [y],
                    s=120 + 1500 * n / biggest,
                    color="#2b6ca3",
                    alpha=0.55,
                    edgecolors="#1b4568",
                    linewidths=0.8,
                    zorder=3,
                )
                axes.annotate(str(n), (x, y), ha="center", va="center", fontsize=9, zorder=4)
            else:
                axes.scatter([x], [y], s=30, marker="x", color="#bbbbbb", zorder=2)
    axes.set_xticks(range(len(columns)), [_wrap(c, 24) for c in columns], fontsize=8)
    axes.set_yticks(range(len(rows)), [_wrap(r, 34) for r in rows], fontsize=8)
    axes.set_xlim(-0.6, len(columns) - 0.4)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.xaxis.tick_top()
    axes.grid(True, color="#eeeeee", zorder=0)
    axes.set_axisbelow(True)
    for side in ("right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_xlabel(f"Bubble size and number: {table.unit} ({table.column_label})", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def save_figure(figure: Figure, svg: Path | None = None, png: Path | None = None) -> str:
    """Save a figure as SVG and/or PNG (300 dpi); returns the SVG text.

    :param figure: the figure.
    :param svg: where to write the SVG (optional).
    :param png: where to write the PNG (optional).
    """
    with matplotlib.rc_context(RC):
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=METADATA_SVG)
        text = buffer.getvalue()
        if svg is not None:
            Path(svg).write_text(text, encoding="utf-8")
        if png is not None:
            figure.savefig(png, format="png", dpi=200, metadata=METADATA_PNG)
    return text


def inline_svg(svg_text: str) -> str:
    """SVG text without its XML prologue and doctype, for embedding in HTML."""
    start = svg_text.find("<svg")
    return svg_text[start:] if start >= 0 else svg_text
