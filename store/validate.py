"""Read-only checks of a whole store: every file is there and parses, every span matches.

A file counts as missing when the store shows it existed: the format marker of
a folder holding store files, a catalog that has a last good copy (or texts to
list), a document file that has one (the first write of a document leaves an
empty copy, so a document never annotated is told apart from one whose file
was lost).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from store import layout
from store.errors import NewsmarkError
from store.records import IMPORTED_ANNOTATOR, span_fault
from store.storage import read_checked
from store.store import FORMAT_VERSION, Store

_DOCTOR = "run `newsmark doctor` to restore it from its last good copy"


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def validate(store: Store) -> tuple[int, int, list[Problem]]:
    """Check every document; returns (documents, spans checked, problems). Never writes."""
    problems: list[Problem] = []
    n_docs = n_spans = 0
    for info in store.documents():
        n_docs += 1
        text_path = layout.text_path(store.root, info.text_sha256)
        try:
            raw = text_path.read_bytes()
        except OSError:
            problems.append(Problem(text_path, f"text of {info.id} is missing; restore it"))
            continue
        if hashlib.sha256(raw).hexdigest() != info.text_sha256:
            problems.append(
                Problem(text_path, f"text of {info.id} changed since import (hash mismatch)")
            )
            continue
        text = raw.decode("utf-8", errors="replace")
        doc_path = layout.doc_path(store.root, info.id)
        backup = layout.doc_backup_path(store.root, info.id)
        if not doc_path.exists():
            if backup.exists():
                problems.append(
                    Problem(doc_path, f"annotation file of {info.id} is missing; {_DOCTOR}")
                )
            continue  # otherwise never annotated
        if _same_file(doc_path, backup):
            problems.append(Problem(backup, _SHARED))
        try:
            data = read_checked(doc_path)
        except NewsmarkError as exc:
            problems.append(Problem(doc_path, str(exc).split(": ", 1)[-1]))
            continue
        layer_of: dict[object, object] = {}  # span id -> its annotator
        for rec in (data.get("spans") or {}).values():
            n_spans += 1
            try:
                start, end, label, piece = rec["start"], rec["end"], rec["label"], rec["text"]
            except (KeyError, TypeError):
                problems.append(Problem(doc_path, f"annotation {rec!r:.60} lacks fields"))
                continue
            layer_of[rec.get("id")] = rec.get("annotator", IMPORTED_ANNOTATOR)
            fault = span_fault(text, start, end, piece)
            if fault in ("type", "order"):
                problems.append(Problem(doc_path, f"{label} {start}–{end}: bad offsets"))
            elif fault == "outside":
                problems.append(
                    Problem(doc_path, f"{label} {start}–{end} is outside the text (0–{len(text)})")
                )
            elif fault == "text":
                problems.append(
                    Problem(
                        doc_path,
                        f"{label} {start}–{end} says {piece!r} but the text there is "
                        f"{text[start:end]!r}",
                    )
                )
        for rel in (data.get("relations") or {}).values():
            head, tail = rel.get("head"), rel.get("tail")
            if head not in layer_of or tail not in layer_of:
                problems.append(
                    Problem(doc_path, f"relation {rel.get('id')} points at a missing annotation")
                )
            elif not layer_of[head] == layer_of[tail] == rel.get("annotator", IMPORTED_ANNOTATOR):
                problems.append(
                    Problem(doc_path, f"relation {rel.get('id')} joins another annotator's span")
                )
    return n_docs, n_spans, problems


_SHARED = (
    "the last good copy is the live file itself (a hard link), so damage to one damages "
    "both; run `newsmark doctor` to make it a copy"
)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _format_problem(root: Path) -> Problem | None:
    fmt = layout.format_path(root)
    if not fmt.exists():
        return Problem(fmt, f"the store's format marker is missing; {_DOCTOR}")
    try:
        version = orjson.loads(fmt.read_bytes())["format"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return Problem(fmt, f"the store's format marker is damaged; {_DOCTOR}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return Problem(fmt, f"the store's format marker is damaged; {_DOCTOR}")
    if version > FORMAT_VERSION:
        return Problem(
            fmt, f"written by a newer newsmark (store format {version}); upgrade newsmark"
        )
    return None


def validate_root(root: Path) -> tuple[int, int, list[Problem]]:
    """Check a store folder, its format marker and catalog included. Never writes.

    A store whose marker is missing or damaged is still checked file by file
    (read as it is, without the migration or sweep an open would do).
    """
    problems: list[Problem] = []
    fault = _format_problem(root)
    if fault is not None:
        problems.append(fault)
    catalog = layout.catalog_path(root)
    if not catalog.exists():
        # Only a catalog that was written once (its last good copy exists) can be lost.
        # Texts with no catalog at all are what a first import killed before its
        # catalog write leaves: nothing of them was ever acknowledged.
        if layout.catalog_backup_path(root).exists():
            problems.append(Problem(catalog, f"the catalog is missing; {_DOCTOR}"))
        return 0, 0, problems
    try:
        read_checked(catalog)
    except NewsmarkError as exc:
        problems.append(Problem(catalog, str(exc).split(": ", 1)[-1]))
        return 0, 0, problems
    if _same_file(catalog, layout.catalog_backup_path(root)):
        problems.append(Problem(layout.catalog_backup_path(root), _SHARED))
    store = Store.open(root, create=False) if fault is None else Store(root)
    try:
        n_docs, n_spans, more = validate(store)
    finally:
        store.close()
    return n_docs, n_spans, problems + more
