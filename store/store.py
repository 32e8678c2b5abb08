"""The newsmark store: a folder of small TinyDB files, each written atomically.

Layout of a store folder::

    newsmark-store.json      format version (refuses newer, migrates older)
    catalog.json             TinyDB: one record per document (title, source, hashes)
    texts/<sha256>.txt       document texts, written once
    docs/<doc id>.json       TinyDB per document: spans, layers (status, undo/redo)
    locks/                   one lock file per document and one for the catalog
    session.json             last-opened document per annotator

Every user change is one durable atomic write of one small file, made while
holding that file's lock and after re-reading it, so two newsmark processes on
one store never lose each other's writes.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb import TinyDB
from tinydb.table import Table

from store.errors import (
    InputError,
    NewsmarkError,
    NotFound,
    StoreBusy,
    StoreCorrupt,
    StoreVersionError,
    StoreWriteError,
)
from store.model import DocumentInfo, Relation, Span
from store.storage import (
    AtomicJSONStorage,
    atomic_write,
    gc_paused,
    sweep_temp_files,
    sync_pending,
)

if TYPE_CHECKING:
    from store.export.base import Record

FORMAT_VERSION = 2  # history in store/migrate.py
FORMAT_FILE = "newsmark-store.json"
BACKUP_DIR = "backup"  # last good copy of every catalog/doc file, for `newsmark doctor`
QUARANTINE_DIR = "quarantine"
HISTORY_LIMIT = 1000  # undo steps kept per document layer
OPEN_DOCS = 64  # document files kept parsed in memory
OPEN_TEXTS = 8  # texts kept in memory (up to MBs each)
SESSION_POSITIONS = 500  # documents whose cursor position is remembered, per annotator
LOCK_TIMEOUT = 5.0
STATUSES = ("todo", "done")


@dataclass(frozen=True, slots=True)
class Change:
    """What one store call did, for the TUI's message line and repaint."""

    kind: str  # "add" | "delete" | "relabel" | "status"
    doc_id: str
    annotator: str
    span: Span | None = None
    old_label: str | None = None
    status: str | None = None

    def describe(self) -> str:
        if self.kind == "status":
            return f"marked {self.status}"
        assert self.span is not None
        what = f"{self.span.label} “{_clip(self.span.text)}”"
        if self.kind == "relabel":
            return f"relabelled {self.old_label} → {what}"
        return {"add": "labelled", "delete": "deleted"}[self.kind] + " " + what


@dataclass(frozen=True, slots=True)
class LayerSummary:
    status: str
    spans: int


