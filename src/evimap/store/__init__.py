"""The review store: SQLAlchemy models, migrations and the append-only event log.

SQLite file in the review folder by default, PostgreSQL when given a URL. Knows records but
nothing of importers, the CLI or the web app.
"""

from evimap.store.database import Store, open_store
from evimap.store.events import Event, EventLog

__all__ = ["Event", "EventLog", "Store", "open_store"]
