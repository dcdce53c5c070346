"""Open an export, decode it, and pick its format from its content (never its extension)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from evimap.errors import ImportFormatError, UnknownFormat
from evimap.importers.base import Reader
from evimap.importers.registry import all_readers, reader_class

HEAD_BYTES = 64 * 1024

# C0 control characters other than tab, line feed and carriage return, and DEL: no export
# means them, PostgreSQL refuses NUL in text, and they break terminals and XML. They are
# removed on reading, counted, and the import warns (see :class:`ReadNotes`).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@dataclass
class ReadNotes:
    """What :func:`iter_lines` noticed while reading: control characters it removed (how many,
    the first one's line), and the line of a last line without a line break."""

    count: int = 0
    first_line: int | None = None
    unterminated_line: int | None = None

    def message(self) -> str:
        """The warning an import gives about removed characters (empty when none were)."""
        if not self.count:
            return ""
        return (
            f"removed {self.count} control character(s) (NUL or similar) that no export "
            f"means; the first was on line {self.first_line}"
        )


@dataclass
class Detected:
    """The reader chosen for a file, and how sure it was."""

    reader: type[Reader]
    score: int


def decode_head(path: Path, encoding: str = "utf-8") -> str:
    """The first 64 KiB of the file as text, BOM and control characters removed, line endings
    as ``\\n`` (old Mac files end lines with a lone ``\\r``); a bad byte raises with its line.
    """
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES)
    decoder = codecs.getincrementaldecoder(_codec(encoding, data))(errors="strict")
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, data, exc, encoding) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL.search(text):
        text = CONTROL.sub("", text)
    return text.lstrip("\ufeff")


def _codec(encoding: str, data: bytes) -> str:
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
            return "utf-16"
        return "utf-8-sig"
    return encoding


def _decode_error(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str) -> Exception:
    line = data[: exc.start].count(b"\n") + 1
    return ImportFormatError(
        f"byte 0x{data[exc.start]:02x} is not valid {encoding}; the file is in another "
        "encoding (try --encoding latin-1 or cp1252)",
        file=path,
        line=line,
    )


def iter_lines(
    path: Path, encoding: str = "utf-8", notes: ReadNotes | None = None
) -> Iterator[str]:
    """The file's lines, decoded, streaming; ``\\r\\n`` and lone ``\\r`` become ``\\n``.

    Each line ends with ``\\n`` except the last when the file does not end with a line break
    (a cut-short file shows that way).

    Control characters (:data:`CONTROL`) are removed, and counted in ``notes`` when given.
    A byte that cannot be decoded raises :class:`ImportFormatError` naming the line.

    :param path: the file.
    :param encoding: its text encoding.
    :param notes: collects the control characters removed, and a last line without a break.
    """
    with open(path, "rb") as handle:
        first = handle.read(4)
        handle.seek(0)
        codec = _codec(encoding, first)
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        # In UTF-8 and the one-byte encodings a control character is its own byte, so one
        # pass of bytes.translate finds them (a regex over the decoded text is ten times
        # slower); UTF-16/32 text is searched after decoding.
        wide = codecs.lookup(codec).name.startswith(("utf-16", "utf-32"))
        line_no = 0
        pending = ""
        held: list[str] = []
        started = False
        dirty = False  # control characters seen and not yet removed
        while True:
            chunk = handle.read(1 << 20)
            final = not chunk
            if not wide and len(chunk.translate(None, CONTROL_BYTES)) != len(chunk):
                dirty = True
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                bad = chunk[exc.start] if exc.start < len(chunk) else 0
                line = line_no + pending.count("\n") + chunk[: exc.start].count(b"\n") + 1
                raise ImportFormatError(
                    f"byte 0x{bad:02x} is not valid {encoding}; the file is in another "
                    "encoding (try --encoding latin-1 or cp1252)",
                    file=path,
                    line=line,
                ) from None
            if not started and text:
                text = text.lstrip("\ufeff")
                started = True
            if not final and "\n" not in text and "\r" not in text and not pending.endswith("\r"):
                # Inside a long line (EndNote XML is one line): gather its pieces and join them
                # once, rather than re-copying the growing line for every chunk.
                held.append(text)
                continue
            if held:
                pending += "".join(held)
                held.clear()
            text = pending + text
            if "\r" in text:
                if text.endswith("\r") and not final:
                    text, pending = text[:-1], "\r"
                else:
                    pending = ""
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            else:
                pending = ""
            if (dirty or wide) and CONTROL.search(text):
                text = _remove_control(text, line_no, notes)
                dirty = False
            pieces = text.split("\n")
            # The last piece is incomplete (or, at the end, a last line without its newline).
            last = pieces.pop()
            line_no += len(pieces)
            yield from [piece + "\n" for piece in pieces]
            if final:
                if last:
                    if notes is not None:
                        notes.unterminated_line = line_no + 1
                    yield last  # the file's last line, without a line break as in the file
                return
            pending = last + pending if pending else last


def _remove_control(text: str, line_no: int, notes: ReadNotes | None) -> str:
    if notes is not None:
        if notes.first_line is None:
            first = CONTROL.search(text)
            assert first is not None
            notes.first_line = line_no + text.count("\n", 0, first.start()) + 1
        notes.count += len(CONTROL.findall(text))
    return CONTROL.sub("", text)


def detect(path: Path, head: str | None = None, format_name: str | None = None) -> Detected:
    """Choose the reader for a file: the one named, else the one most sure of the content."""
    if format_name:
        return Detected(reader_class(format_name), 100)
    if head is None:
        head = decode_head(path)
    if not head.strip():
        raise UnknownFormat("the file is empty", file=path)
    best: Detected | None = None
    for reader in all_readers():
        score = reader.sniff(head)
        if score > 0 and (best is None or score > best.score):
            best = Detected(reader, score)
    if best is None:
        first = head.strip().splitlines()[0][:60]
        raise UnknownFormat(
            f"unknown export format (first line: {first!r}); known formats: "
            + ", ".join(r.name for r in all_readers())
            + "; name one with --reader",
            file=path,
            line=1,
        )
    return best
