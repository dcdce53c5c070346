"""The import formats evimap knows, by name. A format is added here and nowhere else."""

from __future__ import annotations

from importlib import import_module

from evimap.importers.base import Reader

# name -> "module:Class"; loaded on first use so `evimap --help` stays fast.
FORMATS: dict[str, str] = {
    "ris": "evimap.importers.ris:RisReader",
    "ovid": "evimap.importers.ovid:OvidReader",
    "wos": "evimap.importers.wos:WosReader",
    "wos-tab": "evimap.importers.wos_tab:WosTabReader",
    "medline": "evimap.importers.pubmed:MedlineReader",
    "endnote-xml": "evimap.importers.endnote_xml:EndnoteXmlReader",
    "scopus-csv": "evimap.importers.scopus_csv:ScopusCsvReader",
    "csv": "evimap.importers.csv_generic:GenericCsvReader",
    "bibtex": "evimap.importers.bibtex:BibtexReader",
}


def reader_class(name: str) -> type[Reader]:
    """The reader registered under ``name``; an unknown name lists the valid ones."""
    try:
        target = FORMATS[name]
    except KeyError:
        from evimap.errors import EvimapError

        valid = ", ".join(sorted(FORMATS))
        raise EvimapError(f"unknown import format {name!r}; valid formats: {valid}") from None
    module, cls = target.split(":")
    return getattr(import_module(module), cls)


def all_readers() -> list[type[Reader]]:
    """Every registered reader class, in registry order."""
    return [reader_class(name) for name in FORMATS]
