"""Draw the PRISMA 2020 flow diagram (new review; databases and other methods) with matplotlib.

Box wording follows the PRISMA 2020 template; numbers come from :class:`PrismaCounts`, each
marked by where it comes from (event log, reported by the authors, or derived).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from evimap.report.prisma import (
    BOX_LABELS,
    DERIVED,
    OTHER_ARM_SUFFIX,
    OTHER_METHODS,
    REPORTED,
    PrismaCounts,
)

WIDTH = 150.0
HEIGHT = 104.0
MARKS = {REPORTED: "*", DERIVED: "†"}
YELLOW = "#fde9a9"
GREY = "#e4e4e4"
BLUE = "#c5d9f1"


@dataclass
class Box:
    """A box of the diagram in diagram units (x right, y down)."""

    x: float
    y: float
    w: float
    h: float
    text: str
    fill: str = "white"
    bold: bool = False
    size: float = 9.5
    rotate: bool = False

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w, self.y + self.h / 2)

    @property
    def left(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def top(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h)


def n_text(counts: PrismaCounts, name: str) -> str:
    """``n = 775*`` (marked by provenance) or ``n = not reported``."""
    value = counts[name]
    if value is None:
        return "n = not reported"
    return f"n = {value}{MARKS.get(counts.source.get(name, ''), '')}"


def box_label(name: str) -> str:
    """Box ``name`` in the diagram's words (:data:`BOX_LABELS`; its column names the arm)."""
    return BOX_LABELS[name].removesuffix(OTHER_ARM_SUFFIX)


def counted(counts: PrismaCounts, name: str) -> str:
    """``Records screened (n = 220)``: the box's label and its number."""
    return f"{box_label(name)} ({n_text(counts, name)})"


def _lines(pairs: dict[str, int], indent: str = "  ") -> list[str]:
    return [f"{indent}{name} (n = {n})" for name, n in pairs.items()]


def _wrap(text: str, width: float) -> str:
    chars = max(int(width * 1.3), 12)
    out = []
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip(" "))
        out.extend(
            textwrap.wrap(line, chars, initial_indent="", subsequent_indent=" " * (lead + 2))
            or [""]
        )
    return "\n".join(out)


