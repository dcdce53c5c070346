"""Full-text reports: attach a PDF (kept under ``fulltext/`` by content hash) or mark it not
retrieved. Only records that reached full text (settled include at title/abstract) qualify."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from evimap.members import Action, Member
from evimap.protocol.screening import STAGES
from evimap.screening import ledger, units
from evimap.screening.config import ScreeningConfig
from evimap.screening.errors import ScreeningError
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models_screening import FulltextRow

FULLTEXT_DIR = "fulltext"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sought(session: Session, config: ScreeningConfig, record_id: int) -> None:
    state = ledger.record_state(session, config, STAGES[0], record_id)
    if not ledger.advances(config, state):
        raise ScreeningError(
            f"record {record_id} has not been settled as include at title/abstract; its full "
            "text is not sought"
        )


def attach(
    session: Session,
    config: ScreeningConfig,
    folder: Path,
    record_id: int,
    pdf: str | Path,
    *,
    member: Member,
    name: str | None = None,
) -> FulltextRow:
    """Copy ``pdf`` to ``folder/fulltext/<sha256>.pdf`` and record it for ``record_id``.

    ``name`` is the file's original name when ``pdf`` is a temporary copy (a web upload).

    The copy is written before the row; a failed transaction leaves at most an unreferenced
    content-addressed file, never a row without its file.
    :raises ScreeningError: when the file is missing or not a PDF, or the record's full text is
        not sought.
    """
    member.require(Action.FULLTEXT)
    actor = member.name
    source = Path(pdf)
    label = name or str(source)
    if not source.is_file():
        raise ScreeningError(f"{label}: no such file")
    with source.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise ScreeningError(f"{label}: not a PDF (it does not start with %PDF-)")
    _check_sought(session, config, record_id)
    digest = _sha256(source)
    target_dir = folder / FULLTEXT_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{digest}.pdf"
    if not target.exists():
        partial = target.with_suffix(".part")
        shutil.copyfile(source, partial)
        partial.replace(target)
    row = FulltextRow(
        record_id=record_id,
        status="attached",
        sha256=digest,
        path=f"{FULLTEXT_DIR}/{target.name}",
        original_name=name or source.name,
        size=source.stat().st_size,
        actor=actor,
    )
    session.add(row)
    session.flush()
    EventLog.append(
        session,
        Kind.FULLTEXT_ATTACH,
        actor=actor,
        subject=f"record:{record_id}",
        counts={"attached": 1},
        details={
            "record_id": record_id,
            "sha256": digest,
            "path": row.path,
            "original_name": name or source.name,
            "size": row.size,
            "fulltext_id": row.id,
        },
    )
    return row


def mark_not_retrieved(
    session: Session, config: ScreeningConfig, record_id: int, *, member: Member, why: str = ""
) -> FulltextRow:
    """Record that the report of ``record_id`` could not be retrieved (PRISMA "not retrieved")."""
    member.require(Action.FULLTEXT)
    actor = member.name
    _check_sought(session, config, record_id)
    if ledger.record_state(session, config, STAGES[1], record_id).status == "settled":
        raise ScreeningError(f"record {record_id} is already settled at full text")
    row = FulltextRow(record_id=record_id, status="not_retrieved", why=why.strip(), actor=actor)
    session.add(row)
    session.flush()
    EventLog.append(
        session,
        Kind.FULLTEXT_NOT_RETRIEVED,
        actor=actor,
        subject=f"record:{record_id}",
        why=why.strip(),
        counts={"not_retrieved": 1},
        details={"record_id": record_id, "fulltext_id": row.id},
    )
    return row


def missing_rows(session: Session, config: ScreeningConfig) -> list[dict]:
    """Reports sought (settled include at title/abstract) with no PDF and not marked not
    retrieved, in record order."""
    states = ledger.stage_states(session, config, STAGES[0])
    have = ledger.fulltext_status(session)
    wanted = sorted(r for r, s in states.items() if ledger.advances(config, s) and r not in have)
    records = units.unit_records(session, wanted)
    return [
        {"record_id": r, "title": records[r].title, "doi": records[r].doi, "year": records[r].year}
        for r in wanted
    ]


def report_rows(session: Session, sought: list[int]) -> list[dict]:
    """Each report in ``sought`` with its full-text status: ``missing``, ``attached`` (with
    the file's name and size) or ``not_retrieved``."""
    have = ledger.fulltext_status(session)
    records = units.unit_records(session, sought)
    rows = []
    for rid in sought:
        status = have.get(rid)
        record = records[rid]
        rows.append(
            {
                "record_id": rid,
                "title": record.title,
                "doi": record.doi,
                "year": record.year,
                "source_record_id": record.source_record_id,
                "status": status.status if status else "missing",
                "original_name": status.original_name if status else "",
                "size": status.size if status else 0,
                "why": status.why if status else "",
            }
        )
    return rows
