"""The routes, one module a page: each module's ``router``."""

from evimap.web.routes import (
    account,
    charting,
    conflicts,
    dashboard,
    dedup,
    fulltext,
    report,
    screening,
    stopping,
    team,
)

ROUTERS = [
    account.router,
    dashboard.router,
    screening.router,
    stopping.router,
    conflicts.router,
    fulltext.router,
    dedup.router,
    charting.router,
    report.router,
    team.router,
]
