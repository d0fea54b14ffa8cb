"""Repository: every read and write Plumbline makes, as typed methods. The only SQL."""

from __future__ import annotations

from plumbline.storage.articles import ArticleStore
from plumbline.storage.base import as_utc, utcnow
from plumbline.storage.outlets import OutletStore
from plumbline.storage.readers import ReaderStore
from plumbline.storage.search import SearchStore
from plumbline.storage.stories import StoryStore
from plumbline.storage.subscribers import SubscriberStore
from plumbline.storage.topics import TopicStore


class Repository(
    OutletStore,
    ArticleStore,
    StoryStore,
    TopicStore,
    ReaderStore,
    SubscriberStore,
    SearchStore,
):
    """All of Plumbline's storage, one class per concern."""


__all__ = ["Repository", "as_utc", "utcnow"]
