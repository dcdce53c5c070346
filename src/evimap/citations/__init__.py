"""Citation searching: parse the references of included reports, match them to the review's
records, and add the works not yet in it as candidates ("other methods" in PRISMA).

``review.citations.chase(...)`` is the entry point; the parsers, the matcher and the online
look-ups are usable on their own.
"""

from evimap.citations.chase import ChaseResult
from evimap.citations.match import Match, Matcher
from evimap.citations.model import Reference
from evimap.citations.parse import detect_style, parse_reference

__all__ = [
    "ChaseResult",
    "Match",
    "Matcher",
    "Reference",
    "detect_style",
    "parse_reference",
]
