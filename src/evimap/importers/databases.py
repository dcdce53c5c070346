"""Recognise the database an export came from, from what the file itself says."""

from __future__ import annotations

import re

WEB_OF_SCIENCE = "Web of Science"
SCOPUS = "Scopus"
PSYCINFO = "PsycINFO"
PUBMED = "PubMed"
EMBASE = "Embase"
MEDLINE = "MEDLINE"
PROQUEST = "ProQuest"
DIMENSIONS = "Dimensions"
LENS = "Lens"
OPENALEX = "OpenAlex"
IEEE = "IEEE Xplore"
SPRINGER = "SpringerLink"
EBSCO = "EBSCOhost"
ZOOLOGICAL_RECORD = "Zoological Record"

# Canonical names for what users type with --database and what files write in DB/DS tags.
ALIASES: dict[str, str] = {
    "wos": WEB_OF_SCIENCE,
    "web of science": WEB_OF_SCIENCE,
    "web of science core collection": WEB_OF_SCIENCE,
    "isi": WEB_OF_SCIENCE,
    "scopus": SCOPUS,
    "psycinfo": PSYCINFO,
    "apa psycinfo": PSYCINFO,
    "psycinfo (ovid)": PSYCINFO,
    "pubmed": PUBMED,
    "medline": MEDLINE,
    "embase": EMBASE,
    "proquest": PROQUEST,
    "dimensions": DIMENSIONS,
    "lens": LENS,
    "lens.org": LENS,
    "openalex": OPENALEX,
    "ieee": IEEE,
    "ieee xplore": IEEE,
    "springer": SPRINGER,
    "springerlink": SPRINGER,
    "zoological record": ZOOLOGICAL_RECORD,
}

# (pattern, database), tried in order on a file's first 64 KiB or on one record's text.
_SIGNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^DB  - (?:APA )?PsycInfo", re.I | re.M), PSYCINFO),
    (re.compile(r"^DB  - Embase", re.I | re.M), EMBASE),
    (re.compile(r"^DB  - (?:Ovid )?MEDLINE", re.I | re.M), MEDLINE),
    (re.compile(r"^DB  - Scopus", re.I | re.M), SCOPUS),
    (re.compile(r"^DP  - Dimensions", re.I | re.M), DIMENSIONS),
    (re.compile(r"^DP  - EBSCOhost", re.I | re.M), EBSCO),
    (re.compile(r"^DB  - Web of Science", re.I | re.M), WEB_OF_SCIENCE),
    (re.compile(r"^AN ZOOR\d", re.M), ZOOLOGICAL_RECORD),
    (
        re.compile(r"^FN (?:Clarivate Analytics |Thomson Reuters )?Web of Science", re.M),
        WEB_OF_SCIENCE,
    ),
    (re.compile(r"^UT WOS:", re.M), WEB_OF_SCIENCE),
    (re.compile(r"WOS:\d{15}"), WEB_OF_SCIENCE),
    (re.compile(r"scopus\.com/inward/record"), SCOPUS),
    (re.compile(r"\b2-s2\.0-\d{8,}"), SCOPUS),
    (re.compile(r"embase\.com/search"), EMBASE),
    (re.compile(r"search\.proquest\.com|proquest\.com/docview", re.I), PROQUEST),
    (re.compile(r"app\.dimensions\.ai"), DIMENSIONS),
    (re.compile(r"lens\.org/"), LENS),
    (re.compile(r"ovidsp\.ovid\.com", re.I), "Ovid"),
    (re.compile(r"search\.ebscohost\.com", re.I), EBSCO),
    (re.compile(r"^PMID- \d+", re.M), PUBMED),
    (re.compile(r"openalex\.org/W\d+"), OPENALEX),
    (re.compile(r"ieeexplore\.ieee\.org"), IEEE),
    (re.compile(r"link\.springer\.com"), SPRINGER),
]


def canonical_database(name: str) -> str:
    """The canonical spelling of a database name (``wos`` -> ``Web of Science``)."""
    key = name.strip().lower()
    return ALIASES.get(key, name.strip())


def database_from_text(text: str) -> str:
    """The database a file or record names, or ``""`` when it says nothing recognisable."""
    for pattern, database in _SIGNS:
        if pattern.search(text):
            return database
    return ""


# Web of Science accession numbers (UT) start with the index the record comes from; an
# "All Databases" search mixes them in one export.
WOS_ACCESSION_PREFIXES: dict[str, str] = {
    "WOS": WEB_OF_SCIENCE,
    "ISI": WEB_OF_SCIENCE,
    "MEDLINE": MEDLINE,
    "ZOOREC": ZOOLOGICAL_RECORD,
    "BCI": "BIOSIS Citation Index",
    "BIOSIS": "BIOSIS Previews",
    "CCC": "Current Contents Connect",
    "KJD": "KCI-Korean Journal Database",
    "SCIELO": "SciELO Citation Index",
    "RSCI": "Russian Science Citation Index",
    "CABI": "CAB Abstracts",
    "INSPEC": "Inspec",
    "DIIDW": "Derwent Innovations Index",
    "DRCI": "Data Citation Index",
    "FSTA": "FSTA",
    "PQDT": "ProQuest Dissertations & Theses Citation Index",
    "GCI": "Grants Index",
    "PPRN": "Preprint Citation Index",
    "ARCI": "Arabic Citation Index",
}


def database_from_accession(accession: str) -> str:
    """The index a Web of Science accession number names (``MEDLINE:31858815`` -> MEDLINE).

    :param accession: a WoS ``UT`` value, or a Zoological Record ``AN`` (``ZOOR...``).
    :returns: the database, or ``""`` for an accession without a known prefix.
    """
    value = accession.strip()
    if value.startswith("ZOOR") and not value.startswith("ZOOREC:"):
        return ZOOLOGICAL_RECORD
    prefix, sep, _ = value.partition(":")
    return WOS_ACCESSION_PREFIXES.get(prefix.upper(), "") if sep else ""


# Words that identify a database inside a longer name ("Ovid MEDLINE(R) ALL", "APA PsycInfo").
_NAME_WORDS: list[tuple[str, str]] = [
    ("psycinfo", PSYCINFO),
    ("embase", EMBASE),
    ("medline", MEDLINE),
    ("pubmed", PUBMED),
    ("scopus", SCOPUS),
    ("web of science", WEB_OF_SCIENCE),
    ("web of knowledge", WEB_OF_SCIENCE),
    ("zoological record", ZOOLOGICAL_RECORD),
    ("proquest", PROQUEST),
    ("dimensions", DIMENSIONS),
    ("ieee", IEEE),
    ("ebsco", EBSCO),
]


def database_from_name(name: str) -> str:
    """The canonical database a free-text name means (EndNote's ``remote-database-name``).

    An exact alias wins; else the first known database word in the name; else the name as given.

    :param name: a database name as a file writes it (``Ovid MEDLINE(R)``, ``PubMed``).
    """
    clean = " ".join(name.split())
    if not clean:
        return ""
    if clean.lower() in ALIASES:
        return ALIASES[clean.lower()]
    lower = clean.lower()
    for word, database in _NAME_WORDS:
        if word in lower:
            return database
    return clean
