"""``review.charting``: the codebook, charted values per reviewer, verification and agreement."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evimap.charting.agreement import FieldAgreement, agreement
from evimap.charting.codebook import Codebook, load_codebook
from evimap.charting.sheet import read_charting, to_cell
from evimap.charting.store import (
    ChartingImport,
    Study,
    charted_values,
    load_studies,
    reviewer_counts,
    save_charting,
)
from evimap.errors import ChartingError, Problem
from evimap.members import Action, Member, writes

if TYPE_CHECKING:
    from evimap.review import Review


class Charting:
    """Charting of the included studies (``review.charting``).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review
        self._codebook: Codebook | None = None

    @property
    def codebook_path(self) -> Path:
        """The codebook file named by the protocol, relative to the review folder."""
        return self._review.folder / self._review.protocol.codebook

    @property
    def codebook(self) -> Codebook:
        """The review's codebook (read once).

        :raises CodebookError: when the file is missing or invalid.
        """
        if self._codebook is None:
            self._codebook = load_codebook(self.codebook_path)
        return self._codebook

    def _charter(self, path: str | Path, member: Member) -> tuple[Member, list]:
        """The member and their studies from a charting file; a file naming another reviewer
        is refused."""
        member = self._review.team.require(member)
        member.require(Action.CHART)
        studies = read_charting(path, self.codebook, None, default_reviewer=member.name)
        others = sorted({s.reviewer for s in studies if s.reviewer != member.name})
        if others:
            raise ChartingError(
                [
                    Problem(
                        f"the file charts for {', '.join(others)}, not for {member.name}: a "
                        "charting file is its own reviewer's (import it as them)",
                        file=str(path),
                        field="reviewer",
                    )
                ]
            )
        return member, studies

    def _included_check(self, file: str):
        """A check for :func:`save_charting`: every study must be an included study (the one
        definition, :mod:`evimap.screening.outcomes`)."""
        from evimap.dedup.state import unit_of_records
        from evimap.screening.config import ScreeningConfig
        from evimap.screening.outcomes import included_ids, why_not_included

        config = ScreeningConfig.from_protocol(self._review.protocol)

        def check(session, ids: dict[str, int]) -> list[Problem]:
            included = set(included_ids(session, config))
            kept_of = unit_of_records(session)
            problems = []
            for key, record_id in sorted(ids.items()):
                unit = kept_of.get(record_id, record_id)
                if unit not in included:
                    why = why_not_included(session, config, unit)
                    problems.append(
                        Problem(
                            f"study {key!r} (record {unit}) is not an included study: {why}; "
                            "charting takes studies included at full text or imported as "
                            "included",
                            file=file,
                        )
                    )
            return problems

        return check

    @writes
    def import_file(self, path: str | Path, *, member: Member) -> ChartingImport:
        """Store a member's values of a charting file (TOML, JSON or CSV) in one transaction.

        Every study must be an included study; a study key names its record by the ID it had
        in its source file.

        :param path: the charting file (its ``reviewer``, if given, must be ``member``).
        :param member: the reviewer who charted these values.
        """
        member, studies = self._charter(path, member)
        return save_charting(
            self._review.store,
            studies,
            file=Path(path).name,
            actor=member.name,
            check=self._included_check(str(path)),
        )

    def reviewers(self) -> dict[str, int]:
        """Studies charted per reviewer."""
        with self._review.store.read() as session:
            return reviewer_counts(session)

    def primary_reviewer(self) -> str:
        """The reviewer who charted the most studies (the first charter).

        :raises ChartingError: when nothing is charted yet.
        """
        counts = self.reviewers()
        if not counts:
            raise ChartingError([Problem("nothing is charted yet; run `evimap chart import`")])
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def values(self, reviewer: str | None = None) -> dict[str, dict[str, Any]]:
        """``study key -> {field: value}`` of one reviewer (default: the primary one)."""
        reviewer = reviewer or self.primary_reviewer()
        with self._review.store.read() as session:
            cells = charted_values(session, reviewer).get(reviewer, {})
        return {key: cell["values"] for key, cell in cells.items()}

    def studies(self, reviewer: str | None = None) -> list[Study]:
        """The charted studies with their records (default reviewer: the primary one)."""
        reviewer = reviewer or self.primary_reviewer()
        with self._review.store.read() as session:
            return load_studies(session, reviewer)

    def agreement(
        self, first: str | None = None, second: str | None = None
    ) -> list[FieldAgreement]:
        """Per-field agreement of two reviewers over the studies both charted.

        :param first: the first reviewer (default: the primary one).
        :param second: the verifying reviewer (default: the only other reviewer).
        :raises ChartingError: when there is no second reviewer to compare with.
        """
        first = first or self.primary_reviewer()
        if second is None:
            others = [r for r in self.reviewers() if r != first]
            if len(others) != 1:
                raise ChartingError(
                    [
                        Problem(
                            "name the second reviewer; charted by: "
                            + (", ".join(sorted(self.reviewers())) or "nobody")
                        )
                    ]
                )
            second = others[0]
        return agreement(self.codebook, self.values(first), self.values(second))

    @writes
    def verify(
        self, path: str | Path, *, member: Member, against: str | None = None
    ) -> tuple[ChartingImport, list[FieldAgreement]]:
        """Store a second reviewer's charting of a subset and measure agreement with the first.

        Logs ``chart.verify`` (with the per-field agreement) in the same transaction as the values.

        :param path: the verifying reviewer's charting file.
        :param member: the verifying reviewer.
        :param against: the first reviewer (default: the primary one).
        """
        member, studies = self._charter(path, member)
        reviewer = member.name
        first = against or self.primary_reviewer()
        if first == reviewer:
            raise ChartingError([Problem(f"{reviewer!r} cannot verify their own charting")])
        reference = self.values(first)
        unknown = [s.key for s in studies if s.key not in reference]
        if unknown:
            raise ChartingError(
                [
                    Problem(f"study {k!r} was not charted by {first!r}", file=str(path))
                    for k in unknown
                ]
            )
        second = {s.key: s.values for s in studies}
        result = agreement(self.codebook, reference, second)
        saved = save_charting(
            self._review.store,
            studies,
            file=Path(path).name,
            actor=reviewer,
            check=self._included_check(str(path)),
            kind="chart.verify",
            details={
                "first": first,
                "second": reviewer,
                "of": len(reference),
                "agreement": [a.to_dict() for a in result],
            },
        )
        return saved, result

    def sample(self, n: int, seed: int = 0, reviewer: str | None = None) -> list[str]:
        """A reproducible random subset of the charted studies, for a second reviewer to verify.

        :param n: how many studies (all of them when ``n`` is at least their number).
        :param seed: the random seed (the same seed gives the same subset).
        :param reviewer: whose charted studies (default: the primary reviewer).
        """
        keys = sorted(self.values(reviewer))
        return sorted(random.Random(seed).sample(keys, min(n, len(keys))))

    def export_rows(
        self,
        reviewer: str | None = None,
        basis: bool = False,
        keys: list[str] | None = None,
        blank: bool = False,
    ) -> list[dict[str, Any]]:
        """One row per study: ``key`` then one column per field (cells as in charting CSV).

        :param reviewer: whose values (default: the primary reviewer).
        :param basis: add a ``FIELD_basis`` column after each field.
        :param keys: only these studies.
        :param blank: leave the values empty (a form for a second reviewer).
        """
        reviewer = reviewer or self.primary_reviewer()
        rows = []
        for study in self.studies(reviewer):
            if keys is not None and study.key not in keys:
                continue
            if blank:
                rows.append(
                    {"key": study.key, "reviewer": ""} | {f.name: "" for f in self.codebook}
                )
                continue
            row: dict[str, Any] = {"key": study.key, "reviewer": reviewer}
            for f in self.codebook:
                row[f.name] = to_cell(f.type, study.values.get(f.name))
                if basis:
                    row[f"{f.name}_basis"] = study.basis.get(f.name, "")
            rows.append(row)
        return rows
