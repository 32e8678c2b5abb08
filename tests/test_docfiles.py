"""Document file tables and undo history, on in-memory data (no files, no locks)."""

from __future__ import annotations

from typing import Any

from store import history
from store.docfiles import DocData, RawTable
from store.history import HISTORY_LIMIT
from store.model import Span
from store.records import SpanRow


def doc_data(data: dict[str, Any] | None = None) -> DocData:
    data = {} if data is None else data
    return DocData(RawTable(data, "spans"), RawTable(data, "layers"), RawTable(data, "relations"))


def row(span_id: str, start: int = 0, end: int = 3) -> SpanRow:
    return {**Span(span_id, start, end, "claim", "abc", "alice").to_record(), "created": 0.0}


def test_storage_keys_are_never_reused_after_deletes() -> None:
    data: dict[str, Any] = {"spans": {"1": row("a"), "3": row("c")}}
    table: RawTable[SpanRow] = RawTable(data, "spans")
    table.insert(row("d"))
    assert sorted(data["spans"], key=int) == ["1", "3", "4"]
    table.remove("id", "d")
    table.insert(row("e"))
    assert "4" not in data["spans"] and data["spans"]["5"]["id"] == "e"


def test_put_layer_keeps_the_last_history_limit_steps() -> None:
    doc = doc_data()
    layer = doc.layer("alice")
    for i in range(HISTORY_LIMIT + 5):
        history.record(layer, {"op": "add", "span": Span(f"s{i}", 0, 1, "x", "a").to_record()})
    doc.put_layer(layer)
    kept = doc.layer("alice")["undo"]
    assert len(kept) == HISTORY_LIMIT
    assert kept[0]["op"] == "add" and kept[0]["span"]["id"] == "s5"


def test_undo_skips_steps_made_moot_elsewhere_and_redo_brings_back() -> None:
    doc = doc_data()
    layer = doc.layer("alice")
    for span_id in ("a", "b"):
        doc.spans.insert(row(span_id))
        history.record(layer, {"op": "add", "span": Span.from_record(row(span_id)).to_record()})
    doc.put_layer(layer)
    doc.spans.remove("id", "b")  # another process deleted b
    change = history.step(doc, "alice", undo=True)
    assert change is not None and change.kind == "delete" and change.span is not None
    assert change.span.id == "a" and doc.spans.all() == []
    assert [op["op"] for op in doc.layer("alice")["redo"]] == ["add", "add"]
    again = history.step(doc, "alice", undo=False)
    assert again is not None and again.kind == "add" and [r["id"] for r in doc.spans.all()] == ["a"]
