"""Recall curves of simulations: recall against the share of records screened, one line a
run, with the random order's diagonal. Saved as SVG and PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from evimap.prioritise.metrics import recall_curve
from evimap.prioritise.simulate import SimulationRun
from evimap.synthesis.gapmap import save_figure


def recall_figure(runs: Sequence[SimulationRun], title: str = "") -> Figure:
    """Recall after each record, one line per run.

    :param runs: the simulations (their labels in screening order, priors left out).
    :param title: the figure's title.
    """
    figure = Figure(figsize=(6.4, 4.4), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    for run in runs:
        curve = recall_curve(run.labels)
        x = np.arange(1, len(curve) + 1) / max(len(curve), 1)
        axes.plot(x, curve, linewidth=1.1, label=f"seed {run.seed}")
    axes.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=0.9, label="random")
    axes.axhline(0.95, color="#cc6666", linewidth=0.7, linestyle=":")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("share of records screened")
    axes.set_ylabel("recall (share of relevant records found)")
    axes.grid(True, color="#eeeeee")
    axes.legend(fontsize=8, loc="lower right")
    if title:
        axes.set_title(title, fontsize=10)
    return figure


def write_recall_curves(runs: Sequence[SimulationRun], folder: Path, stem: str, title: str = ""):
    """Write ``<stem>.svg`` and ``<stem>.png`` into ``folder``; returns both paths.

    :param runs: the simulations.
    :param folder: where to write (made if missing).
    :param stem: the files' name without extension.
    :param title: the figure's title.
    """
    folder.mkdir(parents=True, exist_ok=True)
    svg, png = folder / f"{stem}.svg", folder / f"{stem}.png"
    save_figure(recall_figure(runs, title), svg=svg, png=png)
    return svg, png
