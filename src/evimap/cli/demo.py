"""`evimap demo`: build the worked example and its report (or, with --imports-only, the
import tour) and print what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, err_console, say
from evimap.cli.verb import TJ, Call, verb


class _Summary(dict):
    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.items() if not k.startswith("_")}


def _demo_table(summary: _Summary, call: Call) -> None:
    if summary["_kind"] == "tour":
        from evimap.cli.reviews import print_database_summary

        emit_rows(
            [
                {
                    "file": f["name"],
                    "format": f["format"],
                    "database": f["database"] or "(unknown)",
                    "records": f["added"],
                }
                for f in summary["files"]
            ],
            "table",
            title=f"Imported from {summary['exports']}",
        )
        print_database_summary(summary["records_by_database"])
        return
    out = Path(summary["folder"])
    emit_rows(
        [{"file": name, "path": path} for name, path in summary["files"].items()],
        "table",
        title=f"Worked example written to {out}",
    )
    say(
        f"{summary['studies_charted']} studies charted; {summary['paper_numbers']} numbers printed "
        f"in the paper recomputed: {summary['match']} match, {summary['differ']} differ "
        f"(explained in {out / 'consistency.md'}). Open {out / 'report.html'}."
    )


@verb(app, "demo", review="none", member="none", formats=TJ, table=_demo_table)
def demo(
    call: Call,
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder to write the demo to."),
    imports_only: bool = typer.Option(
        False,
        "--imports-only",
        help="Run the import tour instead: import every export into a fresh review.",
    ),
    exports: Path = typer.Option(
        None,
        "--exports",
        help="With --imports-only: folder of exports (default: ../shared/data/exports, else "
        "the sample shipped with evimap).",
    ),
):
    """Build the worked example (the reference review rebuilt from data) and write its report
    into OUT: report.html, prisma.svg/png/json, workbook.xlsx, included.ris/bib, tables/ and
    consistency.md. With --imports-only, import every export into a review in OUT instead."""
    from rich.progress import Progress

    if imports_only:
        from evimap.demo import default_exports, export_files, import_tour

        folder = exports or default_exports()
        with Progress(console=err_console(), transient=True, disable=call.fmt != "table") as bar:
            task = bar.add_task("importing", total=len(export_files(folder)))

            def on_file(path: Path) -> None:
                bar.update(task, description=path.name)
                bar.advance(task)

            review, results = import_tour(out, folder, on_file=on_file)
            totals = review.records.count_by_database()
            review.close()
        return _Summary(
            _kind="tour",
            exports=str(folder),
            files=[r.to_dict() for r in results],
            records_by_database=totals,
        )
    from evimap.demo import build_example

    with Progress(console=err_console(), transient=True, disable=call.fmt != "table") as bar:
        task = bar.add_task("building the worked example", total=None)
        build = build_example(out, on_step=lambda text: bar.update(task, description=text))
    consistency = build.consistency
    return _Summary(
        _kind="example",
        folder=str(out),
        studies_imported=build.imported.added,
        studies_charted=build.charted_studies,
        reported_counts=build.reported_events,
        files={name: str(path) for name, path in build.files.items()},
        paper_numbers=len(consistency.checks),
        match=consistency.matches,
        differ=len(consistency.differences),
    )
