"""How well references are matched to the records of the same review, on the cross-database
sets (revtools ``restoration_*``, CiteSource ``gambling-harms_*``; CiteSource's ``valid_data``
held out: the thresholds were never checked on it).

Those exports carry no reference lists, so each record with a DOI of one database is written
as another paper would cite it, in three styles and without its DOI: a WoS ``CR`` entry (no
title, the source cut to 20 upper-case characters), an older-Scopus reference and an APA one.
Each is parsed and matched against the records of the *other* databases; the truth is the
DOI (a record there with the same DOI), which the matcher never sees. Printed: matches right,
wrong (another work), missed, and false matches where the work is not there, beside a baseline
measured in the same run: the exact key of the dedup part (first author, year, title).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from evimap.citations.match import Matcher
from evimap.citations.parse import parse_reference
from evimap.dedup.normalise import norm_family, norm_title
from evimap.importing import import_file
from evimap.records import Record
from evimap.store import open_store
from evimap.store.records import iter_records

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT.parent / "shared" / "data" / "exports"
SETS = {
    "restoration": sorted((EXPORTS / "mjwestgate+revtools" / "examples").glob("restoration_*")),
    "gambling-harms": sorted(
        (EXPORTS / "ESHackathon+CiteSource" / "vignettes" / "topic_data").glob("*gambling-harms*")
    ),
    # Held out: the matcher's thresholds were set and checked on the two sets above only.
    "valid-data (held out)": sorted(
        (EXPORTS / "ESHackathon+CiteSource" / "vignettes" / "valid_data").glob("*.ris")
    ),
}


def _initials(given: str) -> str:
    return "".join(w[0] for w in given.replace("-", " ").replace(".", " ").split() if w)


def as_wos(r: Record) -> str:
    a = r.authors[0]
    parts = [f"{a.family} {_initials(a.given)}".strip(), str(r.year), r.source_title.upper()[:20]]
    if r.volume:
        parts.append(f"V{r.volume}")
    if r.pages:
        parts.append(f"P{r.pages.split('-')[0]}")
    return ", ".join(parts)


def as_scopus(r: Record) -> str:
    names = ", ".join(f"{a.family}, {'.'.join(_initials(a.given))}." for a in r.authors[:6])
    tail = f"{r.source_title}, {r.volume}" if r.volume else r.source_title
    return f"{names}, {r.title} ({r.year}) {tail}" + (f", pp. {r.pages}" if r.pages else "")


def as_apa(r: Record) -> str:
    names = [f"{a.family}, {'. '.join(_initials(a.given))}." for a in r.authors[:6]]
    authors = ", ".join(names[:-1]) + f", & {names[-1]}" if len(names) > 1 else names[0]
    volume = f", {r.volume}" if r.volume else ""
    pages = f", {r.pages}" if r.pages else ""
    return f"{authors} ({r.year}). {r.title}. {r.source_title}{volume}{pages}."


STYLES = {"wos": (as_wos, "Web of Science"), "scopus": (as_scopus, "Scopus"), "apa": (as_apa, "")}


def exact_key(family: str, year, title: str) -> tuple:
    return (norm_family(family), year, norm_title(title))


def run(name: str, files: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "review.db")
        for path in files:
            import_file(store, path)
        with store.read() as session:
            records = list(iter_records(session))
        store.close()
    databases = sorted({r.source_database for _, r in records})
    for style, (render, hint) in STYLES.items():
        ours: Counter[str] = Counter()
        base: Counter[str] = Counter()
        for db in databases:
            others = [(i, r) for i, r in records if r.source_database != db]
            matcher = Matcher(others)
            by_doi: dict[str, set[int]] = {}
            keys: dict[tuple, set[int]] = {}
            for i, r in others:
                if r.doi:
                    by_doi.setdefault(r.doi, set()).add(i)
                if r.authors:
                    keys.setdefault(exact_key(r.first_author, r.year, r.title), set()).add(i)
            for _, r in records:
                if r.source_database != db or not r.doi or not r.authors or not r.year:
                    continue
                truth = by_doi.get(r.doi, set())
                ref = parse_reference(render(r), hint)
                hit = matcher.match(ref)
                ours[_outcome({hit.key} if hit else set(), truth, others)] += 1
                found = keys.get(exact_key(ref.first_author, ref.year, ref.title), set())
                base[_outcome(found, truth, others)] += 1
        print(f"{name:15} {style:7} evimap   {_line(ours)}")
        print(f"{'':15} {'':7} baseline {_line(base)}")


def _outcome(found: set[int], truth: set[int], others) -> str:
    if truth:
        if not found:
            return "missed"
        return "right" if found & truth else "wrong"
    return "false match" if found else "rightly none"


def _line(c: Counter[str]) -> str:
    there = c["right"] + c["wrong"] + c["missed"]
    absent = c["false match"] + c["rightly none"]
    recall = c["right"] / there if there else 0.0
    return (
        f"in the review: {c['right']}/{there} right ({recall:.1%}), {c['wrong']} wrong, "
        f"{c['missed']} missed; not in it: {c['false match']}/{absent} false matches"
    )


def main() -> None:
    for name, files in SETS.items():
        if files:
            run(name, files)


if __name__ == "__main__":
    main()
