"""Seaway's HTTP API (FastAPI): applications, events (and their live stream), sessions,
tokens and Git webhooks, over one controller. `create_app` builds it."""

from seaway.api.http.app import create_app
from seaway.api.http.context import ApiContext

__all__ = ["ApiContext", "create_app"]
