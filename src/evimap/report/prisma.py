"""PRISMA 2020 flow counts (scoping-review form), computed from the review's event log.

Each box reads one named kind of event (see ``docs/prisma.md``). When a review has no event of
that kind, the box falls back to a count the authors *reported* (``prisma.reported`` events,
marked so), and when neither exists, to what plain arithmetic on known boxes gives (marked
*derived*). A box with none of the three is *not reported*. The counts therefore never disagree
with the data: they are never typed into the diagram.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evimap.numbers import n_of
from evimap.store import Event
from evimap.store.kinds import Kind

#: Boxes of the PRISMA2020 template (R package / Shiny app, ``inst/extdata/PRISMA.csv``) plus
#: the few extras a review that reports only totals needs.
COUNT_FIELDS = (
    "previous_studies",
    "previous_reports",
    "database_results",
    "register_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
    "other_excluded",
    "new_studies",
    "new_reports",
    "total_studies",
    "total_reports",
    # extras (not template fields): totals papers report when boxes are merged
    "removed_before_screening",
    "excluded_screening_and_eligibility",
    "dbr_included",
    "other_included",
)
EXTRA_FIELDS = (
    "removed_before_screening",
    "excluded_screening_and_eligibility",
    "dbr_included",
    "other_included",
)

#: Each box in words, as the PRISMA 2020 flow diagram (Page et al. 2021, new and updated
#: reviews) writes it; the diagram, the report's counts table, the dashboard and
#: ``evimap screening-flow`` show these, never the template's field names alone. A box of the
#: other-methods arm ends with :data:`OTHER_ARM_SUFFIX` (the diagram shows it without: its
#: column says so). In the order a reader follows the diagram: tables list the boxes so.
BOX_LABELS: dict[str, str] = {
    "previous_studies": "Studies included in previous version of review",
    "previous_reports": "Reports of studies included in previous version of review",
    "database_results": "Records identified from databases",
    "register_results": "Records identified from registers",
    "removed_before_screening": "Records removed before screening",
    "duplicates": "Duplicate records removed",
    "excluded_automatic": "Records marked as ineligible by automation tools",
    "excluded_other": "Records removed for other reasons",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "dbr_sought_reports": "Reports sought for retrieval",
    "dbr_notretrieved_reports": "Reports not retrieved",
    "dbr_assessed": "Reports assessed for eligibility",
    "dbr_excluded": "Reports excluded",
    "excluded_screening_and_eligibility": "Records excluded at screening and eligibility together",
    "dbr_included": "Studies included via databases and registers",
    "website_results": "Records identified from websites",
    "organisation_results": "Records identified from organisations",
    "citations_results": "Records identified from citation searching",
    "other_sought_reports": "Reports sought for retrieval (other methods)",
    "other_notretrieved_reports": "Reports not retrieved (other methods)",
    "other_assessed": "Reports assessed for eligibility (other methods)",
    "other_excluded": "Reports excluded (other methods)",
    "other_included": "Studies included via other methods",
    "new_studies": "New studies included in review",
    "new_reports": "Reports of new included studies",
    "total_studies": "Studies included in review",
    "total_reports": "Reports of included studies",
}
OTHER_ARM_SUFFIX = " (other methods)"

#: A box that is a share of the box(es) it comes out of: its denominator is their sum (the
#: records identified are databases plus registers). Tables print it as ``n/N (%)``.
DENOMINATORS: dict[str, tuple[str, ...]] = {
    "duplicates": ("database_results", "register_results"),
    "excluded_automatic": ("database_results", "register_results"),
    "excluded_other": ("database_results", "register_results"),
    "removed_before_screening": ("database_results", "register_results"),
    "records_excluded": ("records_screened",),
    "excluded_screening_and_eligibility": ("records_screened",),
    "dbr_notretrieved_reports": ("dbr_sought_reports",),
    "dbr_excluded": ("dbr_assessed",),
    "other_notretrieved_reports": ("other_sought_reports",),
    "other_excluded": ("other_assessed",),
}

EVENTS = "events"
REPORTED = "reported"
DERIVED = "derived"

# Event kinds each box reads (documented in docs/prisma.md; keep the two in step).
KIND_IMPORT = "import.file"
KIND_OTHER_IDENTIFIED = "identify.other"
PREFIX_DEDUP = "dedup."
PREFIX_REMOVAL = "removal."
KIND_REMOVALS_APPLY = "removals.apply"
KIND_SCREEN_SUMMARY = "screen.summary"
KIND_RETRIEVAL = "retrieval.summary"
KIND_REPORTED = "prisma.reported"
KIND_IMPORT_ROLE = "import.role"
KIND_IMPORT_REMOVE = Kind.IMPORTS_REMOVE.value
KIND_IMPORT_RELABEL = Kind.IMPORTS_RELABEL.value

OTHER_ARM = (
    "website_results",
    "organisation_results",
    "citations_results",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
    "other_excluded",
    "other_included",
)

OTHER_METHODS: dict[str, str | None] = {
    "citation searching": "citations_results",
    "citations": "citations_results",
    "reference lists": "citations_results",
    "websites": "website_results",
    "organisations": "organisation_results",
    # no template box: listed by name in the identification box and in prisma.json
    "experts": None,
}


@dataclass
class PrismaCounts:
    """The numbers of a PRISMA 2020 flow diagram and where each comes from.

    :param counts: box -> number (``None``: not known).
    :param source: box -> ``events``, ``reported`` or ``derived``.
    :param databases: records identified per database (identification box detail).
    :param other_methods: records identified per other method.
    :param removal_reasons: records removed before screening, per reason.
    :param dbr_reasons: reports excluded at eligibility (databases arm), per reason.
    :param other_reasons: reports excluded at eligibility (other methods arm), per reason.
    :param quotes: box -> the authors' words a reported count comes from.
    :param notes: remarks printed under the diagram.
    :param searched: the databases the protocol searched (listed even when their counts are
        not known).
    :param screening: the screening part's boxes replayed from the log
        (:class:`~evimap.screening.prisma.ScreeningFlow`, with the records still awaiting a
        decision), when the review was screened with evimap.
    """

    counts: dict[str, int | None] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    databases: dict[str, int] = field(default_factory=dict)
    other_methods: dict[str, int] = field(default_factory=dict)
    removal_reasons: dict[str, int] = field(default_factory=dict)
    dbr_reasons: dict[str, int] = field(default_factory=dict)
    other_reasons: dict[str, int] = field(default_factory=dict)
    quotes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    screening: Any = None

    def __getitem__(self, name: str) -> int | None:
        return self.counts.get(name)

    def known(self, name: str) -> bool:
        """Whether the box has a number."""
        return self.counts.get(name) is not None

    def set(self, name: str, value: int | None, source: str, overwrite: bool = False) -> None:
        """Give a box its number and provenance (an existing number wins unless ``overwrite``)."""
        if value is None or (self.known(name) and not overwrite):
            return
        self.counts[name] = int(value)
        self.source[name] = source

    def to_template(self) -> dict[str, Any]:
        """The counts under the PRISMA2020 template's field names (``prisma.json``).

        Unknown boxes are ``null``. ``database_specific_results`` and the exclusion boxes with
        reasons use the template's ``"Name, n; Name, n"`` form; provenance, quotes, extras and
        notes go under ``"evimap"``.
        """
        out: dict[str, Any] = {}
        for name in COUNT_FIELDS:
            if name in EXTRA_FIELDS:
                continue
            out[name] = self.counts.get(name)
            if name == "database_results":
                out["database_specific_results"] = _pairs(self.databases)
            if name == "register_results":
                out["register_specific_results"] = None
        for name, reasons in (
            ("dbr_excluded", self.dbr_reasons),
            ("other_excluded", self.other_reasons),
            ("excluded_other", self.removal_reasons),
        ):
            if reasons:
                out[name] = _pairs(reasons)
        out["evimap"] = {
            "source": dict(self.source),
            "extras": {k: self.counts.get(k) for k in EXTRA_FIELDS},
            "quotes": dict(self.quotes),
            "notes": list(self.notes),
            "searched": list(self.searched),
            "other_methods": dict(self.other_methods),
            "screening": self.screening.to_dict() if self.screening is not None else None,
            "totals": {
                "dbr_excluded": self.counts.get("dbr_excluded"),
                "other_excluded": self.counts.get("other_excluded"),
                "excluded_other": self.counts.get("excluded_other"),
            },
        }
        return out

    def denominator(self, name: str) -> int | None:
        """What box ``name`` is a share of (:data:`DENOMINATORS`), or ``None`` when it is no
        share or the boxes it comes out of are not known."""
        parts = DENOMINATORS.get(name)
        if not parts or not self.known(parts[0]):
            return None
        return sum(self[part] or 0 for part in parts)

    def rows(self, *, known_only: bool = False) -> list[dict[str, Any]]:
        """The boxes as table rows, in the diagram's order: ``box`` (the template's field
        name), ``label`` (:data:`BOX_LABELS`), ``n``, ``share`` (``n/N (%)`` of
        :meth:`denominator`, or ``""``), ``source`` and ``quote``. The report's counts table,
        ``evimap prisma`` and the web dashboard all print these.

        :param known_only: leave out the boxes with no number.
        """
        rows = []
        for name, label in BOX_LABELS.items():
            n = self[name]
            if known_only and n is None:
                continue
            of = self.denominator(name)
            rows.append(
                {
                    "box": name,
                    "label": label,
                    "n": n,
                    "share": n_of(n, of) if n is not None and of is not None else "",
                    "source": self.source.get(name, ""),
                    "quote": self.quotes.get(name, ""),
                }
            )
        return rows


def _pairs(counts: dict[str, int]) -> str | None:
    return "; ".join(f"{k}, {v}" for k, v in counts.items()) if counts else None


def _n(event: Event, *names: str) -> int | None:
    for name in names:
        value = event.counts.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _latest_by(events: Iterable[Event], key) -> dict[Any, Event]:
    out: dict[Any, Event] = {}
    for event in events:
        out[key(event)] = event
    return out


def compute_prisma(
    events: Iterable[Event],
    searched: Iterable[str] = (),
    screening: Any = None,
    reason_labels: Mapping[str, str] | None = None,
) -> PrismaCounts:
    """PRISMA 2020 counts from a review's event log (in log order).

    :param events: every event of the review (``review.events.read()``).
    :param searched: the databases the protocol names (shown in the identification box).
    :param screening: the screening part's flow replayed from the same log (an object with
        ``records_screened``, ``records_excluded``, ``reports_sought``,
        ``reports_not_retrieved``, ``reports_assessed``, ``reports_excluded``,
        ``reports_excluded_by_reason``, ``studies_included``); it fills the screening boxes.
    :param reason_labels: how each exclusion reason code reads in the eligibility boxes
        (``I4`` -> ``I4 not met: Focused on adult patients``; the protocol's criteria,
        :meth:`~evimap.protocol.Criterion.reason_label`); a code not in it reads as itself.
    """
    events = list(events)
    result = PrismaCounts(searched=list(searched), screening=screening)
    labels = dict(reason_labels or {})
    if screening is not None:
        _from_screening(result, screening, labels)
    _from_events(result, events, labels)
    _from_reported(result, [e for e in events if e.kind == KIND_REPORTED])
    _derive(result)
    return result


def _from_events(result: PrismaCounts, events: list[Event], labels: Mapping[str, str]) -> None:
    by_database: dict[str, int] = defaultdict(int)
    roles = {
        e.details.get("sha256"): e.details.get("role", "search")
        for e in events
        if e.kind == KIND_IMPORT_ROLE
    }
    # Each import's records per database, replayed: a relabelled file counts under its new
    # database, a removed one no longer counts.
    imported: dict[Any, dict[str, int]] = {}
    for e in events:
        key = e.details.get("sha256")
        searched = e.kind == KIND_IMPORT and roles.get(key, "search") == "search"
        if searched or (e.kind == KIND_IMPORT_RELABEL and key in imported):
            imported[key] = e.counts.get("by_database") or {}
        elif e.kind == KIND_IMPORT_REMOVE:
            imported.pop(key, None)
    for counts in imported.values():
        for name, n in counts.items():
            by_database[name or "unknown database"] += int(n)
    if imported:
        result.databases = dict(sorted(by_database.items(), key=lambda kv: (-kv[1], kv[0])))
        result.set("database_results", sum(by_database.values()), EVENTS)

    other = [e for e in events if e.kind == KIND_OTHER_IDENTIFIED]
    methods: dict[str, int] = defaultdict(int)
    for event in other:
        method = str(event.details.get("method") or "citation searching")
        methods[method] += _n(event, "records") or 0
    if other:
        result.other_methods = dict(methods)
        sums: dict[str, int] = defaultdict(int)
        for method, n in methods.items():
            box = OTHER_METHODS.get(method.lower(), "citations_results")
            if box is not None:
                sums[box] += n
        for name, n in sums.items():
            result.set(name, n, EVENTS)

    dedup = [
        e
        for e in events
        if e.kind.startswith(PREFIX_DEDUP) or e.kind in (KIND_IMPORT_REMOVE, KIND_IMPORT_RELABEL)
    ]
    # Snapshots (the dedup part logs the state after each run, decision or undo): latest wins.
    snapshots = [e for e in dedup if _n(e, "duplicates_removed") is not None]
    # Increments (one event per removal batch): summed.
    duplicates = [n for e in dedup if (n := _n(e, "duplicates", "removed")) is not None]
    if snapshots:
        result.set("duplicates", _n(snapshots[-1], "duplicates_removed"), EVENTS)
    elif duplicates:
        result.set("duplicates", sum(duplicates), EVENTS)

    applied = [e for e in events if e.kind == KIND_REMOVALS_APPLY]
    removals = [e for e in events if e.kind.startswith(PREFIX_REMOVAL)]
    if applied:
        latest = applied[-1]
        by_reason = latest.counts.get("by_reason") or {}
        result.set("excluded_other", _n(latest, "removed") or 0, EVENTS)
        result.removal_reasons = {str(k): int(v) for k, v in by_reason.items()}
    elif removals:
        automatic = 0
        reasons: dict[str, int] = defaultdict(int)
        for event in removals:
            n = _n(event, "records", "removed") or 0
            if event.kind == "removal.automatic" or event.details.get("automatic"):
                automatic += n
            else:
                reasons[event.why or event.details.get("reason") or "other reasons"] += n
        result.set("excluded_automatic", automatic, EVENTS)
        result.set("excluded_other", sum(reasons.values()), EVENTS)
        result.removal_reasons = dict(reasons)

    summaries = _latest_by(
        (e for e in events if e.kind == KIND_SCREEN_SUMMARY),
        lambda e: (e.details.get("stage", "title_abstract"), e.details.get("arm", "databases")),
    )
    title = summaries.get(("title_abstract", "databases"))
    if title is not None:
        result.set("records_screened", _n(title, "screened"), EVENTS)
        result.set("records_excluded", _n(title, "excluded"), EVENTS)
    for arm, prefix, reasons_attr, included in (
        ("databases", "dbr", "dbr_reasons", "dbr_included"),
        ("other", "other", "other_reasons", "other_included"),
    ):
        full = summaries.get(("full_text", arm))
        if full is None:
            continue
        result.set(f"{prefix}_assessed", _n(full, "screened", "assessed"), EVENTS)
        result.set(f"{prefix}_excluded", _n(full, "excluded"), EVENTS)
        result.set(included, _n(full, "included"), EVENTS)
        why = full.details.get("reasons") or {}
        setattr(result, reasons_attr, _labelled(why, labels))

    retrievals = _latest_by(
        (e for e in events if e.kind == KIND_RETRIEVAL), lambda e: e.details.get("arm", "databases")
    )
    for arm, prefix in (("databases", "dbr"), ("other", "other")):
        event = retrievals.get(arm)
        if event is not None:
            result.set(f"{prefix}_sought_reports", _n(event, "sought"), EVENTS)
            result.set(f"{prefix}_notretrieved_reports", _n(event, "not_retrieved"), EVENTS)


def _labelled(reasons: Mapping[Any, Any], labels: Mapping[str, str]) -> dict[str, int]:
    """Reason code -> count, keyed by how each reason reads."""
    out: dict[str, int] = {}
    for code, n in reasons.items():
        label = labels.get(str(code), str(code))
        out[label] = out.get(label, 0) + int(n)
    return out


def _from_screening(result: PrismaCounts, flow: Any, labels: Mapping[str, str]) -> None:
    """The screening and eligibility boxes from the screening part's replay of the log."""
    for box, attribute in (
        ("records_screened", "records_screened"),
        ("records_excluded", "records_excluded"),
        ("dbr_sought_reports", "reports_sought"),
        ("dbr_notretrieved_reports", "reports_not_retrieved"),
        ("dbr_assessed", "reports_assessed"),
        ("dbr_excluded", "reports_excluded"),
        ("dbr_included", "studies_included"),
    ):
        result.set(box, getattr(flow, attribute, None), EVENTS)
    labels = {**labels, **(getattr(flow, "reason_labels", {}) or {})}
    result.dbr_reasons = _labelled(getattr(flow, "reports_excluded_by_reason", {}) or {}, labels)
    if getattr(flow, "other_identified", 0):
        # records identified by other methods, screened in the same stages (their arm)
        for box, attribute in (
            ("other_sought_reports", "other_sought"),
            ("other_notretrieved_reports", "other_not_retrieved"),
            ("other_assessed", "other_assessed"),
            ("other_excluded", "other_excluded"),
            ("other_included", "other_included"),
        ):
            result.set(box, getattr(flow, attribute, None), EVENTS)
        other_reasons = getattr(flow, "other_excluded_by_reason", {}) or {}
        result.other_reasons = _labelled(other_reasons, labels)
        excluded = getattr(flow, "other_records_excluded", 0) or 0
        if excluded:
            result.notes.append(
                f"{excluded} records identified by other methods were excluded at title and "
                "abstract screening (not sought for retrieval)."
            )
    waiting = (
        (getattr(flow, "records_awaiting", 0) or 0)
        + (getattr(flow, "reports_awaiting", 0) or 0)
        + (getattr(flow, "other_awaiting", 0) or 0)
    )
    if waiting:
        result.notes.append(f"{waiting} records or reports still await a settled decision.")


