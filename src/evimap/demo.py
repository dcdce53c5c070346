"""The demos: the worked example (the reference review rebuilt from data, with its report) and
the import tour (every real export imported into one review).

``evimap demo --out DIR`` builds the worked example; ``--imports-only`` runs the import tour.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from evimap.errors import EvimapError
from evimap.importing import FileImport
from evimap.records import Record
from evimap.review import Review

SAMPLE = "data/sample"
EXAMPLE = "examples/rupture_repair"
#: Files of the worked example copied into the review folder (the rest stay package data).
EXAMPLE_FILES = (
    "review.toml",
    "codebook.toml",
    "recommendations.csv",
    "research_gaps.csv",
    "report.toml",
    "checklist.toml",
)
DEMO_ARBITER = "PE"
"""The worked example's arbiter (the paper's PE), who imports and logs the reported counts."""
STALE = ("review.toml", "review.db", "review.db-wal", "review.db-shm")
EXPORT_SUFFIXES = {".ris", ".txt", ".ciw", ".nbib", ".csv", ".tsv", ".bib", ".xml"}


def sample_exports() -> Path:
    """The folder of sample exports shipped in the package."""
    return Path(str(resources.files("evimap") / SAMPLE))


def default_exports() -> Path:
    """``../shared/data/exports`` beside the working folder when it is there, else the sample."""
    shared = Path.cwd().parent / "shared" / "data" / "exports"
    return shared if shared.is_dir() else sample_exports()


def export_files(folder: Path) -> list[Path]:
    """Export files under ``folder``, in a stable order."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
    )


