"""Every kind of event the log holds, declared once.

:meth:`evimap.store.events.EventLog.append` refuses a kind that is not declared here, so a new
step of the review cannot log an event nobody documented: add the kind below and a row to
``docs/events.md`` (``tests/test_docs.py`` checks that every kind is documented there, and that
the docs name no kind that is not declared). Kinds are ``part.verb``.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """An event kind (its value is what the log stores)."""

    # importing
    IMPORT_FILE = "import.file"
    IMPORT_ROLE = "import.role"
    IMPORTS_REMOVE = "imports.remove"
    IMPORTS_RELABEL = "imports.relabel"
    # the team
    TEAM_SYNC = "team.sync"
    # logins for the web app
    ACCOUNTS_ADD = "accounts.add"
    ACCOUNTS_REMOVE = "accounts.remove"
    ACCOUNTS_PASSWORD = "accounts.password"
    ACCOUNTS_ROLE = "accounts.role"
    # search
    SEARCH_RUN = "search.run"
    SEARCH_RECALL = "search.recall"
    # duplicates and removals before screening
    DEDUP_RUN = "dedup.run"
    DEDUP_UNDO = "dedup.undo"
    DEDUP_DETACH = "dedup.detach"
    DEDUP_MERGE = "dedup.merge"
    DEDUP_REJECT = "dedup.reject"
    REMOVALS_APPLY = "removals.apply"
    REMOVAL_AUTOMATIC = "removal.automatic"
    REMOVAL_OTHER = "removal.other"
    # screening
    SCREEN_ASSIGN = "screen.assign"
    SCREEN_DECISION = "screen.decision"
    SCREEN_UNDO = "screen.undo"
    SCREEN_NOTE = "screen.note"
    SCREEN_TAGS = "screen.tags"
    SCREEN_SETTLE = "screen.settle"
    SCREEN_IMPORT = "screen.import"
    SCREEN_IMPORT_UNDO = "screen.import_undo"
    SCREEN_MOVE = "screen.move"
    SCREEN_SUMMARY = "screen.summary"
    SCREEN_STAGE = "screen.stage"
    FULLTEXT_ATTACH = "fulltext.attach"
    FULLTEXT_NOT_RETRIEVED = "fulltext.not_retrieved"
    RETRIEVAL_SUMMARY = "retrieval.summary"
    IDENTIFY_OTHER = "identify.other"
    # citation searching
    CHASE_RUN = "chase.run"
    # prioritisation
    PRIORITISE_SAMPLE = "prioritise.sample"
    PRIORITISE_STOP = "prioritise.stop"
    # charting
    CHART_IMPORT = "chart.import"
    CHART_VERIFY = "chart.verify"
    CHART_FORM = "chart.form"
    # reported counts
    PRISMA_REPORTED = "prisma.reported"
    # the store itself
    STORE_RELINK = "store.relink"


def kind_of(value: str | Kind) -> Kind:
    """The declared kind ``value`` names.

    :param value: a kind or its text (``"screen.decision"``).
    :raises ValueError: for a kind not declared in this module.
    """
    try:
        return Kind(value)
    except ValueError:
        raise ValueError(
            f"event kind {value!r} is not declared: add it to evimap/store/kinds.py and "
            "docs/events.md"
        ) from None
