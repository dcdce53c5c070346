"""evimap: run a scoping review end to end, reproducibly."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Review", "__version__"]


def __getattr__(name: str):
    # The review object pulls in the store (SQLAlchemy); load it only when asked for.
    if name == "Review":
        from evimap.review import Review

        return Review
    raise AttributeError(name)
