"""Noticing other processes' work on the store, outside the widgets.

Two newsmark processes (two terminals, or an import running beside the reader)
share one store. The reader asks a ``Watcher`` every couple of seconds what
changed since it last looked: the list of documents, and the open document's
layer. Behind a small ABC so that a future team store (PostgreSQL, with
notifications) can tell the reader the same things without polling files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

from store.errors import NewsmarkError
from store.model import DocumentInfo, Span
from store.store import Store


class Seen(NamedTuple):
    """What changed since the last look (None: unchanged)."""

    documents: list[DocumentInfo] | None = None
    spans: list[Span] | None = None


class Watcher(ABC):
    @abstractmethod
    def seen(self, doc_id: str, revision: bytes | None = None) -> None:
        """The reader now shows ``doc_id`` as it is in the store (after a load or a write).

        ``revision``: the document's revision as the writer read it right after its
        write, if it did (otherwise the watcher reads it now).
        """

    @abstractmethod
    def poll(self, doc_id: str, known_docs: int, annotator: str, damaged: bool) -> Seen:
        """What other processes changed: the document list, and this document's layer."""


class StoreWatcher(Watcher):
    """Polls the folder store: the catalog's length, and each document file's revision."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._revision = b""

    def seen(self, doc_id: str, revision: bytes | None = None) -> None:
        self._revision = self.store.revision(doc_id) if revision is None else revision

    def poll(self, doc_id: str, known_docs: int, annotator: str, damaged: bool) -> Seen:
        store = self.store
        try:
            docs = store.documents()
            documents = docs if len(docs) != known_docs else None
            if damaged:
                return Seen(documents)
            revision = store.revision(doc_id)
            if revision == self._revision:
                return Seen(documents)
            self._revision = revision
            return Seen(documents, store.spans(doc_id, annotator))
        except NewsmarkError:
            return Seen()
