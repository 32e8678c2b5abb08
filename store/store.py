"""The newsmark store: a folder of small TinyDB files, each written atomically.

What lives where in a store folder is in :mod:`store.layout`, its one owner.

Every user change is one durable atomic write of one small file, made while
holding that file's lock and after re-reading it, so two newsmark processes on
one store never lose each other's writes.

:class:`Store` is the facade over the parts, each in its own module: the
catalog (:mod:`store.catalog`), the texts (:mod:`store.texts`), the document
files (:mod:`store.docfiles`), undo history (:mod:`store.history`), the
session (:mod:`store.session`), locks (:mod:`store.locking`) and the summary
cache (:mod:`store.summary`). Opening a folder (format check, migration,
sweeping temp files) and the changes users make are here.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from store import adjudication, history, layout
from store.adjudication import Candidate, Seed
from store.catalog import Catalog
from store.changes import Change, clip
from store.docfiles import OPEN_DOCS, DocData, DocFiles, Parsed, RawTable
from store.errors import (
    InputError,
    NotFound,
    StoreCorrupt,
    StoreVersionError,
    StoreWriteError,
)
from store.export.native import layer_records
from store.history import HISTORY_LIMIT
from store.layout import BACKUP_DIR, FORMAT_FILE, QUARANTINE_DIR
from store.locking import LOCK_TIMEOUT, locked
from store.model import DocumentInfo, Relation, Span, new_id
from store.records import (
    GOLD,
    IMPORTED_ANNOTATOR,
    STATUSES,
    CueOp,
    DeleteOp,
    DocFile,
    RelationRow,
    SpanRecord,
    SpanRow,
    check_span,
    span_fault,
)
from store.session import SESSION_POSITIONS, Session
from store.storage import (
    atomic_write,
    create_new,
    encode_checked_parts,
    mark_written,
    sweep_temp_files,
)
from store.summary import LayerSummary, SummaryIndex
from store.texts import OPEN_TEXTS, Texts, doc_id_for, text_sha256

if TYPE_CHECKING:
    from store.records import Record

__all__ = [
    "BACKUP_DIR",
    "FORMAT_FILE",
    "FORMAT_VERSION",
    "HISTORY_LIMIT",
    "LOCK_TIMEOUT",
    "OPEN_DOCS",
    "OPEN_TEXTS",
    "QUARANTINE_DIR",
    "SESSION_POSITIONS",
    "STATUSES",
    "Change",
    "LayerSummary",
    "Store",
    "check_span",
    "default_store_path",
    "doc_id_for",
    "text_sha256",
]

FORMAT_VERSION = 2  # history in store/migrate.py


class Store:
    """A newsmark store folder. Usable from scripts and notebooks as a library."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts = Texts(root)
        self._catalog = Catalog(root, self._texts, self._locked)
        self._docfiles = DocFiles(root, self._locked, self.document)
        self._session = Session(root)
        self.listeners: list[Callable[[Change], None]] = []
        self._index: SummaryIndex | None = None  # loaded on first use
        self._trusted = False  # add_documents: its items passed the import's gate

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
        fmt_file = layout.format_path(path)
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
                marker = orjson.dumps({"format": FORMAT_VERSION})
                atomic_write(fmt_file, marker)
                # Its last good copy (a file of its own) is what `newsmark doctor` restores.
                layout.backup_dir(path).mkdir(exist_ok=True)
                atomic_write(layout.backup_path(path, fmt_file), marker)
            except OSError as exc:
                raise StoreWriteError(f"cannot create store at {path}: {exc.strerror}") from None
        else:
            try:
                fmt = orjson.loads(fmt_file.read_bytes())
                version = int(fmt["format"])
            except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
                raise StoreCorrupt(
                    f"{fmt_file}: unreadable store format file; run `newsmark doctor` to "
                    "restore it from its last good copy"
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
        for sub in layout.folders_made_at_open(path):
            if not sub.is_dir():
                try:
                    sub.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreWriteError(
                        f"cannot create {sub}: {exc.strerror}; make the store writable"
                    ) from None
        folders = layout.folders_swept_at_open(path)
        if sweep_in_background:
            threading.Thread(
                target=lambda: [sweep_temp_files(f) for f in folders], daemon=True
            ).start()
        else:
            for folder in folders:
                sweep_temp_files(folder)
        store._catalog.entries()  # parse now so a damaged catalog is reported at open
        return store

    def close(self) -> None:
        """Close the open files (they are reopened on next use)."""
        self._docfiles.close()
        self._catalog.close()

    def _locked(self, name: str) -> AbstractContextManager[None]:
        # LOCK_TIMEOUT is read here, at each lock, so it can be tuned on this module.
        return locked(self.root, name, LOCK_TIMEOUT)

    # -------------------------------------------------------------- documents

    def documents(self) -> list[DocumentInfo]:
        """All documents, in import order."""
        return list(self._catalog.entries()[0])

    def document(self, doc_id: str) -> DocumentInfo:
        """The catalog entry of a document; NotFound if the store has no such document."""
        info = self._catalog.entries()[1].get(doc_id)
        if info is None:
            raise NotFound(f"no document {doc_id!r} in {self.root}; run `newsmark stats` to list")
        return info

    def has_document(self, doc_id: str) -> bool:
        """Whether the catalog lists the document."""
        return doc_id in self._catalog.entries()[1]

    def add_documents(
        self, items: Iterable[dict[str, Any]], checked: bool = False
    ) -> list[tuple[DocumentInfo, bool]]:
        """Add documents in one catalog write; each item has text, title, source, sha256, meta.

        Items may carry ``spans``/``status``/``annotator``/``relations`` (native JSONL import).
        Returns (info, created) per item; a text already in the store is not added again.
        ``checked``: every item passed :func:`store.importers.checks.check_item` (as
        :mod:`store.importing` gives them), so spans of new documents are not checked
        again; otherwise each is checked against its text.
        """
        results: list[tuple[DocumentInfo, bool]] = []
        layers: list[tuple[str, dict[str, Any]]] = []
        written: list[Path] = []
        self._trusted = checked
        try:
            self._catalog.add_rows(items, results, layers, written, self._add_new_layer)
        except BaseException:
            # The catalog never listed them: take back the texts this call wrote, so a
            # refused import (a full disk) leaves the store exactly as it was.
            for path in written:
                with suppress(OSError):
                    path.unlink()
            for info, created in results:
                if created:
                    self._texts.forget(info.id)
            raise
        finally:
            self._trusted = False
        # Layers go in after the catalog write; re-importing after a crash in between
        # finishes the job, since merging skips spans already present.
        for doc_id, item in layers:
            self.merge_layer(
                doc_id,
                str(item.get("annotator") or IMPORTED_ANNOTATOR),
                item.get("spans") or [],
                str(item.get("status") or "todo"),
                item.get("relations") or [],
                item.get("doc_labels") or None,
            )
        return results

    def text(self, doc_id: str) -> str:
        """The stored text of a document; offsets of its spans refer to this string."""
        cached = self._texts.cached(doc_id)
        if cached is not None:
            return cached
        return self._texts.load(doc_id, self.document(doc_id).text_sha256)

    def _text_of(self, info: DocumentInfo) -> str:
        """The text of a listed document (the catalog entry at hand: no lookup by id)."""
        cached = self._texts.cached(info.id)
        return cached if cached is not None else self._texts.load(info.id, info.text_sha256)

    def share_text(self, doc_id: str, text: str) -> None:
        """Keep ``text``, read and checked by another Store of this folder, as doc_id's text.

        Texts never change (a file is named by its text's hash), so the reader's writer
        thread shares the reader's copy instead of reading its own (2 MB for a 1 MB
        article that is not all Latin-1).
        """
        self._texts.remember(doc_id, text)

    # ------------------------------------------------------------ annotations

    def release(self, doc_id: str) -> None:
        """Drop this Store's parsed copy of a document file; a later read parses it again.

        The reader reads a document when it opens it and leaves the writes to its writer
        thread's Store, which keeps the one parsed copy (~5 MB at 5,000 spans).
        """
        self._docfiles.release(doc_id)

    def take_parsed(self, doc_id: str) -> Parsed | None:
        """``release`` a document, handing its parsed copy on (``adopt_parsed``)."""
        return self._docfiles.take_parsed(doc_id)

    def adopt_parsed(self, doc_id: str, parsed: Parsed) -> None:
        """Use a parse another Store of this folder made, unless this one holds one.

        The reader parses the open document to show it, then hands the parse to its
        writer thread's Store: one parse, and the writer's copy shares its strings
        with the spans on screen (~4 MiB less at 5,000 spans, and no re-read at the
        first label). A parse of an older version of the file is never used: the
        next read compares the file's checksum tail first.
        """
        with suppress(NotFound):
            self._docfiles.adopt_parsed(doc_id, parsed)

    def revision(self, doc_id: str) -> bytes:
        """A token that changes whenever the document's annotations change (any process)."""
        return self._docfiles.revision(doc_id)

    def spans(self, doc_id: str, annotator: str | None = None) -> list[Span]:
        """Spans of a document (one annotator's layer, or all), sorted by (start, end, label)."""
        return self._docfiles.spans(doc_id, annotator)

    def relations(self, doc_id: str, annotator: str | None = None) -> list[Relation]:
        """Relations of a document (one annotator's layer, or all), sorted by id."""
        return self._docfiles.relations(doc_id, annotator)

    def annotators(self, doc_id: str) -> list[str]:
        """Everyone with a span, a status or a history in the document, sorted."""
        return self._docfiles.annotators(doc_id)

    def status(self, doc_id: str, annotator: str) -> str:
        """The annotator's status of the document: "todo" or "done"."""
        return str(self._docfiles.layer(doc_id, annotator)["status"])

    def summary(self, doc_id: str, annotator: str) -> LayerSummary:
        """Status and span count of one layer, from the summary cache when it is fresh."""
        if self._index is None:
            self._index = SummaryIndex(self.root)
        layers = self._index.get(doc_id, lambda: self._docfiles.raw(doc_id))
        status, count = layers.get(annotator, ("todo", 0))
        return LayerSummary(status, count, self._index.tags(doc_id).get(annotator, ""))

    def save_index(self) -> None:
        """Persist the summary cache (cheap, best effort; call when idle or on exit)."""
        if self._index is not None:
            self._index.save()

    def can_undo(self, doc_id: str, annotator: str) -> bool:
        """Whether the annotator has a change in this document to undo."""
        return bool(self._docfiles.layer(doc_id, annotator)["undo"])

    def can_redo(self, doc_id: str, annotator: str) -> bool:
        """Whether the annotator has an undone change in this document to redo."""
        return bool(self._docfiles.layer(doc_id, annotator)["redo"])

    # --------------------------------------------------------------- changes

    def _emit(self, change: Change) -> Change:
        # Listeners (the TUI) repaint from the change; a copy, as one may unsubscribe.
        for listener in list(self.listeners):
            listener(change)
        return change

    def _check_range(self, doc_id: str, start: int, end: int) -> str:
        text = self.text(doc_id)
        if span_fault(text, start, end) is not None:
            raise InputError(
                f"span {start}–{end} is outside the text of {doc_id} (0–{len(text)}); "
                "give start < end within the text"
            )
        return text[start:end]

    def add_span(
        self,
        doc_id: str,
        start: int,
        end: int,
        label: str,
        annotator: str,
        span_id: str = "",
        adjudicator: str = "",
    ) -> Change:
        """Label text[start:end]; one durable write, undoable.

        A gold span made this way records its ``adjudicator`` (decision ``labelled``).
        """
        if not label.strip():
            raise InputError("empty label; give a label name")
        piece = self._check_range(doc_id, start, end)
        span = Span(span_id or new_id(), start, end, label, piece, annotator)
        with self._docfiles.change(doc_id) as doc:
            # Rows starting here first: one comparison per row (a label at 5,000 spans
            # spent ~1 ms comparing four fields of each), then the few in full.
            here = [r for r in doc.spans.rows.values() if r["start"] == start]
            dup = any(
                r["end"] == end
                and r["label"] == label
                and r.get("annotator", IMPORTED_ANNOTATOR) == annotator
                for r in here
            )
            if dup:
                raise InputError(f"“{clip(piece)}” is already labelled {label}")
            row = cast(SpanRow, span.to_record())
            if annotator == GOLD and adjudicator:
                row["adjudicator"] = adjudicator
                row["decision"] = "labelled"
            doc.spans.insert({**row, "created": time.time()})
            layer = doc.layer(annotator)
            history.record(layer, {"op": "add", "span": row})
            doc.put_layer(layer)
        return self._emit(Change("add", doc_id, annotator, span))

    def delete_span(self, doc_id: str, span_id: str, annotator: str) -> Change:
        """Delete an annotation and the relations that use it; one durable write, undoable."""
        with self._docfiles.change(doc_id) as doc:
            row = doc.spans.remove("id", span_id)
            if row is None:
                raise NotFound(f"annotation {span_id} no longer exists (deleted elsewhere?)")
            span = Span.from_record(row)
            links = history.drop_links(doc, span_id)
            layer = doc.layer(span.annotator)
            # The whole row, so undo brings back a gold span's provenance too, and its links.
            kept = cast(SpanRecord, {k: v for k, v in row.items() if k != "created"})
            op: DeleteOp = {"op": "delete", "span": kept}
            if links:
                op["relations"] = links
            history.record(layer, op)
            doc.put_layer(layer)
        return self._emit(Change("delete", doc_id, span.annotator, span))

    def relabel_span(self, doc_id: str, span_id: str, label: str, annotator: str) -> Change:
        """Give an annotation another label; one durable write, undoable."""
        with self._docfiles.change(doc_id) as doc:
            row = doc.spans.get("id", span_id)
            if row is None:
                raise NotFound(f"annotation {span_id} no longer exists (deleted elsewhere?)")
            old = Span.from_record(row)
            if old.label == label:
                raise InputError(f"“{clip(old.text)}” is already labelled {label}")
            row["label"] = label
            layer = doc.layer(old.annotator)
            history.record(layer, {"op": "relabel", "id": span_id, "old": old.label, "new": label})
            doc.put_layer(layer)
        new = Span(old.id, old.start, old.end, label, old.text, old.annotator)
        return self._emit(Change("relabel", doc_id, old.annotator, new, old_label=old.label))

    def set_status(self, doc_id: str, annotator: str, status: str) -> Change:
        """Mark the annotator's layer of a document "todo" or "done"; one durable write."""
        if status not in STATUSES:
            raise InputError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self._docfiles.change(doc_id) as doc:
            layer = doc.layer(annotator)
            layer["status"] = status
            doc.put_layer(layer)
        return self._emit(Change("status", doc_id, annotator, status=status))

    # ------------------------------------------------------- document labels

    def doc_labels(self, doc_id: str, annotator: str) -> dict[str, list[str]]:
        """The annotator's labels of the whole document: label set -> choices."""
        return dict(self._docfiles.layer(doc_id, annotator).get("doc_labels") or {})

    def set_doc_labels(
        self, doc_id: str, annotator: str, name: str, values: Iterable[str]
    ) -> Change:
        """Set one document label set (``topic``) to ``values`` (none: clear it); one
        durable write, undoable."""
        new = sorted(dict.fromkeys(str(v) for v in values))
        if not name.strip() or any(not v.strip() for v in new):
            raise InputError("empty document label; give a label set and its choices")
        with self._docfiles.change(doc_id) as doc:
            layer = doc.layer(annotator)
            old = list((layer.get("doc_labels") or {}).get(name, []))
            if old == new:
                raise InputError(f"{name} is already {', '.join(new) or 'unset'}")
            history.set_doc_label(layer, name, new)
            history.record(layer, {"op": "doc_label", "name": name, "old": old, "new": new})
            doc.put_layer(layer)
        return self._emit(
            Change("doc_label", doc_id, annotator, note=f"{name}: {', '.join(new) or 'none'}")
        )

    # ----------------------------------------------------------------- links

    def add_relation(
        self, doc_id: str, head: str, tail: str, label: str, annotator: str, cue: str = ""
    ) -> Change:
        """Link span ``head`` to span ``tail`` (both of the annotator's layer) as ``label``,
        optionally with a ``cue`` span; one durable write, undoable."""
        if not label.strip():
            raise InputError("empty link type; give a relation name")
        if head == tail:
            raise InputError("a span cannot be linked to itself; pick another span")
        with self._docfiles.change(doc_id) as doc:
            spans = {}
            for end_id in (head, tail, *((cue,) if cue else ())):
                row = doc.spans.get("id", end_id)
                if row is None or row.get("annotator", IMPORTED_ANNOTATOR) != annotator:
                    raise NotFound(
                        f"span {end_id} is not in {annotator}'s layer (deleted elsewhere?)"
                    )
                spans[end_id] = Span.from_record(row)
            for r in doc.relations.rows.values():
                if (r["head"], r["tail"], r["label"], r.get("annotator")) == (
                    head, tail, label, annotator
                ):  # fmt: skip
                    raise InputError(
                        f"“{clip(spans[head].text)}” is already linked to "
                        f"“{clip(spans[tail].text)}” as {label}"
                    )
            rel: RelationRow = {
                "id": new_id(), "head": head, "tail": tail, "label": label,
                "annotator": annotator,
            }  # fmt: skip
            if cue:
                rel["cue"] = cue
            doc.relations.insert(rel)
            layer = doc.layer(annotator)
            history.record(layer, {"op": "link", "relation": rel})
            doc.put_layer(layer)
        note = (
            f"linked {spans[head].label} “{clip(spans[head].text, 20)}” → {label} → "
            f"{spans[tail].label} “{clip(spans[tail].text, 20)}”"
        )
        return self._emit(
            Change("link", doc_id, annotator, relation=Relation.from_row(rel), note=note)
        )

    def delete_relation(self, doc_id: str, rel_id: str, annotator: str) -> Change:
        """Remove a link (its spans stay); one durable write, undoable."""
        with self._docfiles.change(doc_id) as doc:
            row = doc.relations.get("id", rel_id)
            if row is None or row.get("annotator", IMPORTED_ANNOTATOR) != annotator:
                raise NotFound(f"link {rel_id} no longer exists (removed elsewhere?)")
            rel = cast(RelationRow, dict(row))
            doc.relations.remove("id", rel_id)
            layer = doc.layer(annotator)
            history.record(layer, {"op": "unlink", "relation": rel})
            doc.put_layer(layer)
        return self._emit(Change("unlink", doc_id, annotator, relation=Relation.from_row(rel)))

    def set_cue(
        self, doc_id: str, rel_id: str, start: int, end: int, annotator: str, label: str = "cue"
    ) -> Change:
        """Make text[start:end] the cue of a link: the span labelled ``label`` there (made if
        the layer has none); one durable write, undoable."""
        piece = self._check_range(doc_id, start, end)
        with self._docfiles.change(doc_id) as doc:
            row = doc.relations.get("id", rel_id)
            if row is None or row.get("annotator", IMPORTED_ANNOTATOR) != annotator:
                raise NotFound(f"link {rel_id} no longer exists (removed elsewhere?)")
            existing = next(
                (
                    r for r in doc.spans.rows.values()
                    if (r["start"], r["end"], r["label"]) == (start, end, label)
                    and r.get("annotator", IMPORTED_ANNOTATOR) == annotator
                ),
                None,
            )  # fmt: skip
            op: CueOp = {"op": "cue", "relation": rel_id, "old": str(row.get("cue") or ""),
                         "new": ""}  # fmt: skip
            if existing is None:
                made = Span(new_id(), start, end, label, piece, annotator)
                doc.spans.insert({**made.to_record(), "created": time.time()})
                op["span"] = made.to_record()
                op["new"] = made.id
            else:
                op["new"] = existing["id"]
            if op["new"] == op["old"]:
                raise InputError(f"“{clip(piece)}” is already the cue of this link")
            row["cue"] = op["new"]
            layer = doc.layer(annotator)
            history.record(layer, op)
            doc.put_layer(layer)
            relation = Relation.from_row(row)
        new_cue = (Span.from_record(op["span"]),) if "span" in op else ()
        return self._emit(
            Change("cue", doc_id, annotator, spans=new_cue, relation=relation,
                   note=f"cue “{clip(piece, 20)}” set on the {relation.label} link")
        )  # fmt: skip

    # ---------------------------------------------------------- adjudication

    def layers(self, doc_id: str) -> dict[str, list[Span]]:
        """Every annotator's spans of a document but gold's, by annotator."""
        out: dict[str, list[Span]] = {}
        for span in self.spans(doc_id):
            if span.annotator != GOLD:
                out.setdefault(span.annotator, []).append(span)
        return out

    def adjudicated_layers(self, doc_id: str) -> dict[str, list[Span]]:
        """The layers an adjudication of the document compares (see ``_compared``)."""
        return _compared(self.layers(doc_id), self._docfiles.raw(doc_id))

    def rejected(self, doc_id: str) -> set[Candidate]:
        """The candidates the adjudicator rejected in this document."""
        layer = self._docfiles.layer(doc_id, GOLD)
        return {(int(c[0]), int(c[1]), str(c[2])) for c in layer.get("rejected", [])}

    def gold_seeded(self, doc_id: str) -> bool:
        """Whether gold was started for this document (its agreed spans put in)."""
        return "seeded" in self._docfiles.layer(doc_id, GOLD)

    def seed_gold(self, doc_id: str, adjudicator: str, seed: Seed = "all") -> Change | None:
        """Start gold with the spans the annotators agree on; None if it was started before.

        One durable write, undone as one step.
        """
        text = self.text(doc_id)
        with self._docfiles.change(doc_id) as doc:
            layer = doc.layer(GOLD)
            if "seeded" in layer:
                return None
            rows = list(doc.spans.rows.values())
            layers: dict[str, list[Span]] = {}
            for r in rows:
                span = Span.from_record(r)
                if span.annotator != GOLD:
                    layers.setdefault(span.annotator, []).append(span)
            compared = _compared(layers, {"layers": dict(doc.layers.rows)})
            have = {
                (r["start"], r["end"], r["label"]) for r in rows if r.get("annotator") == GOLD
            }
            new = [
                self._gold_row(text, c, adjudicator, "agreed")
                for c in adjudication.agreed(compared, seed)
                if c not in have
            ]
            for row in new:
                doc.spans.insert({**row, "created": time.time()})
            links = _gold_links(doc, set(compared), need=len(compared), seed=seed)
            layer["seeded"] = seed
            history.record(layer, {"op": "adjudicate", "spans": new, "rejected": [],
                                   "relations": links})  # fmt: skip
            doc.put_layer(layer)
        spans = tuple(Span.from_record(r) for r in new)
        note = f"gold started: {len(spans)} span{'s' * (len(spans) != 1)} all agree on"
        if seed == "majority":
            note = f"gold started: {len(spans)} spans a majority agree on"
        return self._emit(
            Change("adjudicate", doc_id, GOLD, spans=spans, note=note,
                   relations=tuple(Relation.from_row(r) for r in links))
        )  # fmt: skip

    def adjudicate(
        self,
        doc_id: str,
        adjudicator: str,
        take: Iterable[Candidate],
        reject: Iterable[Candidate],
        note: str = "",
        source: str = "",
    ) -> Change:
        """Settle a disagreement: ``take`` goes into gold, ``reject`` is marked rejected.

        One durable write, undone as one step. Candidates gold already holds are not
        added twice. The links of ``source`` (the annotator whose version was taken)
        whose two ends are now both in gold come along.
        """
        text = self.text(doc_id)
        checked = [(int(s), int(e), str(lab)) for s, e, lab in take]
        for s, e, _ in checked:
            self._check_range(doc_id, s, e)
        marks = sorted({(int(s), int(e), str(lab)) for s, e, lab in reject} - set(checked))
        with self._docfiles.change(doc_id) as doc:
            have = {
                (r["start"], r["end"], r["label"])
                for r in doc.spans.rows.values()
                if r.get("annotator") == GOLD
            }
            new = [
                self._gold_row(text, c, adjudicator, "taken") for c in checked if c not in have
            ]
            for row in new:
                doc.spans.insert({**row, "created": time.time()})
            links = _gold_links(doc, {source}, need=1) if source else []
            layer = doc.layer(GOLD)
            already = {tuple(c) for c in layer.get("rejected", [])}
            fresh = [c for c in marks if c not in already]
            layer["rejected"] = [*layer.get("rejected", []), *(list(c) for c in fresh)]
            history.record(
                layer, {"op": "adjudicate", "spans": new, "rejected": [list(c) for c in fresh],
                        "relations": links}
            )  # fmt: skip
            doc.put_layer(layer)
        spans = tuple(Span.from_record(r) for r in new)
        return self._emit(
            Change(
                "adjudicate", doc_id, GOLD, spans=spans,
                rejected=tuple(fresh), relations=tuple(Relation.from_row(r) for r in links),
                note=note or history.adjudication_note(len(spans), len(fresh)),
            )
        )  # fmt: skip

    @staticmethod
    def _gold_row(text: str, c: Candidate, adjudicator: str, decision: str) -> SpanRow:
        start, end, label = c
        row = cast(SpanRow, Span(new_id(), start, end, label, text[start:end], GOLD)
                   .to_record())  # fmt: skip
        row["adjudicator"] = adjudicator
        row["decision"] = decision
        return row

    def _step(self, doc_id: str, annotator: str, undo: bool) -> Change | None:
        with self._docfiles.change(doc_id) as doc:
            change = history.step(doc, annotator, undo)
        if change is None:
            return None
        return self._emit(change._replace(doc_id=doc_id, annotator=annotator))

    def undo(self, doc_id: str, annotator: str) -> Change | None:
        """Undo the annotator's last change in this document (persisted across restarts)."""
        return self._step(doc_id, annotator, undo=True)

    def redo(self, doc_id: str, annotator: str) -> Change | None:
        """Redo the annotator's last undone change in this document."""
        return self._step(doc_id, annotator, undo=False)

    def merge_layer(
        self,
        doc_id: str,
        annotator: str,
        spans: list[dict[str, Any]],
        status: str = "todo",
        relations: list[dict[str, Any]] | None = None,
        doc_labels: dict[str, list[str]] | None = None,
    ) -> int:
        """Bring in a layer from an import: spans not already present are added (by id and
        by start/end/label). Returns the number added. Checks every span against the text.

        Relations come along with their spans: an incoming span id that collides with
        another layer's span gets a new id and its relations follow it, a span already
        present maps its relations onto the stored one, and a relation whose id is taken
        by a different relation gets a new id, so nothing of either layer is lost. A
        relation naming a span that is neither in the import nor in this layer is
        refused before anything is written.
        """
        text = self.text(doc_id)
        known = {sp.id for sp in self.spans(doc_id, annotator)}
        checked, incoming = _checked_layer(text, doc_id, annotator, spans, status, relations, known)
        if not doc_labels and self._merge_is_a_no_op(doc_id, annotator, checked, incoming, status):
            return 0  # re-importing the same file rewrites nothing (nor its backup)
        with self._docfiles.change(doc_id) as doc:
            return _merge_into(doc, annotator, checked, incoming, status, doc_labels)

    def _add_new_layer(self, doc_id: str, text: str, item: dict[str, Any]) -> list[Path]:
        """Write the document file of a document this import adds, holding ``item``'s layer.

        The catalog does not list the document yet, so no other writer can know of it;
        the file is created only if absent (another importer of the same text wins,
        and its layer is then merged under the lock as usual). No lock, no re-read: a
        per-document lock and read cost ~1.5 ms, most of an import's time. Returns the
        files made (the file, its empty last good copy), or [] when the caller must
        merge the layer the usual way.
        """
        path = layout.doc_path(self.root, doc_id)
        backup = layout.doc_backup_path(self.root, doc_id)
        if path.exists() or backup.exists():
            return []  # left by an earlier, interrupted import: merged under the lock
        annotator = str(item.get("annotator") or IMPORTED_ANNOTATOR)
        status = str(item.get("status") or "todo")
        doc_labels = item.get("doc_labels") or None
        checked, incoming = _checked_layer(
            text, doc_id, annotator, item.get("spans") or [], status,
            item.get("relations") or [], set(), self._trusted,
        )  # fmt: skip
        if not doc_labels and not checked and not incoming and status != "done":
            return []  # nothing to write (merge_layer's no-op)
        data: dict[str, Any] = {}
        doc = DocData(
            RawTable(data, "spans"), RawTable(data, "layers"), RawTable(data, "relations")
        )
        _merge_into(doc, annotator, checked, incoming, status, doc_labels)
        if not create_new(path, encode_checked_parts(data)):
            return []
        # The empty last good copy every first write leaves (see AtomicJSONStorage).
        try:
            mark_written(backup)
        except OSError:
            return [path]  # best effort, as for every first write
        made = [path, backup]
        if self._index is None:
            self._index = SummaryIndex(self.root)
        self._index.get(doc_id, lambda: data)  # the summary, from what was just written
        return made

    def _merge_is_a_no_op(
        self,
        doc_id: str,
        annotator: str,
        checked: list[tuple[str | None, SpanRecord]],
        incoming: list[tuple[str | None, str, str, str, str]],
        status: str,
    ) -> bool:
        """Whether every incoming span, link and status is already in the layer."""
        by_key = {(sp.start, sp.end, sp.label): sp.id for sp in self.spans(doc_id, annotator)}
        renamed: dict[str, str] = {}
        for given, rec in checked:
            stored = by_key.get((rec["start"], rec["end"], rec["label"]))
            if stored is None:
                return False
            if given is not None:
                renamed[given] = stored
        links = {(r.head, r.tail, r.label) for r in self.relations(doc_id, annotator)}
        for _, head, tail, label, _cue in incoming:
            if (renamed.get(head, head), renamed.get(tail, tail), label) not in links:
                return False
        return status != "done" or self.status(doc_id, annotator) == "done"

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
        wanted = None if doc_ids is None else set(doc_ids)
        for info in self.documents():
            if wanted is not None and info.id not in wanted:
                continue
            yield from layer_records(
                info,
                self._docfiles.read_once(info.id),
                functools.partial(self._text_of, info),
                annotator=annotator,
                status=status,
                labels=labels,
                include_empty=include_empty,
            )

    # --------------------------------------------------------------- session

    def last_opened(self, annotator: str) -> str | None:
        """The document the annotator had open last, if the store still has it."""
        doc_id = self._session.last_opened(annotator)
        return doc_id if doc_id is not None and self.has_document(doc_id) else None

    def last_position(self, annotator: str, doc_id: str) -> int:
        """Where the annotator's cursor was in a document when they left it (0 if never)."""
        return self._session.last_position(annotator, doc_id)

    def set_last_opened(self, annotator: str, doc_id: str, cursor: int | None = None) -> None:
        """Remember where the annotator was; best effort, never worth failing a session for."""
        self._session.remember(annotator, doc_id, cursor)


def _gold_links(
    doc: DocData, names: set[str], need: int, seed: str = "all"
) -> list[RelationRow]:
    """Links of ``names``' layers to copy into gold: made (by the same span candidates
    and type) by ``need`` of them (a majority under the majority seed), both ends in
    gold, and not in gold yet; inserted into ``doc`` and returned for the history."""
    rows = doc.spans.rows.values()
    cand = {r["id"]: (r["start"], r["end"], r["label"]) for r in rows}
    gold_id = {cand[r["id"]]: r["id"] for r in rows if r.get("annotator") == GOLD}
    made: dict[tuple[Any, ...], set[str]] = {}
    cues: dict[tuple[Any, ...], Any] = {}
    have: set[tuple[Any, ...]] = set()
    for rel in list(doc.relations.rows.values()):
        who = rel.get("annotator", IMPORTED_ANNOTATOR)
        if rel["head"] not in cand or rel["tail"] not in cand:
            continue
        key = (cand[rel["head"]], cand[rel["tail"]], rel["label"])
        if who == GOLD:
            have.add(key)
        elif who in names:
            made.setdefault(key, set()).add(who)
            if rel.get("cue") in cand:
                cues.setdefault(key, cand[rel["cue"]])
    out: list[RelationRow] = []
    for key, makers in sorted(made.items(), key=lambda kv: repr(kv[0])):
        enough = len(makers) * 2 > len(names) if seed == "majority" else len(makers) >= need
        head, tail, label = key
        if not enough or key in have or head not in gold_id or tail not in gold_id:
            continue
        row: RelationRow = {"id": new_id(), "head": gold_id[head],
                            "tail": gold_id[tail], "label": label, "annotator": GOLD}  # fmt: skip
        if cues.get(key) in gold_id:
            row["cue"] = gold_id[cues[key]]
        doc.relations.insert(row)
        out.append(row)
    return out

def _checked_layer(
    text: str,
    doc_id: str,
    annotator: str,
    spans: list[dict[str, Any]],
    status: str,
    relations: list[dict[str, Any]] | None,
    known: set[str],
    trusted: bool = False,
) -> tuple[list[tuple[str | None, SpanRecord]], list[tuple[str | None, str, str, str, str]]]:
    """An incoming layer checked against its text: (given id, record) per span, the links.

    ``known``: the span ids the layer has already; a link to a span neither there
    nor in the import is refused (InputError) before anything is written.
    ``trusted``: the spans passed the import's gate against this very text already
    (:func:`store.importers.checks.check_item`, a stricter check), so are not
    checked twice.
    """
    where = f"document {doc_id}"
    checked: list[tuple[str | None, SpanRecord]] = []
    size = len(text)
    for i, s in enumerate(spans, 1):
        start, end, label = s.get("start"), s.get("end"), s.get("label")
        if not (
            trusted
            and type(start) is int
            and type(end) is int
            and 0 <= start < end <= size
            and type(label) is str
        ):
            # Checked in full (a trusted span is still bounds-checked: cheap insurance).
            start, end, label = check_span(text, s, f"span #{i} of {where}")
        given = str(s["id"]) if s.get("id") not in (None, "") else None
        rec: SpanRecord = {
            "id": given or new_id(), "start": start, "end": end, "label": label,
            "text": text[start:end], "annotator": annotator,
        }  # fmt: skip  (Span.to_record's shape, without a Span per span)
        checked.append((given, rec))
    if status not in STATUSES:
        raise InputError(f"unknown status {status!r} for {doc_id}; use todo or done")
    incoming = [_relation_fields(r, i, where) for i, r in enumerate(relations or [], 1)]
    known = known | {given for given, _ in checked if given is not None}
    for i, (_, head, tail, _, cue) in enumerate(incoming, 1):
        for end_id in (head, tail, *((cue,) if cue else ())):
            if end_id not in known:
                raise InputError(
                    f"relation #{i} of {where} links span {end_id!r}, which is not in "
                    f"{annotator}'s layer; fix or drop the relation (nothing was imported)"
                )
    return checked, incoming


def _merge_into(
    doc: DocData,
    annotator: str,
    checked: list[tuple[str | None, SpanRecord]],
    incoming: list[tuple[str | None, str, str, str, str]],
    status: str,
    doc_labels: dict[str, list[str]] | None,
) -> int:
    """Add a checked layer's spans, links, status and document labels to a document's
    data (see :meth:`Store.merge_layer`); returns the number of spans added."""
    added = 0
    rows = list(doc.spans.rows.values())
    have_ids = {r["id"] for r in rows}
    have_keys = {
        (r["start"], r["end"], r["label"], r.get("annotator", IMPORTED_ANNOTATOR)): r["id"]
        for r in rows
    }
    renamed: dict[str, str] = {}  # incoming span id -> the id it is stored under
    now = time.time()
    for given, rec in checked:
        key = (rec["start"], rec["end"], rec["label"], annotator)
        if key in have_keys:
            if given is not None:
                renamed[given] = have_keys[key]
            continue  # already there: re-importing is a no-op
        if rec["id"] in have_ids:
            # Formats without stable ids (brat's T1, T2 …) repeat ids across layers.
            rec = {**rec, "id": new_id()}
        if given is not None:
            renamed[given] = rec["id"]
        have_ids.add(rec["id"])
        have_keys[key] = rec["id"]
        doc.spans.insert({**rec, "created": now})
        added += 1
    rel_rows = list(doc.relations.rows.values())
    rel_ids = {r["id"] for r in rel_rows}
    rel_keys = {(r["head"], r["tail"], r["label"], r["annotator"]) for r in rel_rows}
    for rel_id, head, tail, label, cue in incoming:
        head, tail = renamed.get(head, head), renamed.get(tail, tail)
        cue = renamed.get(cue, cue)
        link = (head, tail, label, annotator)
        if link in rel_keys:
            continue  # the same link is already there
        if rel_id is None or rel_id in rel_ids:
            rel_id = new_id()  # another layer's link has this id
        rel_ids.add(rel_id)
        rel_keys.add(link)
        row: RelationRow = {"id": rel_id, "head": head, "tail": tail, "label": label,
                            "annotator": annotator}  # fmt: skip
        if cue:
            row["cue"] = cue
        doc.relations.insert(row)
    layer = doc.layer(annotator)
    if status == "done":
        layer["status"] = "done"
    for name, values in sorted((doc_labels or {}).items()):
        # An imported layer's document labels replace what that layer had.
        history.set_doc_label(layer, str(name), sorted({str(v) for v in values}))
    doc.put_layer(layer)
    return added


def _compared(layers: dict[str, list[Span]], raw: DocFile) -> dict[str, list[Span]]:
    """The layers an adjudication compares: those marked done, else every layer with spans.

    An annotator still at work would make every span they have not reached yet a
    disagreement; once anyone is done, only the finished layers count.
    """
    done = {
        r["annotator"]
        for r in (raw.get("layers") or {}).values()
        if r.get("status") == "done" and r["annotator"] != GOLD
    }
    finished = {name: spans for name, spans in layers.items() if name in done}
    if len(done) >= 2:
        return {name: finished.get(name, []) for name in sorted(done)}
    return layers


def default_store_path() -> Path:
    """The store folder when none is given: $NEWSMARK_STORE, else ./newsmark-store."""
    return Path(os.environ.get("NEWSMARK_STORE", "newsmark-store"))


def _relation_fields(
    r: object, i: int, where: str
) -> tuple[str | None, str, str, str, str]:
    """(id, head, tail, label, cue) of an incoming relation, or InputError naming it."""
    if not isinstance(r, dict):
        raise InputError(f"relation #{i} of {where} is not an object; give head, tail, label")
    fields = []
    for name in ("head", "tail", "label"):
        value = r.get(name)
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            raise InputError(
                f"relation #{i} of {where} has no valid {name!r}; give head, tail and label"
            )
        fields.append(str(value))
    rel_id = r.get("id")
    cue = r.get("cue")
    if cue is not None and (not isinstance(cue, str | int) or isinstance(cue, bool)):
        raise InputError(
            f"relation #{i} of {where} has a cue that is not a span id; fix or drop it"
        )
    return (
        None if rel_id in (None, "") else str(rel_id), fields[0], fields[1], fields[2],
        "" if cue in (None, "") else str(cue),
    )  # fmt: skip
