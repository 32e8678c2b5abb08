"""Read-only checks of a whole store: every file parses, every span matches its text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from store import layout
from store.errors import NewsmarkError
from store.records import IMPORTED_ANNOTATOR, span_fault
from store.storage import read_checked
from store.store import Store


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
        if not doc_path.exists():
            continue  # never annotated
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
