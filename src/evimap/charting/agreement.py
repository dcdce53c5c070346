"""Agreement between two reviewers' charting: Cohen's kappa for categorical fields, exact
agreement for the others."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evimap.agreement import label_kappa as cohen_kappa
from evimap.charting.codebook import Codebook, Field
from evimap.numbers import percent

__all__ = ["FieldAgreement", "agreement", "cohen_kappa", "field_agreement"]

MISSING = "(no value)"


@dataclass(frozen=True)
class FieldAgreement:
    """How two reviewers agree on one field.

    :param field: the field name.
    :param type: the field type.
    :param studies: studies both reviewers charted (the denominator).
    :param agreed: studies with identical values.
    :param percent: ``agreed`` as a percentage of ``studies`` (half-up, one decimal).
    :param kappa: Cohen's kappa (categorical fields only; ``None`` when undefined).
    :param items: the number of rating items kappa was computed on (studies for single fields,
        study x choice pairs for multi fields).
    """

    field: str
    type: str
    studies: int
    agreed: int
    percent: float | None
    kappa: float | None = None
    items: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (kappa rounded to three decimals)."""
        return {
            "field": self.field,
            "type": self.type,
            "studies": self.studies,
            "agreed": self.agreed,
            "percent": self.percent,
            "kappa": None if self.kappa is None else round(self.kappa, 3),
            "items": self.items,
        }


def field_agreement(field: Field, first: dict[str, Any], second: dict[str, Any]) -> FieldAgreement:
    """Agreement on one field between two reviewers' values, over the studies both charted.

    :param field: the codebook field.
    :param first: study key -> value (or missing) of the first reviewer, for every study they
        charted.
    :param second: the same for the second reviewer.
    """
    keys = sorted(set(first) & set(second))
    a = [first[k] for k in keys]
    b = [second[k] for k in keys]
    agreed = sum(_same(field, x, y) for x, y in zip(a, b, strict=True))
    kappa = None
    items = 0
    if field.type == "single":
        la = [MISSING if x is None else x for x in a]
        lb = [MISSING if y is None else y for y in b]
        kappa, items = cohen_kappa(la, lb), len(keys)
    elif field.type == "multi":
        choices = list(field.choices)
        for value in (*a, *b):
            for v in value or []:
                if v not in choices:
                    choices.append(v)
        ia = [c in (x or []) for x in a for c in choices]
        ib = [c in (y or []) for y in b for c in choices]
        kappa, items = cohen_kappa(ia, ib), len(ia)
    return FieldAgreement(
        field.name, field.type, len(keys), agreed, percent(agreed, len(keys)), kappa, items
    )


def agreement(
    codebook: Codebook,
    first: dict[str, dict[str, Any]],
    second: dict[str, dict[str, Any]],
) -> list[FieldAgreement]:
    """Per-field agreement of two reviewers.

    :param codebook: the codebook (fields in its order).
    :param first: study key -> {field: value} for the first reviewer.
    :param second: the same for the second (usually a verified subset).
    """
    out = []
    for f in codebook:
        a = {k: values.get(f.name) for k, values in first.items()}
        b = {k: values.get(f.name) for k, values in second.items()}
        out.append(field_agreement(f, a, b))
    return out


def _same(field: Field, x: Any, y: Any) -> bool:
    if field.type == "multi":
        return set(x or []) == set(y or [])
    if field.type == "text":
        return " ".join((x or "").split()) == " ".join((y or "").split())
    return x == y
