"""Import orchestration: find files, read them all, then add them in one go.

Every file is read and checked before anything is written, so a bad file
anywhere in the input refuses the whole import and leaves the store untouched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from store.errors import InputError
from store.importers.jsonl import is_native, read_native_jsonl
from store.importers.text import read_html_file, read_text_file
from store.records import IMPORTED_ANNOTATOR, check_span
from store.storage import deferred_sync
from store.store import Store, doc_id_for

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
BATCH = 500  # documents per catalog write during big imports


@dataclass
class ImportReport:
    files: int = 0
    documents: int = 0
    added: int = 0
    already: int = 0
    spans: int = 0
    notes: list[str] = field(default_factory=list)
    first_id: str | None = None

    def summary(self) -> str:
        text = f"imported {self.added} new document{'s' if self.added != 1 else ''}"
        if self.already:
            text += f", {self.already} already in the store"
        if self.spans:
            text += f", {self.spans} spans"
        return text


def collect(paths: list[Path]) -> list[Path]:
    """Files to import: given files as they are, folders walked recursively (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and _foreign(path) is not None:
            found.append(path)  # a dataset folder (brat): read as one unit
        elif path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    if p.suffix.lower() in SUPPORTED and not name.startswith("."):
                        found.append(p)
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED and _foreign(path) is None:
                raise InputError(
                    f"{path}: unsupported file type {path.suffix or '(none)'}; give .txt, .md, "
                    ".html or .jsonl files or folders"
                )
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder; check the path")
    return found


def _foreign(path: Path) -> Any:
    """The import format of a file in a foreign dataset format, if one recognises it."""
    try:
        from store.importers.registry import FORMATS
    except ImportError:
        return None
    for fmt in FORMATS.values():
        try:
            if fmt.detect(path):
                return fmt
        except (OSError, ValueError):
            continue
    return None


def read_items(path: Path) -> Iterator[dict[str, Any]]:
    """Import items from one file."""
    suffix = path.suffix.lower()
    if path.is_dir():
        suffix = ""
    if suffix in JSONL_SUFFIXES:
        first = _first_json_line(path)
        if first is None or (is_native(first) and "label" not in first):
            yield from read_native_jsonl(path)
            return
    if suffix in HTML_SUFFIXES:
        yield read_html_file(path)
        return
    if suffix in TEXT_SUFFIXES:
        yield read_text_file(path)
        return
    fmt = _foreign(path)
    if fmt is None:
        if suffix in JSONL_SUFFIXES:
            yield from read_native_jsonl(path)
            return
        raise InputError(f"{path}: not a format newsmark can import; see `newsmark import --help`")
    from store.importers.registry import read_with_notes

    notes: list[str] = []
    for rec in read_with_notes(fmt, path, notes):
        if not str(rec.get("text") or "").strip():
            raise InputError(f"{path}: a document has empty text; remove it or give it text")
        yield {
            "text": rec["text"],
            "title": str((rec.get("meta") or {}).get("title") or ""),
            "source": str((rec.get("meta") or {}).get("source") or path),
            "sha256": str((rec.get("meta") or {}).get("sha256") or ""),
            "meta": {
                k: v
                for k, v in (rec.get("meta") or {}).items()
                if k not in ("title", "source", "sha256")
            },
            "annotator": rec.get("annotator") or IMPORTED_ANNOTATOR,
            "status": rec.get("status") or "todo",
            "spans": rec.get("spans") or [],
            "relations": rec.get("relations") or [],
            "notes": notes[:],
        }
        notes.clear()


def _first_json_line(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    rec = orjson.loads(line)
                    return rec if isinstance(rec, dict) else None
    except (OSError, orjson.JSONDecodeError):
        return None
    return None


def import_paths(
    store: Store,
    paths: list[Path],
    progress: Callable[[int, int], None] | None = None,
    annotator: str | None = None,
) -> ImportReport:
    """Import files and folders; all-or-nothing on bad input. Idempotent.

    ``annotator`` names the layer of every record that carries no annotator of its
    own (a peer's per-user doccano or Label Studio export), instead of "imported";
    records that name their annotator keep it.

    Two passes over the input: the first reads and checks everything (a refusal
    must leave the store exactly as it was), the second adds it in batches. So
    memory stays bounded by one batch, not by the size of the dataset.
    """
    files = collect(paths)
    report = ImportReport(files=len(files))
    total_items = 0
    for i, path in enumerate(files, 1):
        for item in read_items(path):
            report.notes.extend(f"{path}: {n}" for n in item.get("notes", []))
            _check_spans([item])
            total_items += 1
        if progress:
            progress(i, len(files) * 2)
    seen: set[str] = set()
    with deferred_sync():
        done = 0
        for chunk in _chunks(_all_items(files, annotator), BATCH):
            _add_chunk(store, chunk, report, seen)
            done += len(chunk)
            if progress:
                progress(len(files) + len(files) * done // max(1, total_items), len(files) * 2)
    store.save_index()
    return report


def _all_items(files: list[Path], annotator: str | None = None) -> Iterator[dict[str, Any]]:
    for path in files:
        for item in read_items(path):
            item.pop("notes", None)
            item.pop("where", None)
            if annotator and item.get("annotator") in (None, "", IMPORTED_ANNOTATOR):
                item["annotator"] = annotator
            yield item


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _add_chunk(
    store: Store, chunk: list[dict[str, Any]], report: ImportReport, seen: set[str]
) -> None:
    for info, created in store.add_documents(chunk):
        if info.id in seen:
            continue  # another layer of a document already counted
        seen.add(info.id)
        report.documents += 1
        report.added += created
        report.already += not created
        if report.first_id is None:
            report.first_id = info.id
    report.spans += sum(len(it.get("spans") or []) for it in chunk)
    # Warm the summary cache while the files are fresh in memory: the reader's
    # document list then opens without reading every document.
    for it in chunk:
        if it.get("spans") or it.get("status") == "done":
            store.summary(doc_id_for(it["text"]), str(it.get("annotator") or IMPORTED_ANNOTATOR))


def _check_spans(items: list[dict[str, Any]]) -> None:
    """Refuse bad span offsets before anything is written."""
    for item in items:
        where = item.get("source") or "input"
        for i, span in enumerate(item.get("spans") or [], 1):
            check_span(item["text"], span, f"{where}: span #{i}")
