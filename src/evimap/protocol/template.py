"""The review.toml that `evimap init` writes: every key, commented, ready to fill in."""

from __future__ import annotations

from datetime import date

TEMPLATE = """# evimap review protocol. Every step of the review reads this file; keep it under
# version control. Criteria codes double as exclusion reasons when screening: an
# inclusion criterion a record fails reads "I1 not met: <text>", an exclusion criterion
# "E1: <text>", so write each criterion as what a record must be (or must not be).

title = "{title}"
authors = []
# Charting fields, relative to this folder.
codebook = "codebook.toml"

# The question as Population - Concept - Context (JBI scoping reviews).
[question]
population = "Who the evidence is about"
concept = "What is mapped"
context = "Where or in which setting"

[search]
databases = ["Web of Science", "Scopus", "PsycINFO"]
# The Boolean equation as run in the databases (phrases in quotes, * truncation).
equation = '("term one" OR term*) AND (other OR "another phrase")'
date = "{today}"   # date of search: YYYY, YYYY-MM or YYYY-MM-DD
fields = ["title", "abstract", "keywords"]
languages = ["English"]

[[criteria]]
code = "I1"
kind = "inclusion"
text = "Describe the first inclusion criterion"

[[criteria]]
code = "E1"
kind = "exclusion"
text = "Describe the first exclusion criterion"

# Where the data lives: leave url empty for review.db (SQLite) in this folder, or give a
# PostgreSQL URL such as postgresql://user@host/dbname (the password goes in ~/.pgpass), or
# a SQLite file (.db, .sqlite, .sqlite3; relative paths are read from this folder).
# busy_timeout: seconds a write waits while another one (an import) holds the store.
[store]
url = "{store_url}"
busy_timeout = 300

# Screening: two stages (title_abstract, full_text). Defaults: two reviewers a record, blind,
# include / exclude / maybe, a reason (criterion code) required to exclude at full text.
[screening]
maybe_advances = false     # true: an arbiter may send a "maybe" on to full text

[screening.assignment]
mode = "dual"              # or "split" with overlap = 0.2 for calibration
pilot = 0                  # records every reviewer screens first, agreement reported
seed = 1

# Rayyan-style keywords marked in titles and abstracts; a trailing * truncates.
[screening.highlight]
include = []
exclude = []

# The team: reviewers screen blind; an arbiter settles conflicts; an owner runs the review
# (imports, dedup, removals, assignment). Every verb takes --as NAME (or EVIMAP_AS); on one
# machine the CLI trusts its user, the web app is where identity is authenticated.
[[screening.reviewers]]
name = "owner"
role = "owner"

[[screening.reviewers]]
name = "reviewer-1"
role = "reviewer"

[[screening.reviewers]]
name = "reviewer-2"
role = "reviewer"

[[screening.reviewers]]
name = "arbiter"
role = "arbiter"
# Deduplication (`evimap dedup`): pairs at or above `threshold` merge; pairs from `review_from`
# up to it wait for `evimap dedup review`. engine = "spark" needs `pip install evimap[spark]`.
[dedup]
engine = "duckdb"
threshold = 0.998
review_from = 0.5

# Removals before screening (`evimap remove`), one rule each with its reason; field is
# subject_areas, source_title, year, language, document_type or id. Give exclude = [...],
# keep = [...], or (for year) from = / to =. Records without a value are never removed.
# [[removals.rules]]
# reason = "wrong field of study"
# field = "subject_areas"
# exclude = ["Veterinary Sciences"]
"""


def _toml_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def render_template(title: str, store_url: str = "") -> str:
    """The protocol template with the title, today's date and the store's URL filled in.

    :param title: the review's title.
    :param store_url: ``[store] url`` (empty: review.db in the review folder).
    """
    return TEMPLATE.format(
        title=_toml_string(title),
        today=date.today().isoformat(),
        store_url=_toml_string(store_url),
    )
