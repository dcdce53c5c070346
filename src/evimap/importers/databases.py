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
ACADEMIC_SEARCH_PREMIER = "Academic Search Premier"
CRIMINAL_JUSTICE_ABSTRACTS = "Criminal Justice Abstracts"
CINAHL = "CINAHL"
CAB_ABSTRACTS = "CAB Abstracts"
ERIC = "ERIC"

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
    # Names and codes that RIS/Ovid exports write in their DB/DP tags.
    "psyh": PSYCINFO,
    "ovid medline": MEDLINE,
    "ovid medline(r)": MEDLINE,
    "nlm": PUBMED,
    "embase classic+embase": EMBASE,
    "ebscohost": EBSCO,
    "academic search premier": ACADEMIC_SEARCH_PREMIER,
    "aph": ACADEMIC_SEARCH_PREMIER,
    "criminal justice abstracts": CRIMINAL_JUSTICE_ABSTRACTS,
    "criminal justice abstracts with full text": CRIMINAL_JUSTICE_ABSTRACTS,
    "i3h": CRIMINAL_JUSTICE_ABSTRACTS,
    "cja": CRIMINAL_JUSTICE_ABSTRACTS,
    "cinahl": CINAHL,
    "cinahl complete": CINAHL,
    "cab abstracts": CAB_ABSTRACTS,
    "eric": ERIC,
}

# Database codes in EBSCOhost links (``db=psyh``) and Ovid links (``D=psyc16``), by prefix.
_EBSCO_CODES: dict[str, str] = {
    "psyh": PSYCINFO,
    "pdh": PSYCINFO,
    "aph": ACADEMIC_SEARCH_PREMIER,
    "i3h": CRIMINAL_JUSTICE_ABSTRACTS,
    "cja": CRIMINAL_JUSTICE_ABSTRACTS,
    "cmedm": MEDLINE,
    "mdc": MEDLINE,
    "ccm": CINAHL,
    "rzh": CINAHL,
    "c8h": CINAHL,
    "eric": ERIC,
    "ecn": "EconLit",
}
_OVID_CODES: dict[str, str] = {
    "psyc": PSYCINFO,
    "psyh": PSYCINFO,
    "medl": MEDLINE,
    "mesz": MEDLINE,
    "prem": MEDLINE,
    "medall": MEDLINE,
    "emed": EMBASE,
    "emez": EMBASE,
    "oemezd": EMBASE,
    "emexa": EMBASE,
    "emexb": EMBASE,
    "caba": CAB_ABSTRACTS,
    "cagh": CAB_ABSTRACTS,
    "zoor": ZOOLOGICAL_RECORD,
}
_EBSCO_LINK = re.compile(r"ebscohost\.com/.*?[?&]db=([a-z0-9]+)", re.I)
_OVID_LINK = re.compile(r"ovid\.com/.*?[?&]D=([a-z]+)", re.I)
_LINK_SIGNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"scopus\.com/|\beid=2-s2\.0-"), SCOPUS),
    (
        re.compile(r"webofscience\.com|webofknowledge\.com|isiknowledge\.com|\bWOS:\d"),
        WEB_OF_SCIENCE,
    ),
    (re.compile(r"embase\.com/"), EMBASE),
    (re.compile(r"proquest\.com/"), PROQUEST),
    (re.compile(r"app\.dimensions\.ai/"), DIMENSIONS),
    (re.compile(r"\blens\.org/"), LENS),
    (re.compile(r"ebscohost\.com/"), EBSCO),
    (re.compile(r"openalex\.org/W\d"), OPENALEX),
]
_NAME_NOISE = re.compile(r"\s*(?:<[^>]*>|\(R\)|®)", re.I)

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


def database_from_tag(value: str) -> str:
    """The canonical database a RIS/Ovid DB or DP tag names (``psyh``, ``Ovid MEDLINE(R) <2019>``).

    ``""`` for a name it does not know, so that the caller can look further (links, IDs).
    Names that are not databases (``EBSCOhost`` is a platform) still map, to the platform.
    """
    key = _NAME_NOISE.sub("", value).strip().lower()
    if not key:
        return ""
    found = ALIASES.get(key)
    if found is None and key.startswith(("ovid ", "apa ")):
        key = key[4:].strip()
        found = ALIASES.get(key)
    if found is None:
        # "MEDLINE Epub Ahead of Print", "Embase Classic+Embase 1947 to ...".
        found = ALIASES.get(key.split(" ", 1)[0].split("+", 1)[0])
    return found or ""


def database_from_link(url: str) -> str:
    """The database a record's link points into (Scopus, WoS, EBSCOhost ``db=``, Ovid ``D=``...).

    Publisher and DOI links name no database and give ``""``.
    """
    match = _EBSCO_LINK.search(url)
    if match:
        return _EBSCO_CODES.get(match.group(1).lower(), EBSCO)
    match = _OVID_LINK.search(url)
    if match:
        code = match.group(1).lower()
        for prefix, database in _OVID_CODES.items():
            if code.startswith(prefix):
                return database
        return ""
    for pattern, database in _LINK_SIGNS:
        if pattern.search(url):
            return database
    return ""


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

    A name :func:`database_from_tag` knows wins; else the first known database word in the
    name; else the name as given.

    :param name: a database name as a file writes it (``Ovid MEDLINE(R)``, ``PubMed``).
    """
    clean = " ".join(name.split())
    if not clean:
        return ""
    found = database_from_tag(clean)
    if found:
        return found
    lower = clean.lower()
    for word, database in _NAME_WORDS:
        if word in lower:
            return database
    return clean
