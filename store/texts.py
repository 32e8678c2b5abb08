"""Document texts: one file per text, named by its sha256, written once and verified on read.

Documents are named by their text (:func:`doc_id_for`), so importing the same
text twice is a no-op, and a text whose bytes no longer match its name is
damage, reported rather than shown.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

from store import layout
from store.errors import StoreCorrupt
from store.storage import atomic_write

OPEN_TEXTS = 8  # texts kept in memory (up to MBs each)


def text_sha256(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes: the name of its file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_id_for(text: str) -> str:
    """Documents are named by their text, so importing the same text twice is a no-op."""
    return text_sha256(text)[:16]


class Texts:
    """The texts folder of one store, with the few most recent texts kept in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Bounded by what is open, not by the corpus: a few recent texts stay cached.
        self._cache: OrderedDict[str, str] = OrderedDict()

    def path(self, tsha: str) -> Path:
        """The file of the text whose sha256 is ``tsha``."""
        return layout.text_path(self.root, tsha)

    def cached(self, doc_id: str) -> str | None:
        """A document's text if it is in memory (no disk access)."""
        return self._cache.get(doc_id)

    def load(self, doc_id: str, tsha: str) -> str:
        """Read a document's text, checking it against its hash; StoreCorrupt if damaged."""
        path = self.path(tsha)
        try:
            raw = path.read_bytes()
        except OSError:
            raise StoreCorrupt(
                f"{path}: text of document {doc_id} is missing; restore it from a backup"
            ) from None
        if hashlib.sha256(raw).hexdigest() != tsha:
            raise StoreCorrupt(
                f"{path}: text of document {doc_id} has changed since import (hash mismatch); "
                "restore it from a backup"
            )
        text = raw.decode("utf-8")
        self.remember(doc_id, text)
        return text

    def remember(self, doc_id: str, text: str) -> None:
        """Keep a document's text in memory, dropping the least recently added."""
        self._cache[doc_id] = text
        while len(self._cache) > OPEN_TEXTS:
            self._cache.popitem(last=False)

    def forget(self, doc_id: str) -> None:
        """Drop a document's text from memory (its import was taken back)."""
        self._cache.pop(doc_id, None)

    def restore(self, tsha: str, text: str) -> None:
        """Write a text again unless its file is there and intact (re-import repairs)."""
        path = self.path(tsha)
        data = text.encode("utf-8")
        try:
            if (
                path.stat().st_size == len(data)
                and hashlib.sha256(path.read_bytes()).hexdigest() == tsha
            ):
                return
        except FileNotFoundError:
            pass
        atomic_write(path, data)

    def write(self, tsha: str, text: str) -> bool:
        """Write a text file unless it is there; True if this call wrote it."""
        path = self.path(tsha)
        if path.exists():
            return False
        atomic_write(path, text.encode("utf-8"))
        return True
