"""Persistence through SQLAlchemy 2: SQLite by default, any SQLAlchemy URL by config."""

from voc_service.store.repository import ConversationStore, SaveResult, open_store

__all__ = ["ConversationStore", "SaveResult", "open_store"]
