"""Security of every response and request: headers (CSP, frame-ancestors, nosniff, referrer
policy), CSRF tokens, and the login rate limit."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The pages' Content-Security-Policy: no inline script or style, nothing from elsewhere."""

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
"""For SVG figures shown as images: their drawing styles are inline; no script can run."""

PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"
"""For a PDF opened in the browser's own viewer (which the viewer may need as an object)."""

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response (a response that
    sets its own Content-Security-Policy keeps it); ``no-store`` unless cacheable, and HSTS
    over HTTPS."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = dict(HEADERS)
                extra["content-security-policy"] = CSP
                extra["cache-control"] = "no-cache" if static else "no-store"
                if https:
                    extra["strict-transport-security"] = "max-age=31536000"
                for key, value in extra.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: an HMAC of its secret token, so it needs no storage and no
    other site can know it (the session cookie is HttpOnly)."""
    return hmac.new(session_token.encode(), b"evimap-csrf", hashlib.sha256).hexdigest()


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two tokens; False when either is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


class RateLimiter:
    """Failed attempts per key in a sliding window: after ``limit`` failures within
    ``window`` seconds a key is refused until its oldest failure leaves the window.

    In memory, for one server process (``evimap serve`` runs one).
    """

    def __init__(self, window: float):
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def retry_after(self, limits: dict[str, int]) -> float:
        """Seconds until every key is under its limit (0 when all are).

        :param limits: key -> failures allowed.
        """
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in limits.items():
                found = self._recent(key, now)
                if len(found) >= limit:
                    wait = max(wait, found[-limit] + self.window - now)
        return wait

    def fail(self, *keys: str) -> None:
        """Count a failure against each key."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:
                for key in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                    del self._failures[key]

    def clear(self, key: str) -> None:
        """Forget a key's failures (after a successful login)."""
        with self._lock:
            self._failures.pop(key, None)