def _clip(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_id_for(text: str) -> str:
    """Documents are named by their text, so importing the same text twice is a no-op."""
    return text_sha256(text)[:16]


class _RawTable:
    """One TinyDB table inside a document's data, edited in place.

    The data keeps TinyDB's on-disk shape (``{table: {doc_id: record}}``), so the
    files stay TinyDB databases; editing the dict directly skips the two full
    table copies TinyDB's Table makes on every write (≈ 5 ms at 5,000 spans).
    """

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.rows: dict[str, dict[str, Any]] = data.setdefault(name, {})
        self._next: int | None = None

    def all(self) -> list[dict[str, Any]]:
        return list(self.rows.values())

    def _key(self, field: str, value: Any) -> str | None:
        return next((k for k, r in self.rows.items() if r.get(field) == value), None)

    def get(self, field: str, value: Any) -> dict[str, Any] | None:
        key = self._key(field, value)
        return None if key is None else self.rows[key]

    def insert(self, record: dict[str, Any]) -> None:
        # TinyDB ids are only storage keys here; annotations carry their own uuid.
        if self._next is None:
            # Keys are usually 1…n; only after deletes is a scan for the maximum needed.
            guess = len(self.rows) + 1
            self._next = guess if str(guess) not in self.rows else max(map(int, self.rows)) + 1
        while str(self._next) in self.rows:  # never reuse a key, whatever the guess
            self._next += 1
        self.rows[str(self._next)] = record
        self._next += 1

    def remove(self, field: str, value: Any) -> dict[str, Any] | None:
        key = self._key(field, value)
        return None if key is None else self.rows.pop(key)

    def remove_where(self, keep: Callable[[dict[str, Any]], bool]) -> None:
        for key in [k for k, r in self.rows.items() if not keep(r)]:
            del self.rows[key]


@dataclass
class _DocData:
    spans: _RawTable
    layers: _RawTable
    relations: _RawTable

    def layer(self, annotator: str) -> dict[str, Any]:
        row = self.layers.get("annotator", annotator)
        if row is None:
            return {"annotator": annotator, "status": "todo", "undo": [], "redo": []}
        return {
            "annotator": annotator,
            "status": row.get("status", "todo"),
            "undo": list(row.get("undo") or []),
            "redo": list(row.get("redo") or []),
        }

    def put_layer(self, layer: dict[str, Any]) -> None:
        layer["undo"] = layer["undo"][-HISTORY_LIMIT:]
        row = self.layers.get("annotator", layer["annotator"])
        if row is None:
            self.layers.insert(layer)
        else:
            row.clear()
            row.update(layer)


class Store:
    """A newsmark store folder. Usable from scripts and notebooks as a library."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Bounded by what is open, not by the corpus: a few recent documents stay cached.
        self._docs: OrderedDict[str, TinyDB] = OrderedDict()
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._catalog_db: TinyDB | None = None
        self._catalog_cache: tuple[bytes, list[DocumentInfo], dict[str, DocumentInfo]] | None = None
        self.listeners: list[Callable[[Change], None]] = []
        self._index: Any = None  # store.summary.SummaryIndex, loaded on first use

    # ------------------------------------------------------------------ open

    @classmethod
    def open(
        cls, root: str | Path, create: bool = True, sweep_in_background: bool = False
    ) -> Store:
        """Open (or create) a store folder, checking its format and its catalog.

        Temp files left by writers that died are swept; ``sweep_in_background``
        does it on a thread so an interactive start never waits on scanning
        folders of 10,000 files (leftovers only waste space, never mislead).
        """
        path = Path(root).expanduser()
        fmt_file = path / FORMAT_FILE
        if path.exists() and not path.is_dir():
            raise InputError(f"{path} is a file, not a store folder; give a folder with --store")
        if not fmt_file.exists():
            if path.exists() and any(p for p in path.iterdir() if not p.name.startswith(".")):
                raise InputError(
                    f"{path} is not a newsmark store (no {FORMAT_FILE}); choose an empty or new "
                    "folder with --store"
                )
            if not create:
                raise InputError(
                    f"no store at {path}; give articles to open (newsmark PATH ...), import "
                    "some (newsmark import PATH ...) or pass --store"
                )
            try:
                # The format file first: a kill right after it leaves a store that opens
                # (the folders below are made at every open), never a half-made folder
                # that newsmark would refuse as "not a store".
                path.mkdir(parents=True, exist_ok=True)
                atomic_write(fmt_file, orjson.dumps({"format": FORMAT_VERSION}))
            except OSError as exc:
                raise StoreWriteError(f"cannot create store at {path}: {exc.strerror}") from None
        else:
            try:
                fmt = orjson.loads(fmt_file.read_bytes())
                version = int(fmt["format"])
            except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
                raise StoreCorrupt(
                    f"{fmt_file}: unreadable store format file; restore it from a backup"
                ) from None
            if version > FORMAT_VERSION:
                raise StoreVersionError(
                    f"{path} was written by a newer newsmark (store format {version}, this one "
                    f"reads {FORMAT_VERSION}); upgrade newsmark"
                )
            if version < FORMAT_VERSION:
                from store.migrate import migrate

                migrate(path, version, FORMAT_VERSION)
        store = cls(path)
        for sub in ("texts", "docs", "locks", f"{BACKUP_DIR}/docs"):
            if not (path / sub).is_dir():
                try:
                    (path / sub).mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreWriteError(
                        f"cannot create {path / sub}: {exc.strerror}; make the store writable"
                    ) from None
        folders = [path, path / "docs", path / "texts"]
        if sweep_in_background:
            threading.Thread(
                target=lambda: [sweep_temp_files(f) for f in folders], daemon=True
            ).start()
        else:
            for folder in folders:
                sweep_temp_files(folder)
        store._catalog()  # parse now so a damaged catalog is reported at open
        return store

    def close(self) -> None:
        for db in self._docs.values():
            db.close()
        self._docs.clear()
        if self._catalog_db is not None:
            self._catalog_db.close()
            self._catalog_db = None

    # --------------------------------------------------------------- locking

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        # Imported on first write: filelock costs ~40 ms of start-up, before first paint.
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.root / "locks" / f"{name}.lock"), timeout=LOCK_TIMEOUT)
        try:
            lock.acquire()
        except Timeout:
            raise StoreBusy(
                f"{name} is busy: another newsmark process has held its lock for "
                f"{LOCK_TIMEOUT:.0f} s; wait for it to finish and try again"
            ) from None
        except OSError as exc:
            raise StoreWriteError(
                f"cannot lock {name} in {self.root}: {exc.strerror}; check the folder is "
                "writable (nothing was changed)"
            ) from None
        try:
            yield
        finally:
            lock.release()

    # --------------------------------------------------------------- catalog

    def _catalog_db_(self) -> TinyDB:
        if self._catalog_db is None:
            self._catalog_db = TinyDB(
                self.root / "catalog.json",
                storage=AtomicJSONStorage,
                backup=self.root / BACKUP_DIR / "catalog.json",
            )
        return self._catalog_db

    def _catalog_storage(self) -> AtomicJSONStorage:
        storage = self._catalog_db_().storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage

    def _catalog(self) -> tuple[list[DocumentInfo], dict[str, DocumentInfo]]:
        storage = self._catalog_storage()
        with gc_paused():
            data = storage.read() or {}
            tail = storage._cache_tail or b""
            if self._catalog_cache is not None and self._catalog_cache[0] == tail:
                return self._catalog_cache[1], self._catalog_cache[2]
            rows = list((data.get("documents") or {}).values())
            orders = [r.get("order", 0) for r in rows]
            # Rows are written in import order; sort only a catalog edited by hand.
            if any(a > b for a, b in itertools.pairwise(orders)):
                rows.sort(key=lambda r: (r.get("order", 0), r["id"]))
            docs = [self._info_from_row(r) for r in rows]
            index = {d.id: d for d in docs}
        self._catalog_cache = (tail, docs, index)
        return docs, index

    def documents(self) -> list[DocumentInfo]:
        """All documents, in import order."""
        return list(self._catalog()[0])

    def document(self, doc_id: str) -> DocumentInfo:
        info = self._catalog()[1].get(doc_id)
        if info is None:
            raise NotFound(f"no document {doc_id!r} in {self.root}; run `newsmark stats` to list")
        return info

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._catalog()[1]

    def add_documents(self, items: Iterable[dict[str, Any]]) -> list[tuple[DocumentInfo, bool]]:
        """Add documents in one catalog write; each item has text, title, source, sha256, meta.

        Items may carry ``spans``/``status``/``annotator``/``relations`` (native JSONL import).
        Returns (info, created) per item; a text already in the store is not added again.
        """
        results: list[tuple[DocumentInfo, bool]] = []
        layers: list[tuple[str, dict[str, Any]]] = []
        written: list[Path] = []
        try:
            self._add_rows(items, results, layers, written)
        except BaseException:
            # The catalog never listed them: take back the texts this call wrote, so a
            # refused import (a full disk) leaves the store exactly as it was.
            for path in written:
                with suppress(OSError):
                    path.unlink()
            for info, created in results:
                if created:
                    self._texts.pop(info.id, None)
            raise
        # Layers go in after the catalog write; re-importing after a crash in between
        # finishes the job, since merging skips spans already present.
        for doc_id, item in layers:
            self.merge_layer(
                doc_id,
                str(item.get("annotator") or "default"),
                item.get("spans") or [],
                str(item.get("status") or "todo"),
                item.get("relations") or [],
            )
        return results

    def _add_rows(
        self,
        items: Iterable[dict[str, Any]],
        results: list[tuple[DocumentInfo, bool]],
        layers: list[tuple[str, dict[str, Any]]],
        written: list[Path],
    ) -> None:
        with self._locked("catalog"):
            storage = self._catalog_storage()
            with storage.batch():
                table = Table(storage, "documents")
                existing: dict[str, dict[str, Any]] = {r["id"]: dict(r) for r in table.all()}
                order = max((r.get("order", 0) for r in existing.values()), default=0)
                new_rows = []
                for item in items:
                    text: str = item["text"]
                    doc_id = doc_id_for(text)
                    if doc_id in existing:
                        r = existing[doc_id]
                        info = self._info_from_row(r)
                        results.append((info, False))
                        if text_sha256(text) == info.text_sha256:
                            # Re-importing the original brings back a lost or damaged text.
                            self._restore_text(info.text_sha256, text)
                    else:
                        order += 1
                        tsha = text_sha256(text)
                        if self._write_text(tsha, text):
                            written.append(self._text_path(tsha))
                        row = {
                            "id": doc_id,
                            "title": item.get("title") or _default_title(text),
                            "source": item.get("source") or "",
                            "sha256": item.get("sha256") or tsha,
                            "text_sha256": tsha,
                            "length": len(text),
                            "added": time.time(),
                            "order": order,
                            "meta": item.get("meta") or {},
                        }
                        existing[doc_id] = row
                        new_rows.append(row)
                        info = self._info_from_row(row)
                        results.append((info, True))
                        self._remember_text(doc_id, text)
                    if item.get("spans") or item.get("relations") or item.get("status") == "done":
                        layers.append((info.id, item))
                if new_rows:
                    # The texts must be on disk before a catalog that lists them.
                    sync_pending()
                    table.insert_multiple(new_rows)

    @staticmethod
    def _info_from_row(r: dict[str, Any]) -> DocumentInfo:
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

    # ----------------------------------------------------------------- texts

    def _text_path(self, tsha: str) -> Path:
        return self.root / "texts" / f"{tsha}.txt"

    def _restore_text(self, tsha: str, text: str) -> None:
        path = self._text_path(tsha)
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

    def _write_text(self, tsha: str, text: str) -> bool:
        """Write a text file unless it is there; True if this call wrote it."""
        path = self._text_path(tsha)
        if path.exists():
            return False
        atomic_write(path, text.encode("utf-8"))
        return True

    def text(self, doc_id: str) -> str:
        """The stored text of a document; offsets of its spans refer to this string."""
        cached = self._texts.get(doc_id)
        if cached is not None:
            return cached
        info = self.document(doc_id)
        path = self._text_path(info.text_sha256)
        try:
            raw = path.read_bytes()
        except OSError:
            raise StoreCorrupt(
                f"{path}: text of document {doc_id} is missing; restore it from a backup"
            ) from None
        if hashlib.sha256(raw).hexdigest() != info.text_sha256:
            raise StoreCorrupt(
                f"{path}: text of document {doc_id} has changed since import (hash mismatch); "
                "restore it from a backup"
            )
        text = raw.decode("utf-8")
        self._remember_text(doc_id, text)
        return text

    def _remember_text(self, doc_id: str, text: str) -> None:
        self._texts[doc_id] = text
        while len(self._texts) > OPEN_TEXTS:
            self._texts.popitem(last=False)

    # ---------------------------------------------------------- document dbs

    def _doc_db(self, doc_id: str) -> TinyDB:
        db = self._docs.get(doc_id)
        if db is not None:
            self._docs.move_to_end(doc_id)
        else:
            self.document(doc_id)  # raises NotFound
            db = TinyDB(
                self.root / "docs" / f"{doc_id}.json",
                storage=AtomicJSONStorage,
                backup=self.root / BACKUP_DIR / "docs" / f"{doc_id}.json",
            )
            self._docs[doc_id] = db
            while len(self._docs) > OPEN_DOCS:
                self._docs.popitem(last=False)[1].close()
        return db

    def _storage(self, doc_id: str) -> AtomicJSONStorage:
        storage = self._doc_db(doc_id).storage
        assert isinstance(storage, AtomicJSONStorage)
        return storage

    @contextmanager
    def _change(self, doc_id: str) -> Iterator[_DocData]:
        """Lock a document, re-read it, and land everything done inside as one write."""
        storage = self._storage(doc_id)
        with self._locked(doc_id), storage.batch():
            data = storage.read() or {}
            yield _DocData(
                _RawTable(data, "spans"), _RawTable(data, "layers"), _RawTable(data, "relations")
            )
            storage.write(data)

    def revision(self, doc_id: str) -> bytes:
        """A token that changes whenever the document's annotations change (any process)."""
        try:
            with open(self.root / "docs" / f"{doc_id}.json", "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 80))
                return fh.read()
        except OSError:
            return b""

    def _raw(self, doc_id: str) -> dict[str, Any]:
        return self._storage(doc_id).read() or {}

    def spans(self, doc_id: str, annotator: str | None = None) -> list[Span]:
        """Spans of a document (one annotator's layer, or all), sorted by (start, end, label)."""
        rows = (self._raw(doc_id).get("spans") or {}).values()
        spans = [
            Span.from_record(r)
            for r in rows
            if annotator is None or r.get("annotator", "default") == annotator
        ]
        spans.sort(key=Span.sort_key)
        return spans

    def relations(self, doc_id: str, annotator: str | None = None) -> list[Relation]:
        rows = (self._raw(doc_id).get("relations") or {}).values()
        rels = [
            Relation(r["id"], r["head"], r["tail"], r["label"], r.get("annotator", "default"))
            for r in rows
            if annotator is None or r.get("annotator", "default") == annotator
        ]
        rels.sort(key=lambda r: r.id)
        return rels

    def annotators(self, doc_id: str) -> list[str]:
        raw = self._raw(doc_id)
        names = {r.get("annotator", "default") for r in (raw.get("spans") or {}).values()}
        names |= {r["annotator"] for r in (raw.get("layers") or {}).values()}
        return sorted(names)

    def _layer(self, doc_id: str, annotator: str) -> dict[str, Any]:
        for r in (self._raw(doc_id).get("layers") or {}).values():
            if r["annotator"] == annotator:
                return dict(r)
        return {"annotator": annotator, "status": "todo", "undo": [], "redo": []}

    def status(self, doc_id: str, annotator: str) -> str:
        return str(self._layer(doc_id, annotator)["status"])

    def summary(self, doc_id: str, annotator: str) -> LayerSummary:
        """Status and span count of one layer, from the summary cache when it is fresh."""
        if self._index is None:
            from store.summary import SummaryIndex

            self._index = SummaryIndex(self.root)
        layers = self._index.get(doc_id, lambda: self._raw(doc_id))
        status, count = layers.get(annotator, ("todo", 0))
        return LayerSummary(status, count)

    def save_index(self) -> None:
        """Persist the summary cache (cheap, best effort; call when idle or on exit)."""
        if self._index is not None:
            self._index.save()

    def can_undo(self, doc_id: str, annotator: str) -> bool:
        return bool(self._layer(doc_id, annotator)["undo"])

    def can_redo(self, doc_id: str, annotator: str) -> bool:
        return bool(self._layer(doc_id, annotator)["redo"])

    # --------------------------------------------------------------- changes

    def _emit(self, change: Change) -> Change:
        for listener in list(self.listeners):
            listener(change)
        return change

    def _check_range(self, doc_id: str, start: int, end: int) -> str:
        text = self.text(doc_id)
        if not (0 <= start < end <= len(text)):
            raise InputError(
                f"span {start}–{end} is outside the text of {doc_id} (0–{len(text)}); "
                "give start < end within the text"
            )
        return text[start:end]

    def add_span(
        self, doc_id: str, start: int, end: int, label: str, annotator: str, span_id: str = ""
    ) -> Change:
        """Label text[start:end]; one durable write, undoable."""
        if not label.strip():
            raise InputError("empty label; give a label name")
        piece = self._check_range(doc_id, start, end)
        span = Span(span_id or uuid.uuid4().hex, start, end, label, piece, annotator)
        with self._change(doc_id) as doc:
            dup = any(
                r["start"] == start
                and r["end"] == end
                and r["label"] == label
                and r.get("annotator", "default") == annotator
                for r in doc.spans.rows.values()
            )
            if dup:
                raise InputError(f"“{_clip(piece)}” is already labelled {label}")
            doc.spans.insert({**span.to_record(), "created": time.time()})
            layer = doc.layer(annotator)
            layer["undo"].append({"op": "add", "span": span.to_record()})
            layer["redo"] = []
            doc.put_layer(layer)
        return self._emit(Change("add", doc_id, annotator, span))

    def delete_span(self, doc_id: str, span_id: str, annotator: str) -> Change:
        with self._change(doc_id) as doc:
            row = doc.spans.remove("id", span_id)
            if row is None:
                raise NotFound(f"annotation {span_id} no longer exists (deleted elsewhere?)")
            span = Span.from_record(row)
            doc.relations.remove_where(lambda r: span_id not in (r.get("head"), r.get("tail")))
            layer = doc.layer(span.annotator)
            layer["undo"].append({"op": "delete", "span": span.to_record()})
            layer["redo"] = []
            doc.put_layer(layer)
        return self._emit(Change("delete", doc_id, span.annotator, span))

    def relabel_span(self, doc_id: str, span_id: str, label: str, annotator: str) -> Change:
        with self._change(doc_id) as doc:
            row = doc.spans.get("id", span_id)
            if row is None:
                raise NotFound(f"annotation {span_id} no longer exists (deleted elsewhere?)")
            old = Span.from_record(row)
            if old.label == label:
                raise InputError(f"“{_clip(old.text)}” is already labelled {label}")
            row["label"] = label
            layer = doc.layer(old.annotator)
            layer["undo"].append({"op": "relabel", "id": span_id, "old": old.label, "new": label})
            layer["redo"] = []
            doc.put_layer(layer)
        new = Span(old.id, old.start, old.end, label, old.text, old.annotator)
        return self._emit(Change("relabel", doc_id, old.annotator, new, old_label=old.label))

    def set_status(self, doc_id: str, annotator: str, status: str) -> Change:
        if status not in STATUSES:
            raise InputError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self._change(doc_id) as doc:
            layer = doc.layer(annotator)
            layer["status"] = status
            doc.put_layer(layer)
        return self._emit(Change("status", doc_id, annotator, status=status))

    def _apply(self, doc: _DocData, op: dict[str, Any], inverse: bool) -> Change | None:
        """Apply an undo-log entry (or its inverse); None if it no longer applies."""
        kind = op["op"]
        if kind == "relabel":
            label = op["old"] if inverse else op["new"]
            row = doc.spans.get("id", op["id"])
            if row is None:
                return None
            old_label = row["label"]
            row["label"] = label
            span = Span.from_record(row)
            return Change("relabel", "", span.annotator, span, old_label=old_label)
        span = Span.from_record(op["span"])
        adding = (kind == "add") != inverse
        exists = doc.spans.get("id", span.id) is not None
        if adding:
            if exists:
                return None
            doc.spans.insert({**span.to_record(), "created": time.time()})
            return Change("add", "", span.annotator, span)
        if not exists:
            return None
        doc.spans.remove("id", span.id)
        return Change("delete", "", span.annotator, span)

    def _step(self, doc_id: str, annotator: str, undo: bool) -> Change | None:
        with self._change(doc_id) as doc:
            layer = doc.layer(annotator)
            source, target = ("undo", "redo") if undo else ("redo", "undo")
            change = None
            # Skip entries another process made moot (e.g. span deleted elsewhere).
            while layer[source] and change is None:
                op = layer[source].pop()
                change = self._apply(doc, op, inverse=undo)
                layer[target].append(op)
            doc.put_layer(layer)
        if change is None:
            return None
        return self._emit(
            Change(change.kind, doc_id, annotator, change.span, old_label=change.old_label)
        )

    def undo(self, doc_id: str, annotator: str) -> Change | None:
        """Undo the annotator's last change in this document (persisted across restarts)."""
        return self._step(doc_id, annotator, undo=True)

    def redo(self, doc_id: str, annotator: str) -> Change | None:
        return self._step(doc_id, annotator, undo=False)

    def merge_layer(
        self,
        doc_id: str,
        annotator: str,
        spans: list[dict[str, Any]],
        status: str = "todo",
        relations: list[dict[str, Any]] | None = None,
    ) -> int:
        """Bring in a layer from an import: spans not already present are added (by id and
        by start/end/label). Returns the number added. Checks every span against the text."""
        text = self.text(doc_id)
        checked: list[dict[str, Any]] = []
        for i, s in enumerate(spans, 1):
            start, end, label = check_span(text, s, f"span #{i} of document {doc_id}")
            checked.append(
                Span(
                    str(s.get("id") or uuid.uuid4().hex),
                    start,
                    end,
                    label,
                    text[start:end],
                    annotator,
                ).to_record()
            )
        if status not in STATUSES:
            raise InputError(f"unknown status {status!r} for {doc_id}; use todo or done")
        added = 0
        with self._change(doc_id) as doc:
            have_ids = {r["id"] for r in doc.spans.rows.values()}
            have_keys = {
                (r["start"], r["end"], r["label"], r.get("annotator", "default"))
                for r in doc.spans.rows.values()
            }
            for rec in checked:
                key = (rec["start"], rec["end"], rec["label"], annotator)
                if key in have_keys:
                    continue  # already there: re-importing is a no-op
                if rec["id"] in have_ids:
                    # Formats without stable ids (brat's T1, T2 …) repeat ids across layers.
                    rec = {**rec, "id": uuid.uuid4().hex}
                have_ids.add(rec["id"])
                have_keys.add(key)
                doc.spans.insert({**rec, "created": time.time()})
                added += 1
            have_rel = {r["id"] for r in doc.relations.rows.values()}
            for r in relations or []:
                if str(r.get("id")) in have_rel:
                    continue
                doc.relations.insert(
                    {
                        "id": str(r["id"]),
                        "head": str(r["head"]),
                        "tail": str(r["tail"]),
                        "label": str(r["label"]),
                        "annotator": annotator,
                    }
                )
            layer = doc.layer(annotator)
            if status == "done":
                layer["status"] = "done"
            doc.put_layer(layer)
        return added

    # ---------------------------------------------------------------- export

    def records(
        self,
        *,
        annotator: str | None = None,
        status: str | None = None,
        labels: set[str] | None = None,
        doc_ids: Iterable[str] | None = None,
        include_empty: bool = True,
    ) -> Iterator[Record]:
        """Native export records, one per document and annotator layer, streamed in order."""
        from store.export.base import SCHEMA_VERSION

        wanted = None if doc_ids is None else set(doc_ids)
        for info in self.documents():
            if wanted is not None and info.id not in wanted:
                continue
            raw = self._raw(info.id)
            rows = list((raw.get("spans") or {}).values())
            layer_rows = {r["annotator"]: r for r in (raw.get("layers") or {}).values()}
            names = {r.get("annotator", "default") for r in rows} | set(layer_rows)
            if annotator is not None:
                names &= {annotator}
            if not names:
                # A document nobody has annotated yet: listed (annotator "") only in an
                # unfiltered export, so `--annotator alice` never invents alice layers.
                if not include_empty or annotator is not None or status not in (None, "todo"):
                    continue
                names = {""}
            text = self.text(info.id)
            rel_rows = list((raw.get("relations") or {}).values())
            for name in sorted(names):
                layer_status = layer_rows.get(name, {}).get("status", "todo")
                if status is not None and layer_status != status:
                    continue
                spans = sorted(
                    (
                        Span.from_record(r)
                        for r in rows
                        if r.get("annotator", "default") == name
                        and (labels is None or r["label"] in labels)
                    ),
                    key=Span.sort_key,
                )
                span_ids = {s.id for s in spans}
                rels = sorted(
                    (
                        Relation(r["id"], r["head"], r["tail"], r["label"], name)
                        for r in rel_rows
                        if r.get("annotator", "default") == name
                        and r["head"] in span_ids
                        and r["tail"] in span_ids
                    ),
                    key=lambda r: r.id,
                )
                yield {
                    "id": info.id,
                    "text": text,
                    "meta": info.export_meta(),
                    "annotator": name,
                    "status": layer_status,
                    "spans": [s.to_export() for s in spans],
                    "relations": [r.to_export() for r in rels],
                    "schema_version": SCHEMA_VERSION,
                }

    # --------------------------------------------------------------- session

    def _session(self) -> dict[str, Any]:
        try:
            data = orjson.loads((self.root / "session.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def last_opened(self, annotator: str) -> str | None:
        doc_id = self._session().get(annotator)
        return doc_id if isinstance(doc_id, str) and self.has_document(doc_id) else None

    def last_position(self, annotator: str, doc_id: str) -> int:
        """Where the annotator's cursor was in a document when they left it (0 if never)."""
        positions = self._session().get("positions", {}).get(annotator, {})
        value = positions.get(doc_id, 0) if isinstance(positions, dict) else 0
        return value if isinstance(value, int) and value >= 0 else 0

    def set_last_opened(self, annotator: str, doc_id: str, cursor: int | None = None) -> None:
        """Remember where the annotator was; best effort, never worth failing a session for."""
        data = self._session()
        data[annotator] = doc_id
        if cursor is not None:
            positions = data.setdefault("positions", {}).setdefault(annotator, {})
            positions.pop(doc_id, None)
            positions[doc_id] = cursor
            while len(positions) > SESSION_POSITIONS:  # oldest first: dicts keep order
                positions.pop(next(iter(positions)))
        with suppress(NewsmarkError):
            atomic_write(self.root / "session.json", orjson.dumps(data), durable=False)


def check_span(text: str, span: dict[str, Any], what: str) -> tuple[int, int, str]:
    """(start, end, label) of an imported span, or InputError saying what is wrong with it."""
    try:
        start, end, label = int(span["start"]), int(span["end"]), str(span["label"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{what} lacks start/end/label; fix the input") from None
    if not (0 <= start < end <= len(text)):
        raise InputError(
            f"{what} ({start}–{end}) is outside the text (0–{len(text)}); fix the offsets"
        )
    if "text" in span and span["text"] != text[start:end]:
        raise InputError(
            f"{what} says {span['text']!r} but the text at {start}–{end} is "
            f"{text[start:end]!r}; fix the offsets"
        )
    return start, end, label


def _default_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return "(untitled)"


def default_store_path() -> Path:
    return Path(os.environ.get("NEWSMARK_STORE", "newsmark-store"))
