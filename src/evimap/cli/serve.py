"""`evimap serve`: the team web app (uvicorn) over one or more reviews."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from evimap.cli import app
from evimap.cli.output import say
from evimap.cli.verb import Call, verb


@verb(app, "serve", formats=("table",), review="none", member="none")
def serve(
    call: Call,
    reviews: list[Path] = typer.Argument(
        ..., metavar="REVIEW...", help="The review folders to serve (each at /r/<folder>/)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    proxy_headers: bool = typer.Option(
        False,
        "--proxy-headers",
        help="Trust X-Forwarded-Proto/-For from --forwarded-allow-ips (behind a reverse proxy).",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", "--forwarded-allow-ips", help="Proxies whose X-Forwarded-* headers count."
    ),
    session_hours: float = typer.Option(12.0, "--session-hours", help="How long a login lasts."),
    secure_cookies: str = typer.Option(
        "auto", "--secure-cookies", help="auto (Secure over HTTPS), always or never."
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve the team web app: log in, screen, settle conflicts, chart, report."""
    import uvicorn

    from evimap.web import WebSettings, create_app

    if secure_cookies not in ("auto", "always", "never"):
        raise typer.BadParameter("--secure-cookies is auto, always or never")
    web = create_app(
        reviews,
        settings=WebSettings(session_hours=session_hours, secure_cookies=secure_cookies),
    )
    for entry in web.state.hub.entries():
        if not entry.review.accounts.list():
            say(
                f"{entry.review.folder} has no logins yet: "
                f"evimap user add {entry.review.folder} NAME --role owner"
            )
    names = ", ".join(f"/r/{e.slug}/" for e in web.state.hub.entries())
    say(f"Serving {names} on http://{host}:{port}/")
    # the open reviews, the app and its libraries live as long as the server: keep them out
    # of the collector's full passes, which walked them all (130-165 ms with the event loop
    # stopped, every few seconds under load) for nothing; the passes now take 10-20 ms
    gc.collect()
    gc.freeze()
    uvicorn.run(
        web,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level=log_level,
    )
