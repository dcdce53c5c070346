"""Settings of the web app (``evimap serve`` options)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class WebSettings:
    """How the app runs.

    :param session_hours: how long a login lasts.
    :param secure_cookies: ``auto`` marks cookies Secure when the request came over HTTPS (as
        uvicorn sees it: behind a proxy, run with ``--proxy-headers`` so X-Forwarded-Proto
        counts), ``always`` or ``never``.
    :param login_failures: failed logins per name within ``login_window`` before that name is
        refused for the rest of the window (a client address gets four times as many).
    :param login_window: the rate limit's window, in seconds.
    :param max_upload_mb: the largest PDF accepted, in MiB.
    """

    session_hours: float = 12.0
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    login_failures: int = 5
    login_window: float = 300.0
    max_upload_mb: int = 100
