"""Document files: one small TinyDB file per document, holding every annotator's layer.

Each file keeps TinyDB's on-disk shape (``{table: {key: row}}``) with three
tables, ``spans``, ``layers`` and ``relations`` (row shapes in
:mod:`store.records`). A change locks the file, re-reads it, edits the parsed
data in place and lands as one atomic write (:meth:`DocFiles.change`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Any, Generic, TypeVar, cast

from tinydb import TinyDB

from store import layout
from store.errors import StoreCorrupt
from store.history import HISTORY_LIMIT
from store.locking import Lock
from store.model import Relation, Span
from store.records import IMPORTED_ANNOTATOR, DocFile, LayerRow, RelationRow, SpanRow
from store.storage import AtomicJSONStorage, decode_checked

OPEN_DOCS = 64  # document files kept parsed in memory
#: A parsed document file and the checksum tail it was read with.
Parsed = tuple[dict[str, Any], bytes]

Row = TypeVar("Row", bound=Mapping[str, Any])


class RawTable(Generic[Row]):
    """One TinyDB table inside a document's data, edited in place.

    The data keeps TinyDB's on-disk shape (``{table: {doc_id: record}}``), so the
    files stay TinyDB databases; editing the dict directly skips the two full
    table copies TinyDB's Table makes on every write (≈ 5 ms at 5,000 spans).
    """

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.rows: dict[str, Row] = data.setdefault(name, {})
        self._next: int | None = None

    def all(self) -> list[Row]:
        """Every row, in storage order."""
        return list(self.rows.values())

    def _key(self, field: str, value: Any) -> str | None:
        return next((k for k, r in self.rows.items() if r.get(field) == value), None)

    def get(self, field: str, value: Any) -> Row | None:
        """The first row whose ``field`` is ``value`` (the row itself: edits land)."""
        key = self._key(field, value)
        return None if key is None else self.rows[key]

    def insert(self, record: Row) -> None:
        """Add a row under a fresh storage key."""
        # TinyDB ids are only storage keys here; annotations carry their own uuid.
        if self._next is None:
            # Keys are usually 1…n; only after deletes is a scan for the maximum needed.
            guess = len(self.rows) + 1
            self._next = guess if str(guess) not in self.rows else max(map(int, self.rows)) + 1
        while str(self._next) in self.rows:  # never reuse a key, whatever the guess
            self._next += 1
        self.rows[str(self._next)] = record
        self._next += 1

    def remove(self, field: str, value: Any) -> Row | None:
        """Remove and return the first row whose ``field`` is ``value``."""
        key = self._key(field, value)
        return None if key is None else self.rows.pop(key)

    def remove_where(self, keep: Callable[[Row], bool]) -> None:
        """Remove every row ``keep`` says no to."""
        for key in [k for k, r in self.rows.items() if not keep(r)]:
            del self.rows[key]


def new_layer(annotator: str) -> LayerRow:
    """The layer of an annotator who has done nothing in a document yet."""
    return {"annotator": annotator, "status": "todo", "undo": [], "redo": []}


@dataclass
class DocData:
    """The three tables of one document file, open for one change."""

    spans: RawTable[SpanRow]
    layers: RawTable[LayerRow]
    relations: RawTable[RelationRow]

    def layer(self, annotator: str) -> LayerRow:
        """A copy of the annotator's layer (status and history) to edit and put back."""
        row = self.layers.get("annotator", annotator)
        if row is None:
            return new_layer(annotator)
        layer: LayerRow = {
            "annotator": annotator,
            "status": row.get("status", "todo"),
            "undo": list(row.get("undo") or []),
            "redo": list(row.get("redo") or []),
        }
        if "rejected" in row:
            layer["rejected"] = [list(c) for c in row["rejected"]]
        if "seeded" in row:
            layer["seeded"] = row["seeded"]
        if row.get("doc_labels"):
            layer["doc_labels"] = {k: list(v) for k, v in row["doc_labels"].items()}
        return layer

    def put_layer(self, layer: LayerRow) -> None:
        """Store an edited layer, keeping only the last ``HISTORY_LIMIT`` undo steps."""
        layer["undo"] = layer["undo"][-HISTORY_LIMIT:]
        row = self.layers.get("annotator", layer["annotator"])
        if row is None:
            self.layers.insert(layer)
        else:
            cast(dict[str, Any], row).clear()
            row.update(layer)


def _intern_names(data: dict[str, Any]) -> None:
    """Share each label and annotator name among the rows of a freshly parsed file.

    A parsed file is kept between changes (the reader's writer keeps the open
    document's); the JSON parser makes a string per value, so 5,000 spans held
    10,000 copies of a few names (~0.5 MiB).
    """
    for row in (data.get("spans") or {}).values():
        for key in ("label", "annotator"):
            value = row.get(key)
            if type(value) is str:
                row[key] = intern(value)


