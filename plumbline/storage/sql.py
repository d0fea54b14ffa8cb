"""The SQL stores (SQLite or PostgreSQL through SQLAlchemy) behind the storage protocols."""

from __future__ import annotations

from sqlalchemy import Engine

from plumbline.storage.articles import SqlArticleStore
from plumbline.storage.feedback import SqlFeedbackStore
from plumbline.storage.follows import SqlFollowStore
from plumbline.storage.outlets import SqlOutletStore
from plumbline.storage.protocols import Stores
from plumbline.storage.readers import SqlReaderStore
from plumbline.storage.search import SqlSearchStore
from plumbline.storage.stories import SqlStoryStore
from plumbline.storage.subscribers import SqlSubscriberStore
from plumbline.storage.topics import SqlTopicStore


def open_stores(engine: Engine) -> Stores:
    """One store per aggregate on `engine` (each safe to share between threads)."""
    return Stores(
        outlets=SqlOutletStore(engine),
        articles=SqlArticleStore(engine),
        stories=SqlStoryStore(engine),
        topics=SqlTopicStore(engine),
        readers=SqlReaderStore(engine),
        subscribers=SqlSubscriberStore(engine),
        search=SqlSearchStore(engine),
        feedback=SqlFeedbackStore(engine),
        follows=SqlFollowStore(engine),
    )
