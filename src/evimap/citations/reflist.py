"""Reference lists as free text: pasted, or taken from a PDF's text (pypdf), split into entries."""

from __future__ import annotations

import re
from pathlib import Path

from evimap.errors import CitationError

_HEADING = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:references?(?: list| cited)?|bibliography|literature(?: cited)?"
    r"|works cited|cited literature|referencias|bibliografía|literatur)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^\s*(?:appendix|appendices|supplementary (?:material|information)|tables?\s*\d|figure\s*\d"
    r"|acknowledg(?:e)?ments?)\b",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBERED = re.compile(r"^\s*(?:\[\d{1,4}\]|\d{1,4}\.(?!\d)|\(\d{1,4}\))\s+")
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d[a-z]?(?!\d)")
# A line that opens an author-year reference: "Smith, J. A.," / "Smith JA," / "van Eck, N."
_OPENS = re.compile(
    r"^(?:[A-Z][^\s,;:()]*(?:[ -][A-Za-z][^\s,;:()]*){0,3},\s+(?:[A-Z]\.|[A-Z]{1,3}\b)"
    r"|[A-Z][^\s,;:()]+(?: [a-z]{1,3})? [A-Z]{1,3}[,.]"
    r"|(?:van|von|de|di|da|del|le|la) [A-Z])"
)


def reference_section(text: str) -> str:
    """The part of a paper's text after its last "References" heading (up to an appendix), or
    the whole text when it has no such heading (a pasted list)."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return text
    section = text[headings[-1].end() :]
    end = _END.search(section)
    return section[: end.start()] if end else section


def split_references(text: str) -> list[str]:
    """Split a reference list into one string a reference.

    Numbered lists (``1.``, ``[1]``, ``(1)``) split at their numbers; otherwise blank lines
    separate references when the list has them, else a new reference starts at a line that
    opens with an author name once the one before has a year. Words broken by a hyphen at a line
    end are joined.

    :param text: the list (or a whole paper's text; see :func:`reference_section`).
    """
    lines = [line.rstrip() for line in reference_section(text).splitlines()]
    lines = [line for line in lines if not re.fullmatch(r"\s*\d{1,4}\s*", line)]  # page numbers
    numbered = sum(1 for line in lines if _NUMBERED.match(line))
    entries: list[list[str]] = []
    if numbered >= 2:
        for line in lines:
            if _NUMBERED.match(line) or not entries:
                entries.append([line])
            elif line.strip():
                entries[-1].append(line)
    elif sum(1 for line in lines if not line.strip()) >= 2 and _blank_separated(lines):
        current: list[str] = []
        for line in lines:
            if line.strip():
                current.append(line)
            elif current:
                entries.append(current)
                current = []
        if current:
            entries.append(current)
    else:
        for line in lines:
            if not line.strip():
                continue
            starts = _OPENS.match(line.strip())
            if not entries or (starts and _YEAR.search(" ".join(entries[-1]))):
                entries.append([line])
            else:
                entries[-1].append(line)
    return [text for text in (_join(e) for e in entries) if len(text) >= 15]


def _blank_separated(lines: list[str]) -> bool:
    """Whether blank lines separate entries (most blocks between them have a year)."""
    blocks = " ".join(line if line.strip() else "\n" for line in lines).split("\n")
    blocks = [b for b in blocks if b.strip()]
    return len(blocks) >= 2 and sum(1 for b in blocks if _YEAR.search(b)) >= 0.8 * len(blocks)


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        if text.endswith("-") and line[:1].islower() and not text.endswith(" -"):
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: str | Path) -> str:
    """The text of a PDF, page after page (pypdf).

    :param path: the PDF file.
    :raises CitationError: when the file cannot be read as a PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    path = Path(path)
    try:
        reader = PdfReader(path)
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, OSError, ValueError) as exc:
        raise CitationError(f"{path}: cannot read the PDF's text ({exc})") from exc
