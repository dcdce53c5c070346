"""The team web app: FastAPI, pages rendered on the server, a JSON twin of every page, and a
small hand-written JavaScript module. It only calls :class:`evimap.review.Review` and renders;
identity comes from accounts in each review's store (``review.accounts``).

``create_app`` builds the app; ``evimap serve`` runs it with uvicorn.
"""

from evimap.web.app import create_app
from evimap.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
