"""Charting: the codebook, values per study per reviewer, a verified subset with agreement."""

from evimap.charting.agreement import FieldAgreement, agreement, cohen_kappa
from evimap.charting.codebook import Codebook, Field, load_codebook, parse_codebook
from evimap.charting.sheet import ChartedStudy, parse_charting, read_charting
from evimap.charting.store import Study

__all__ = [
    "ChartedStudy",
    "Codebook",
    "Field",
    "FieldAgreement",
    "Study",
    "agreement",
    "cohen_kappa",
    "load_codebook",
    "parse_charting",
    "parse_codebook",
    "read_charting",
]
