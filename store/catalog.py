"""The catalog: one TinyDB record per document (title, source, hashes), in import order.

It is one small file written atomically under the catalog lock; adding a batch
of documents is one write, made only after their texts are durable, so the
catalog never lists a text that is not on disk.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.table import Table

from store import layout
from store.locking import Lock
from store.model import DocumentInfo
from store.records import CatalogRow
from store.storage import AtomicJSONStorage, gc_paused, sync_pending
from store.textmodel import lines
from store.texts import Texts, doc_id_for, text_sha256


def default_title(text: str) -> str:
    """A document's title when none is given: its first non-blank line, cut to 80 chars."""
    for line in lines(text):
        line = line.strip()
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return "(untitled)"


def info_from_row(r: CatalogRow) -> DocumentInfo:
    """The catalog entry of a row (the row's import order is not part of it)."""
    # Positional arguments: a quarter faster than keywords, and opening a store of
    # 10,000 documents makes 10,000 of these (fields in DocumentInfo's order).
    return DocumentInfo(
        r["id"],
        r["title"],
        r["source"],
        r["sha256"],
        r["text_sha256"],
        r["length"],
        r["added"],
        r.get("meta") or {},
    )


class Catalog:
    """The catalog file of one store, parsed once per change of the file (any process)."""

    def __init__(self, root: Path, texts: Texts, lock: Lock) -> None:
        self.root = root
        self._texts = texts
        self._lock = lock
        self._db: TinyDB | None = None
        self._cache: tuple[bytes, list[DocumentInfo], dict[str, DocumentInfo]] | None = None

    def _database(self) -> TinyDB:
        if self._db is None:
            self._db = TinyDB(
                layout.catalog_path(self.root),
                storage=AtomicJSONStorage,
                backup=layout.catalog_backup_path(self.root),
            )
        return self._db

    def _storage(self) -> AtomicJSONStorage:
        storage = self._database().storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage

    def entries(self) -> tuple[list[DocumentInfo], dict[str, DocumentInfo]]:
        """All documents in import order, and the same by id (re-parsed only after a write)."""
        storage = self._storage()
        with gc_paused():
            data = storage.read() or {}
            tail = storage._cache_tail or b""
            if self._cache is not None and self._cache[0] == tail:
                return self._cache[1], self._cache[2]
            rows: list[CatalogRow] = list((data.get("documents") or {}).values())
            orders = [r.get("order", 0) for r in rows]
            # Rows are written in import order; sort only a catalog edited by hand.
            if any(a > b for a, b in itertools.pairwise(orders)):
                rows.sort(key=lambda r: (r.get("order", 0), r["id"]))
            docs = [info_from_row(r) for r in rows]
            index = {d.id: d for d in docs}
        self._cache = (tail, docs, index)
        return docs, index

    def add_rows(
        self,
        items: Iterable[dict[str, Any]],
        results: list[tuple[DocumentInfo, bool]],
        layers: list[tuple[str, dict[str, Any]]],
        written: list[Path],
        add_layer: Callable[[str, str, dict[str, Any]], list[Path]] | None = None,
    ) -> None:
        """Add the documents of ``items`` in one catalog write, writing their texts first.

        Fills ``results`` with (info, created) per item, ``layers`` with the items
        that carry annotations (without their text, which is on disk by then, so an
        import of any size keeps only annotations in memory) and ``written`` with
        the text files this call wrote, as it goes, so a caller can take them back
        if the write fails.

        ``items`` may be a long stream (a whole import): its texts are written one by
        one, then made durable together, then the catalog is rewritten once, under
        its lock and re-read, so a document another process added meanwhile is not
        listed twice. Cost per document is constant whatever the size of the import.

        ``add_layer(doc_id, text, item)``, for the first item of a document new to the
        store, may write that document's file with the item's layer while the text is
        at hand (returning the files made, kept in ``written``); [] leaves it in ``layers``.
        """
        known = self.entries()[1]
        new_rows: dict[str, CatalogRow] = {}
        for item in items:
            text: str = item["text"]
            doc_id = doc_id_for(text)
            info = known.get(doc_id)
            created = False
            if info is not None:
                results.append((info, False))
                if text_sha256(text) == info.text_sha256:
                    # Re-importing the original brings back a lost or damaged text.
                    self._texts.restore(info.text_sha256, text)
            elif doc_id in new_rows:
                results.append((info_from_row(new_rows[doc_id]), False))
            else:
                tsha = text_sha256(text)
                if self._texts.write(tsha, text):
                    written.append(self._texts.path(tsha))
                row: CatalogRow = {
                    "id": doc_id,
                    "title": item.get("title") or default_title(text),
                    "source": item.get("source") or "",
                    "sha256": item.get("sha256") or tsha,
                    "text_sha256": tsha,
                    "length": len(text),
                    "added": time.time(),
                    "order": 0,  # given under the lock, below
                    "meta": item.get("meta") or {},
                }
                new_rows[doc_id] = row
                info = info_from_row(row)
                results.append((info, True))
                created = True
                self._texts.remember(doc_id, text)
            if (
                item.get("spans")
                or item.get("relations")
                or item.get("doc_labels")
                or item.get("status") == "done"
            ):
                if add_layer is not None and created:
                    made = add_layer(doc_id, text, item)
                    if made:
                        written.extend(made)
                        continue
                layers.append((doc_id, {k: v for k, v in item.items() if k != "text"}))
        # The texts must be on disk before a catalog that lists them.
        sync_pending()
        # Taken even with nothing new, as every import always did: an import into a
        # store it may not write (read-only media) is refused, not half-done.
        with self._lock(layout.CATALOG_LOCK):
            if not new_rows:
                return
            storage = self._storage()
            with storage.batch():
                table = Table(storage, "documents")
                raw = (storage.read() or {}).get("documents") or {}
                order = max((r.get("order", 0) for r in raw.values()), default=0)
                listed = {r["id"] for r in raw.values()}
                fresh = []
                for row in new_rows.values():
                    if row["id"] in listed:
                        continue  # another process imported the same text meanwhile
                    order += 1
                    row["order"] = order
                    fresh.append(row)
                if fresh:
                    table.insert_multiple(cast(list[dict[str, Any]], fresh))

    def close(self) -> None:
        """Close the catalog file (it is reopened on next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None
