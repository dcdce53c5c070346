"""Synthesis: frequency tables, cross-tabs, the evidence-gap map and the narrative."""

from evimap.synthesis.citations import citation_labels, cite
from evimap.synthesis.tables import (
    CrossTab,
    FrequencyRow,
    FrequencyTable,
    crosstab,
    frequency,
    study_value,
)

__all__ = [
    "CrossTab",
    "FrequencyRow",
    "FrequencyTable",
    "citation_labels",
    "cite",
    "crosstab",
    "frequency",
    "study_value",
]
