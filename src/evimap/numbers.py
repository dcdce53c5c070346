"""How evimap rounds and prints numbers: percentages half-up to one decimal, everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(n: int | float, denominator: int | float, places: int = 1) -> float | None:
    """``n`` as a percentage of ``denominator``, rounded half-up (14.2857 -> 14.3).

    Returns ``None`` when the denominator is zero.
    """
    if not denominator:
        return None
    exact = Decimal(str(n)) * Decimal(100) / Decimal(str(denominator))
    step = Decimal(1).scaleb(-places)
    return float(exact.quantize(step, rounding=ROUND_HALF_UP))


def n_of(n: int, denominator: int) -> str:
    """``n/denominator (p%)`` as tables print it, e.g. ``2/14 (14.3%)``."""
    p = percent(n, denominator)
    return f"{n}/{denominator}" + (f" ({p:.1f}%)" if p is not None else "")