def layout(counts: PrismaCounts, title: str = "") -> tuple[list[Box], list[tuple]]:
    """The boxes and arrows of the diagram for these counts."""
    c = counts
    a_x, b_x, c_x, d_x = 7.0, 47.0, 90.0, 122.0
    a_w, b_w, c_w, d_w = 34.0, 36.0, 28.0, 27.0
    rows = {1: (10.0, 19.0), 2: (34.0, 9.0), 3: (48.0, 9.0), 4: (62.0, 17.0), 5: (84.0, 13.0)}
    boxes: dict[str, Box] = {}

    def box(key: str, x: float, row: int, w: float, text: str, **kw) -> None:
        y, h = rows[row]
        boxes[key] = Box(x, y, w, h, _wrap(text, w), **kw)

    boxes["head_db"] = Box(
        a_x,
        2.5,
        b_x + b_w - a_x,
        5,
        "Identification of new studies via databases and registers",
        YELLOW,
        bold=True,
        size=10,
    )
    boxes["head_other"] = Box(
        c_x,
        2.5,
        d_x + d_w - c_x,
        5,
        "Identification of new studies via other methods",
        GREY,
        bold=True,
        size=10,
    )
    for key, label, top, bottom in (
        ("phase_id", "Identification", 10.0, 29.0),
        ("phase_screen", "Screening", 34.0, 79.0),
        ("phase_incl", "Included", 84.0, 97.0),
    ):
        boxes[key] = Box(1.0, top, 4.5, bottom - top, label, BLUE, bold=True, size=8, rotate=True)

    identified = [counted(c, "database_results")]
    identified += _lines(c.databases)
    unknown = [name for name in c.searched if name not in c.databases]
    if unknown and not c.databases:
        identified += [f"  {name} (n = not reported)" for name in unknown]
    if c.known("register_results"):
        identified.append(f"Registers ({n_text(c, 'register_results')})")
    box("identified", a_x, 1, a_w, "\n".join(identified))

    removed = [counted(c, "removed_before_screening") + ":"]
    if any(c.known(k) for k in ("duplicates", "excluded_automatic", "excluded_other")):
        removed += [f"  {counted(c, k)}" for k in ("duplicates", "excluded_automatic")]
        removed.append(f"  {counted(c, 'excluded_other')}")
        removed += _lines(c.removal_reasons, "    ")
    else:
        removed.append(
            "  Duplicate records and records removed for other reasons, reported "
            "together (not reported separately)"
        )
    box("removed", b_x, 1, b_w, "\n".join(removed))

    def two_lines(name: str) -> str:
        return f"{box_label(name)}\n({n_text(c, name)})"

    box("screened", a_x, 2, a_w, two_lines("records_screened"))
    box("excluded", b_x, 2, b_w, two_lines("records_excluded"))
    box("sought", a_x, 3, a_w, two_lines("dbr_sought_reports"))
    box("notretrieved", b_x, 3, b_w, two_lines("dbr_notretrieved_reports"))
    box("assessed", a_x, 4, a_w, two_lines("dbr_assessed"))
    reasons = [counted(c, "dbr_excluded")]
    reasons += _lines(c.dbr_reasons)
    if c.known("excluded_screening_and_eligibility") and not (
        c.known("records_excluded") and c.known("dbr_excluded")
    ):
        reasons.append(counted(c, "excluded_screening_and_eligibility"))
    box("dbr_excluded", b_x, 4, b_w, "\n".join(reasons))

    other = []
    for name, label in (
        ("website_results", "Websites"),
        ("organisation_results", "Organisations"),
        ("citations_results", "Citation searching"),
    ):
        if c.known(name) or name == "citations_results":
            other.append(f"{label} ({n_text(c, name)})")
    for method, n in c.other_methods.items():
        if method.lower() in OTHER_METHODS and OTHER_METHODS[method.lower()] is None:
            other.append(f"{method.capitalize()} ({n})")
    box("other_identified", c_x, 1, c_w, "Records identified from:\n" + "\n".join(other))
    box("other_sought", c_x, 3, c_w, two_lines("other_sought_reports"))
    box("other_notretrieved", d_x, 3, d_w, two_lines("other_notretrieved_reports"))
    box("other_assessed", c_x, 4, c_w, two_lines("other_assessed"))
    other_reasons = [counted(c, "other_excluded")]
    other_reasons += _lines(c.other_reasons)
    box("other_excluded", d_x, 4, d_w, "\n".join(other_reasons))

    included = [counted(c, "total_studies")]
    if c.known("new_reports") or c.known("total_reports"):
        included.append(counted(c, "total_reports"))
    included.append(f"  via databases and registers ({n_text(c, 'dbr_included')})")
    included.append(f"  via other methods ({n_text(c, 'other_included')})")
    box("included", a_x, 5, a_w, "\n".join(included))

    arrows = [
        ("identified", "bottom", "screened", "top"),
        ("screened", "bottom", "sought", "top"),
        ("sought", "bottom", "assessed", "top"),
        ("assessed", "bottom", "included", "top"),
        ("identified", "right", "removed", "left"),
        ("screened", "right", "excluded", "left"),
        ("sought", "right", "notretrieved", "left"),
        ("assessed", "right", "dbr_excluded", "left"),
        ("other_identified", "bottom", "other_sought", "top"),
        ("other_sought", "bottom", "other_assessed", "top"),
        ("other_sought", "right", "other_notretrieved", "left"),
        ("other_assessed", "right", "other_excluded", "left"),
        ("other_assessed", "bottom", "included", "right"),
    ]
    return list(boxes.values()), [
        (getattr(boxes[a], pa), getattr(boxes[b], pb)) for a, pa, b, pb in arrows
    ]


def prisma_figure(counts: PrismaCounts, title: str = "") -> Figure:
    """The PRISMA 2020 flow diagram as a matplotlib figure.

    :param counts: the computed counts.
    :param title: a title above the diagram.
    """
    boxes, arrows = layout(counts, title)
    legend = (
        "Numbers without a mark are computed from the review's event log; "
        "* as reported by the review's authors (reported counts); "
        "† derived from the other boxes by arithmetic."
    )
    notes = [legend, *counts.notes]
    extra = 2.6 * sum(len(textwrap.wrap(n, 170)) for n in notes)
    height = HEIGHT + extra
    figure = Figure(figsize=(WIDTH / 10, height / 10), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(height, 0)
    axes.axis("off")
    for b in boxes:
        axes.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=0.8",
                facecolor=b.fill,
                edgecolor="#333333",
                linewidth=0.8,
            )
        )
        if b.rotate:
            axes.text(
                b.x + b.w / 2,
                b.y + b.h / 2,
                b.text,
                rotation=90,
                ha="center",
                va="center",
                fontsize=b.size,
                fontweight="bold",
            )
        elif b.fill in (YELLOW, GREY):
            axes.text(
                b.x + b.w / 2,
                b.y + b.h / 2,
                b.text,
                ha="center",
                va="center",
                fontsize=b.size + 0.5,
                fontweight="bold" if b.bold else "normal",
            )
        else:
            axes.text(
                b.x + 1.2, b.y + 1.0, b.text, ha="left", va="top", fontsize=b.size, linespacing=1.25
            )
    for start, end in arrows:
        axes.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#333333",
                "lw": 0.9,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
    y = HEIGHT + 1.0
    for note in notes:
        wrapped = textwrap.fill(note, 170)
        axes.text(2.0, y, wrapped, ha="left", va="top", fontsize=8.5, color="#333333")
        y += 2.6 * len(wrapped.split("\n"))
    if title:
        axes.set_title(title)
    return figure