def import_tour(
    out: Path,
    exports: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> tuple[Review, list[FileImport]]:
    """Create a review in ``out`` (replacing its store) and import every export under ``exports``.

    :param out: the review folder to write.
    :param exports: folder of exports (default: :func:`default_exports`).
    :param on_file: called before each file is imported (for progress).
    """
    exports = exports or default_exports()
    files = export_files(exports)
    if not files:
        raise EvimapError(f"no export files under {exports}")
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("review.toml", "review.db", "review.db-wal", "review.db-shm"):
        (out / stale).unlink(missing_ok=True)
    review = Review.init(out, title="evimap import tour")
    owner = review.team.member("owner")
    results = []
    for path in files:
        if on_file:
            on_file(path)
        results.append(review.imports.add(path, member=owner))
    return review, results


def example_folder() -> Path:
    """The worked example's data shipped in the package (examples/rupture_repair)."""
    return Path(str(resources.files("evimap") / EXAMPLE))


@dataclass
class ExampleBuild:
    """What building the worked example did, and the report files it wrote."""

    folder: Path
    imported: FileImport
    charted_studies: int
    reported_events: int
    files: dict[str, Path] = field(default_factory=dict)
    consistency: object | None = None


def build_example(
    out: Path,
    *,
    on_step: Callable[[str], None] | None = None,
    report: bool = True,
    db: str | None = None,
) -> ExampleBuild:
    """Build the reference review in ``out`` on SQLite and write its report there.

    Copies the protocol, codebook, recommendations map, research gaps, report and checklist
    settings into ``out``, puts ``included.ris`` in ``out/exports``, imports it (logged as the
    set of included studies, not a search result), imports the charting (reviewer AL-V), logs
    the PRISMA totals the paper reports as ``prisma.reported`` events, then writes the report:
    ``report.html``, ``prisma.svg|png|json``, ``workbook.xlsx``, ``included.ris|bib|csv``,
    ``tables/``, ``figures/``, ``narrative.md`` and ``consistency.md``.

    :param out: the folder (created; an earlier demo's store and protocol there are replaced).
    :param on_step: called with a short description before each step (for progress).
    :param report: also write the report (``False``: only build the review).
    :param db: a database URL for the store instead of review.db in ``out`` (it must be empty).
    """
    from evimap.report.reported import load_reported_counts, log_reported_counts

    step = on_step or (lambda _text: None)
    source = example_folder()
    out.mkdir(parents=True, exist_ok=True)
    for stale in STALE:
        (out / stale).unlink(missing_ok=True)
    for name in EXAMPLE_FILES:
        shutil.copyfile(source / name, out / name)
    (out / "exports").mkdir(exist_ok=True)
    ris = out / "exports" / "included.ris"
    shutil.copyfile(source / "included.ris", ris)

    step("importing the 25 included studies")
    with Review.open(out, db=db) as review:
        arbiter = review.team.member(DEMO_ARBITER)
        # the paper's included studies, not a search result: not counted as identified
        imported = review.imports.add(ris, member=arbiter, role="included")
        step("charting (reviewer AL-V)")
        charted = review.charting.import_file(
            source / "charting.toml", member=review.team.member("AL-V")
        )
        step("logging the PRISMA counts the paper reports")
        reported = log_reported_counts(
            review.store, load_reported_counts(source / "reported_counts.toml"), arbiter.name
        )
        build = ExampleBuild(out, imported, charted.studies, reported)
        if report:
            from evimap.report.build import compute_report, write_report

            step("computing and writing the report")
            data = compute_report(review, paper_numbers=source / "paper_numbers.toml")
            build.files = write_report(data, out)
            build.consistency = data.consistency
    return build


def read_file_records(path: Path) -> list[Record]:
    """The records of an export file read with evimap's importers, without a store.

    :param path: the export file (format detected from its content).
    :raises ImportFormatError: naming file and line when a record is broken.
    """
    from evimap.errors import ImportFormatError
    from evimap.importers.detect import decode_head, detect, iter_lines

    reader_cls = detect(path, decode_head(path)).reader
    reader = reader_cls(path.name, None)
    records = []
    for entry in reader.split(iter_lines(path)):
        if entry.error:
            raise ImportFormatError(entry.error, file=path, line=entry.error_line or entry.line)
        records.append(reader.convert(entry))
    return records


def example_recommendations() -> tuple[list, dict[str, str]]:
    """The worked example's recommendations map and the author-year label of each study.

    Reads the packaged data directly (no review folder needed), for ``evimap recommend``.
    """
    from evimap.synthesis.citations import citation_labels
    from evimap.synthesis.recommendations import RECOMMENDATIONS_FILE, load_recommendations

    folder = example_folder()
    records = {r.source_record_id: r for r in read_file_records(folder / "included.ris")}
    labels = citation_labels(records)
    return load_recommendations(folder / RECOMMENDATIONS_FILE, labels), labels


def recommend_example(
    *,
    rupture: str | None = None,
    context: str | None = None,
    approach: str | None = None,
    include_general: bool = False,
) -> list[dict]:
    """The worked example's recommendations map, filtered as ``review.recommend`` filters a
    review's (``evimap recommend`` without a review).

    :param rupture: ``withdrawal`` or ``confrontation``.
    :param context: a context (``complex-trauma``, ``telepsychotherapy``...).
    :param approach: a therapeutic approach family.
    :param include_general: also list recommendations specific to none.
    """
    from evimap.synthesis.recommendations import explore

    recs, labels = example_recommendations()
    return explore(
        recs,
        labels,
        rupture=rupture,
        context=context,
        approach=approach,
        include_general=include_general,
    )


def review_recommendations(review: Review) -> tuple[list, dict[str, str]]:
    """A review's recommendations map (recommendations.csv in its folder) and study labels.

    :param review: the open review.
    :raises ReportError: when the review has no recommendations.csv.
    """
    from evimap.synthesis.citations import citation_labels
    from evimap.synthesis.recommendations import RECOMMENDATIONS_FILE, load_recommendations

    recs = load_recommendations(review.folder / RECOMMENDATIONS_FILE)
    keys = {k for r in recs for k in r.sources}
    records = {
        record.source_record_id: record
        for _id, record in review.records.iter()
        if record.source_record_id in keys
    }
    return recs, citation_labels(records)