class DocFiles:
    """The document files of one store; the most recently used few stay parsed."""

    def __init__(self, root: Path, lock: Lock, require: Callable[[str], object]) -> None:
        """``require(doc_id)`` raises NotFound for a document the catalog does not list."""
        self.root = root
        self._lock = lock
        self._require = require
        # Bounded by what is open, not by the corpus: a few recent documents stay cached.
        self._dbs: OrderedDict[str, TinyDB] = OrderedDict()
        # doc id -> id() of the parsed copy whose names were interned (_intern_names).
        self._interned: dict[str, int] = {}

    def _database(self, doc_id: str) -> TinyDB:
        db = self._dbs.get(doc_id)
        if db is not None:
            self._dbs.move_to_end(doc_id)
        else:
            self._require(doc_id)  # raises NotFound
            db = TinyDB(
                layout.doc_path(self.root, doc_id),
                storage=AtomicJSONStorage,
                backup=layout.doc_backup_path(self.root, doc_id),
            )
            self._dbs[doc_id] = db
            while len(self._dbs) > OPEN_DOCS:
                gone, old = self._dbs.popitem(last=False)
                old.close()
                self._interned.pop(gone, None)
        return db

    def _storage(self, doc_id: str) -> AtomicJSONStorage:
        storage = self._database(doc_id).storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage

    @contextmanager
    def change(self, doc_id: str) -> Iterator[DocData]:
        """Lock a document, re-read it, and land everything done inside as one write."""
        storage = self._storage(doc_id)
        with self._lock(doc_id), storage.batch():
            data = storage.read() or {}
            if self._interned.get(doc_id) != id(data):
                _intern_names(data)
                self._interned[doc_id] = id(data)
            yield DocData(
                RawTable(data, "spans"), RawTable(data, "layers"), RawTable(data, "relations")
            )
            storage.write(data)

    def revision(self, doc_id: str) -> bytes:
        """A token that changes whenever the document's annotations change (any process)."""
        try:
            with open(layout.doc_path(self.root, doc_id), "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 80))
                return fh.read()
        except OSError:
            return b""

    def raw(self, doc_id: str) -> DocFile:
        """The parsed document file (cached while the file is unchanged); never edit it."""
        return cast(DocFile, self._storage(doc_id).read() or {})

    def read_once(self, doc_id: str) -> DocFile:
        """The document file as it is now, read and checked once and not kept (an export).

        A document already open is served from its parsed copy. Others are read in
        one go: no TinyDB opened and closed, no checksum tail read before the file,
        which made an export of 10,000 documents spend 40% of its time re-reading.
        A missing file that has a last good copy is refused, as every read does.
        """
        if doc_id in self._dbs:
            return self.raw(doc_id)
        path = layout.doc_path(self.root, doc_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            backup = layout.doc_backup_path(self.root, doc_id)
            AtomicJSONStorage(path, backup=backup).read()  # StoreCorrupt if it was lost
            return cast(DocFile, {})
        except OSError as exc:
            raise StoreCorrupt(f"{path}: cannot read store file ({exc.strerror})") from None
        return cast(DocFile, decode_checked(path, data))

    def spans(self, doc_id: str, annotator: str | None = None) -> list[Span]:
        """Spans of a document (one annotator's layer, or all), sorted by (start, end, label)."""
        rows = (self.raw(doc_id).get("spans") or {}).values()
        spans = [
            Span.from_record(r)
            for r in rows
            if annotator is None or r.get("annotator", IMPORTED_ANNOTATOR) == annotator
        ]
        spans.sort(key=Span.sort_key)
        return spans

    def relations(self, doc_id: str, annotator: str | None = None) -> list[Relation]:
        """Relations of a document (one annotator's layer, or all), sorted by id."""
        rows = (self.raw(doc_id).get("relations") or {}).values()
        rels = [
            Relation.from_row(r)
            for r in rows
            if annotator is None or r.get("annotator", IMPORTED_ANNOTATOR) == annotator
        ]
        rels.sort(key=lambda r: r.id)
        return rels

    def annotators(self, doc_id: str) -> list[str]:
        """Everyone with a span, a status or a history in the document, sorted."""
        raw = self.raw(doc_id)
        names = {r.get("annotator", IMPORTED_ANNOTATOR) for r in (raw.get("spans") or {}).values()}
        names |= {r["annotator"] for r in (raw.get("layers") or {}).values()}
        return sorted(names)

    def layer(self, doc_id: str, annotator: str) -> LayerRow:
        """A copy of the annotator's layer row as stored (a fresh one if there is none)."""
        for r in (self.raw(doc_id).get("layers") or {}).values():
            if r["annotator"] == annotator:
                return cast(LayerRow, dict(r))
        return new_layer(annotator)

    def take_parsed(self, doc_id: str) -> Parsed | None:
        """Give away the parsed copy of a document file (as ``release``, but handed on)."""
        db = self._dbs.get(doc_id)
        taken = None if db is None else cast(AtomicJSONStorage, db.storage).take_cache()
        self.release(doc_id)
        return taken

    def adopt_parsed(self, doc_id: str, parsed: Parsed) -> bool:
        """Use another Store's parse of a document file unless one is held here."""
        return self._storage(doc_id).adopt_cache(*parsed)

    def release(self, doc_id: str) -> None:
        """Forget the parsed copy of one document file (it is read again when needed)."""
        db = self._dbs.pop(doc_id, None)
        self._interned.pop(doc_id, None)
        if db is not None:
            db.close()

    def close(self) -> None:
        """Close every open document file."""
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        self._interned.clear()
