"""The PRISMA-ScR checklist (22 items, Tricco et al., 2018) and where a review addresses each."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from evimap.errors import Problem, ReportError
from evimap.tomlfile import load_toml

CHECKLIST_FILE = "checklist.toml"


@dataclass(frozen=True)
class ChecklistItem:
    """One PRISMA-ScR item and where it is addressed.

    :param number: 1-22.
    :param section: Title, Abstract, Introduction, Methods, Results, Discussion, Funding.
    :param topic: the item's topic.
    :param item: what to report (condensed wording).
    :param report: the anchor of the evimap report section that addresses it ('' if none).
    :param source: where evimap takes it from.
    :param where: where the review's own manuscript addresses it (from checklist.toml).
    """

    number: int
    section: str
    topic: str
    item: str
    report: str
    source: str
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON/CSV-ready."""
        return {
            "number": self.number,
            "section": self.section,
            "topic": self.topic,
            "item": self.item,
            "evimap_report": self.report,
            "evimap_source": self.source,
            "reported_in": self.where,
        }


def checklist_items(review_folder: str | Path | None = None) -> list[ChecklistItem]:
    """The 22 items, with the review's own locations from ``checklist.toml`` when present.

    :param review_folder: the review folder (optional).
    :raises ReportError: when checklist.toml names an item that does not exist.
    """
    text = (resources.files("evimap.report") / "prisma_scr.toml").read_text(encoding="utf-8")
    items = tomllib.loads(text)["item"]
    where: dict[str, str] = {}
    if review_folder is not None:
        path = Path(review_folder) / CHECKLIST_FILE
        if path.is_file():
            data = load_toml(path, lambda problem: ReportError(str(problem)))
            where = {str(k): str(v) for k, v in (data.get("where") or {}).items()}
            bad = sorted(set(where) - {str(i["number"]) for i in items}, key=str)
            if bad:
                raise ReportError(
                    str(
                        Problem(
                            f"no PRISMA-ScR item {', '.join(bad)} (items are 1-22)",
                            file=str(path),
                            field="where",
                        )
                    )
                )
    return [
        ChecklistItem(
            i["number"],
            i["section"],
            i["topic"],
            i["item"],
            i["report"],
            i["from"],
            where.get(str(i["number"]), ""),
        )
        for i in items
    ]
