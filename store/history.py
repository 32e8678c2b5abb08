"""Undo and redo: each annotator's history of changes in a document, kept in its file.

A layer's ``undo`` stack holds the changes made (:data:`store.records.HistoryOp`),
newest last; undoing one moves it to ``redo``. The history is in the document
file, so it survives restarts, and another process's change is never undone by
mistake: an entry that no longer applies (its span was deleted elsewhere) is
skipped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from store.changes import Change
from store.model import Span
from store.records import HistoryOp, LayerRow

if TYPE_CHECKING:
    from store.docfiles import DocData

HISTORY_LIMIT = 1000  # undo steps kept per document layer


def record(layer: LayerRow, op: HistoryOp) -> None:
    """Remember a new change as the layer's latest undo step; it clears the redo stack."""
    layer["undo"].append(op)
    layer["redo"] = []


def apply(doc: DocData, op: HistoryOp, inverse: bool) -> Change | None:
    """Apply an undo-log entry (or its inverse); None if it no longer applies."""
    if op["op"] == "relabel":
        label = op["old"] if inverse else op["new"]
        row = doc.spans.get("id", op["id"])
        if row is None:
            return None
        old_label = row["label"]
        row["label"] = label
        span = Span.from_record(row)
        return Change("relabel", "", span.annotator, span, old_label=old_label)
    span = Span.from_record(op["span"])
    adding = (op["op"] == "add") != inverse
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


def step(doc: DocData, annotator: str, undo: bool) -> Change | None:
    """Undo (or redo) the annotator's latest change that still applies, in place."""
    layer = doc.layer(annotator)
    source, target = (layer["undo"], layer["redo"]) if undo else (layer["redo"], layer["undo"])
    change = None
    # Skip entries another process made moot (e.g. span deleted elsewhere).
    while source and change is None:
        op = source.pop()
        change = apply(doc, op, inverse=undo)
        target.append(op)
    doc.put_layer(layer)
    return change
