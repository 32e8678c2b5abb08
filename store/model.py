"""Plain data types shared by the store, importers, exporters and the TUI.

Offsets are Unicode code points into the stored document text, end exclusive:
``text[span.start:span.end] == span.text`` always holds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from sys import intern
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from store.records import IMPORTED_ANNOTATOR, SpanRecord


def new_id() -> str:
    """A fresh annotation id: a random (version 4) UUID as 32 hex digits, as uuid4().hex.

    Drawn 256 at a time from one os.urandom call: uuid.uuid4() per span was ~10% of
    importing 500,000 spans. The pool is emptied in a forked child so that two
    processes never hand out the same ids.
    """
    if not _ID_POOL:
        raw = bytearray(os.urandom(16 * _ID_BATCH))
        for i in range(0, len(raw), 16):
            raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
            raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # RFC 4122 variant
            _ID_POOL.append(raw[i : i + 16].hex())
    return _ID_POOL.pop()


_ID_BATCH = 256
# A document imported without metadata: one shared default that nothing can change.
_NO_META: Mapping[str, Any] = MappingProxyType({})
_ID_POOL: list[str] = []
os.register_at_fork(after_in_child=_ID_POOL.clear)


class Span(NamedTuple):
    """One labelled span of a document's text."""

    id: str
    start: int
    end: int
    label: str
    text: str
    annotator: str = IMPORTED_ANNOTATOR

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.label, self.id)

    def to_export(self) -> dict[str, Any]:
        """The span in the native export shape (keys in contract order)."""
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
        }

    def to_record(self) -> SpanRecord:
        """The span as a stored row holds it (undo entries too)."""
        # Built by hand: dataclasses.asdict deep-copies every field, which was a third
        # of importing 500,000 spans.
        return cast(
            SpanRecord,
            {
                "id": self.id,
                "start": self.start,
                "end": self.end,
                "label": self.label,
                "text": self.text,
                "annotator": self.annotator,
            },
        )

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Span:
        """A span from a stored row or an undo entry."""
        # Positional arguments: a quarter faster than keywords, which counts when a
        # 5,000-span document opens.
        # Label and annotator interned: a few names shared by thousands of spans, not
        # a copy of each per span (~0.5 MiB at 5,000 spans).
        return cls(
            str(rec["id"]),
            int(rec["start"]),
            int(rec["end"]),
            intern(str(rec["label"])),
            str(rec["text"]),
            intern(str(rec.get("annotator", IMPORTED_ANNOTATOR))),
        )


class Relation(NamedTuple):
    """A directed, labelled link between two spans of one document layer."""

    id: str
    head: str
    tail: str
    label: str
    annotator: str = IMPORTED_ANNOTATOR
    cue: str = ""  # id of the cue span ("said"), if the link has one

    def to_export(self) -> dict[str, Any]:
        out = {"id": self.id, "head": self.head, "tail": self.tail, "label": self.label}
        if self.cue:
            out["cue"] = self.cue
        return out

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> Relation:
        return cls(
            str(r["id"]), str(r["head"]), str(r["tail"]), str(r["label"]),
            str(r.get("annotator", IMPORTED_ANNOTATOR)), str(r.get("cue") or ""),
        )  # fmt: skip


class DocumentInfo(NamedTuple):
    """Catalog entry for one document (everything but its text and spans)."""

    id: str
    title: str
    source: str
    sha256: str  # of the original file's bytes
    text_sha256: str  # of the stored (normalised) text
    length: int  # code points
    added: float
    meta: Mapping[str, Any] = _NO_META

    def export_meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "source": self.source, "sha256": self.sha256}
        for key, value in self.meta.items():
            out.setdefault(key, value)
        return out
