"""Undo and redo: each annotator's history of changes in a document, kept in its file.

A layer's ``undo`` stack holds the changes made (:data:`store.records.HistoryOp`),
newest last; undoing one moves it to ``redo``. The history is in the document
file, so it survives restarts, and another process's change is never undone by
mistake: an entry that no longer applies (its span was deleted elsewhere) is
skipped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from store.changes import Change
from store.model import Relation, Span
from store.records import (
    GOLD,
    AdjudicateOp,
    CueOp,
    HistoryOp,
    LayerRow,
    LinkOp,
    RelationRow,
    SpanRow,
)

if TYPE_CHECKING:
    from store.docfiles import DocData

HISTORY_LIMIT = 1000  # undo steps kept per document layer


def record(layer: LayerRow, op: HistoryOp) -> None:
    """Remember a new change as the layer's latest undo step; it clears the redo stack."""
    layer["undo"].append(op)
    layer["redo"] = []


def apply(
    doc: DocData, op: HistoryOp, inverse: bool, layer: LayerRow | None = None
) -> Change | None:
    """Apply an undo-log entry (or its inverse); None if it no longer applies.

    ``layer`` is the gold layer being stepped, whose rejections an adjudication
    entry changes (the caller puts it back).
    """
    if op["op"] == "adjudicate":
        assert layer is not None
        return _apply_adjudication(doc, op, inverse, layer)
    if op["op"] == "link" or op["op"] == "unlink":
        return _apply_link(doc, op, inverse)
    if op["op"] == "cue":
        return _apply_cue(doc, op, inverse)
    if op["op"] == "doc_label":
        assert layer is not None
        set_doc_label(layer, op["name"], op["old"] if inverse else op["new"])
        return Change("doc_label", "", layer["annotator"], note=f"{op['name']}: "
                      + (", ".join(op["old"] if inverse else op["new"]) or "none"))  # fmt: skip
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
        # The whole row comes back, gold's provenance included, and its links as they were.
        doc.spans.insert(cast(SpanRow, {**op["span"], "created": time.time()}))
        restored: list[Relation] = []
        if op["op"] == "delete":
            for rel in op.get("relations", []):
                doc.relations.remove("id", rel["id"])
                doc.relations.insert(dict(rel))  # type: ignore[arg-type]
                restored.append(Relation.from_row(rel))
        # The links come back on the change, so the reader need not re-read the file.
        return Change("add", "", span.annotator, span, relations=tuple(restored))
    if not exists:
        return None
    doc.spans.remove("id", span.id)
    drop_links(doc, span.id)
    return Change("delete", "", span.annotator, span)


def set_doc_label(layer: LayerRow, name: str, values: list[str]) -> None:
    """Set (or, with no values, clear) one document label set of a layer."""
    labels = dict(layer.get("doc_labels") or {})
    if values:
        labels[name] = list(values)
    else:
        labels.pop(name, None)
    if labels:
        layer["doc_labels"] = labels
    else:
        layer.pop("doc_labels", None)


def drop_links(doc: DocData, span_id: str) -> list[RelationRow]:
    """Remove the links of a deleted span (and clear it as a cue); the rows as they were."""
    touched: list[RelationRow] = []
    for rel in list(doc.relations.rows.values()):
        if span_id in (rel.get("head"), rel.get("tail")):
            touched.append(cast(RelationRow, dict(rel)))
            doc.relations.remove("id", rel["id"])
        elif rel.get("cue") == span_id:
            touched.append(cast(RelationRow, dict(rel)))
            rel.pop("cue", None)
    return touched


def _apply_link(doc: DocData, op: LinkOp, inverse: bool) -> Change | None:
    rel = op["relation"]
    adding = (op["op"] == "link") != inverse
    exists = doc.relations.get("id", rel["id"]) is not None
    relation = Relation.from_row(rel)
    if adding:
        ends = [doc.spans.get("id", rel[k]) is not None for k in ("head", "tail")]
        if exists or not all(ends):
            return None  # a span of it was deleted elsewhere: the link cannot come back
        doc.relations.insert(dict(rel))  # type: ignore[arg-type]
        return Change("link", "", relation.annotator, relation=relation)
    if not exists:
        return None
    doc.relations.remove("id", rel["id"])
    return Change("unlink", "", relation.annotator, relation=relation)


def _apply_cue(doc: DocData, op: CueOp, inverse: bool) -> Change | None:
    row = doc.relations.get("id", op["relation"])
    if row is None:
        return None
    cue = op["old"] if inverse else op["new"]
    made = op.get("span")
    if made is not None:
        if inverse:
            doc.spans.remove("id", made["id"])
        elif doc.spans.get("id", made["id"]) is None:
            doc.spans.insert(cast(SpanRow, {**made, "created": time.time()}))
    if cue:
        row["cue"] = cue
    else:
        row.pop("cue", None)
    relation = Relation.from_row(row)
    shown = (Span.from_record(made),) if made is not None else ()
    return Change("cue", "", relation.annotator, relation=relation,
                  spans=() if inverse else shown, removed=shown if inverse else ())  # fmt: skip


def _apply_adjudication(
    doc: DocData, op: AdjudicateOp, inverse: bool, layer: LayerRow
) -> Change | None:
    """Take back (or make again) one adjudication: its gold spans and its rejections."""
    spans = [Span.from_record(r) for r in op["spans"]]
    marks = [(int(c[0]), int(c[1]), str(c[2])) for c in op["rejected"]]
    links = op.get("relations", [])
    rejected = [c for c in layer.get("rejected", []) if tuple(c) not in marks]
    added: list[Span] = []
    removed: list[Span] = []
    back: list[Relation] = []
    if inverse:
        for rel in links:
            doc.relations.remove("id", rel["id"])
        for span in spans:
            if doc.spans.remove("id", span.id) is not None:
                removed.append(span)
    else:
        rejected += [list(c) for c in marks]
        for row, span in zip(op["spans"], spans, strict=True):
            if doc.spans.get("id", span.id) is None:
                doc.spans.insert({**row, "created": time.time()})
                added.append(span)
        for rel in links:
            ends = all(doc.spans.get("id", rel[k]) is not None for k in ("head", "tail"))
            if ends and doc.relations.get("id", rel["id"]) is None:
                doc.relations.insert(dict(rel))  # type: ignore[arg-type]
                back.append(Relation.from_row(rel))
    layer["rejected"] = rejected
    return Change(
        "adjudicate", "", GOLD, spans=tuple(added), removed=tuple(removed),
        rejected=tuple(marks), relations=tuple(back),
        note=adjudication_note(len(added) or len(removed), len(marks)),
    )  # fmt: skip


def adjudication_note(spans: int, rejected: int) -> str:
    """What an adjudication did, for the status line."""
    parts = []
    if spans:
        parts.append(f"{spans} span{'s' * (spans != 1)} in gold")
    if rejected:
        parts.append(f"{rejected} rejected")
    return "gold: " + (", ".join(parts) if parts else "nothing changed")


def step(doc: DocData, annotator: str, undo: bool) -> Change | None:
    """Undo (or redo) the annotator's latest change that still applies, in place."""
    layer = doc.layer(annotator)
    source, target = (layer["undo"], layer["redo"]) if undo else (layer["redo"], layer["undo"])
    change = None
    # Skip entries another process made moot (e.g. span deleted elsewhere).
    while source and change is None:
        op = source.pop()
        change = apply(doc, op, inverse=undo, layer=layer)
        target.append(op)
    doc.put_layer(layer)
    return change
