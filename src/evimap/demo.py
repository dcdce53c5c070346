"""The demo review: a review folder built from real exports (or the shipped sample)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from evimap.errors import EvimapError
from evimap.importing import FileImport
from evimap.review import Review

SAMPLE = "data/sample"
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
    results = []
    for path in files:
        if on_file:
            on_file(path)
        results.append(review.imports.add(path, actor="evimap demo"))
    return review, results