def _from_reported(result: PrismaCounts, events: list[Event]) -> None:
    for event in events:
        quotes = event.details.get("quotes") or {}
        for name, value in event.counts.items():
            if name not in COUNT_FIELDS:
                continue
            if not result.known(name):
                result.set(name, value, REPORTED)
                quote = quotes.get(name) or event.details.get("quote") or event.why
                if quote:
                    result.quotes[name] = quote
        for note in event.details.get("notes") or []:
            if note not in result.notes:
                result.notes.append(note)


def _sum_if_known(result: PrismaCounts, names: Iterable[str]) -> int | None:
    values = [result[n] for n in names]
    return sum(values) if all(v is not None for v in values) else None


def _derive(result: PrismaCounts) -> None:
    """Fill what arithmetic on known boxes gives; never overwrite a computed or reported box."""
    c = result
    for _ in range(3):  # a few passes: derived boxes feed others
        if not c.known("database_results") and c.databases:
            c.set("database_results", sum(c.databases.values()), DERIVED)
        removed = _sum_if_known(c, ("duplicates", "excluded_automatic", "excluded_other"))
        c.set("removed_before_screening", removed, DERIVED)
        if c.known("database_results") and c.known("records_screened"):
            c.set(
                "removed_before_screening",
                c["database_results"] + (c["register_results"] or 0) - c["records_screened"],
                DERIVED,
            )
        if c.known("records_screened") and c.known("records_excluded"):
            c.set("dbr_sought_reports", c["records_screened"] - c["records_excluded"], DERIVED)
        if c.known("dbr_sought_reports") and c.known("dbr_notretrieved_reports"):
            c.set("dbr_assessed", c["dbr_sought_reports"] - c["dbr_notretrieved_reports"], DERIVED)
        if c.known("dbr_assessed") and c.known("dbr_excluded"):
            c.set("dbr_included", c["dbr_assessed"] - c["dbr_excluded"], DERIVED)
        if c.known("other_sought_reports") and c.known("other_notretrieved_reports"):
            c.set(
                "other_assessed",
                c["other_sought_reports"] - c["other_notretrieved_reports"],
                DERIVED,
            )
        if c.known("other_assessed") and c.known("other_excluded"):
            c.set("other_included", c["other_assessed"] - c["other_excluded"], DERIVED)
        if c.known("records_screened") and c.known("dbr_included"):
            # Records and reports still awaiting a settled decision are neither in nor out.
            awaiting = sum(
                getattr(c.screening, name, 0) or 0
                for name in ("records_awaiting", "reports_awaiting")
            )
            c.set(
                "excluded_screening_and_eligibility",
                c["records_screened"] - c["dbr_included"] - awaiting,
                DERIVED,
            )
        if c.known("dbr_included"):
            if c.known("other_included"):
                c.set("new_studies", c["dbr_included"] + c["other_included"], DERIVED)
            elif not any(c.known(k) for k in OTHER_ARM):
                c.set("new_studies", c["dbr_included"], DERIVED)
        if c.known("new_studies"):
            c.set("total_studies", c["new_studies"] + (c["previous_studies"] or 0), DERIVED)
        if c.known("new_studies") and c.known("other_included") and not c.known("dbr_included"):
            c.set("dbr_included", c["new_studies"] - c["other_included"], DERIVED)
