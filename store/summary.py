"""A cache of each document's layer summaries (status, span count) for large corpora.

Opening the document list of 10,000 documents must not read 10,000 files. The
cache ``index.json`` maps each document to its file's identity (size, mtime,
inode) and the summaries computed from it; an entry is trusted only while the
file's identity is unchanged, so a write by any process invalidates it. It is
derived data: losing or corrupting it costs time, never annotations.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from store import layout
from store.errors import NewsmarkError
from store.records import IMPORTED_ANNOTATOR
from store.storage import atomic_write, gc_paused

Summary = dict[str, tuple[str, int]]  # annotator -> (status, span count)


class LayerSummary(NamedTuple):
    """Status and span count of one annotator's layer of a document."""

    status: str
    spans: int
    #: The layer's document labels, ``topic: politics · stance: neutral`` ("" for none).
    tags: str = ""


def summarise(raw: dict[str, Any]) -> Summary:
    """Status and span count per annotator, from a document file's data."""
    out: dict[str, list[Any]] = {}
    for r in (raw.get("spans") or {}).values():
        entry = out.setdefault(r.get("annotator", IMPORTED_ANNOTATOR), ["todo", 0])
        entry[1] += 1
    for r in (raw.get("layers") or {}).values():
        out.setdefault(r["annotator"], ["todo", 0])[0] = r.get("status", "todo")
    return {name: (str(v[0]), int(v[1])) for name, v in out.items()}


def doc_label_summary(raw: dict[str, Any]) -> dict[str, str]:
    """Per annotator with document labels: ``topic: politics · stance: neutral``."""
    out: dict[str, str] = {}
    for r in (raw.get("layers") or {}).values():
        labels = r.get("doc_labels") or {}
        shown = " · ".join(f"{k}: {', '.join(v)}" for k, v in sorted(labels.items()) if v)
        if shown:
            out[str(r["annotator"])] = shown[:TAGS_MAX]
    return out


#: Longest document label summary kept in the index (the list row is narrow anyway).
TAGS_MAX = 120

#: Fewest bytes one span takes in a document file: its record alone,
#: ``"1":{"id":"","start":0,"end":1,"label":"x","text":"a","annotator":"a"}``, is
#: over 60 bytes. A cached count above ``size // MIN_SPAN_BYTES`` cannot be true.
MIN_SPAN_BYTES = 40
_STATUSES = frozenset({"todo", "done"})


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def cached_summary(entry: object, ident: list[int]) -> Summary | None:
    """The summary an index entry holds, if the entry is fresh and possible; else None.

    Fresh: recorded for the file's current identity. Possible: every layer is a
    ("todo" | "done", count >= 0) pair and the counts fit in the file's size. The
    index is a file anyone can edit: a poisoned entry is rebuilt, never shown.
    """
    if not (isinstance(entry, list) and len(entry) in (2, 3) and entry[0] == ident):
        return None
    layers = entry[1]
    if not isinstance(layers, dict):
        return None
    out: Summary = {}
    total = 0
    for name, value in layers.items():
        if not (isinstance(value, list) and len(value) == 2):
            return None
        status, count = value
        if status not in _STATUSES or not _count(count):
            return None
        out[name] = (status, count)
        total += count
    if total * MIN_SPAN_BYTES > ident[0]:
        return None
    return out


class SummaryIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = layout.index_path(root)
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        try:
            with gc_paused():  # ~40,000 small lists and dicts for 10,000 documents
                data = orjson.loads(self.path.read_bytes())
            if isinstance(data, dict) and isinstance(data.get("docs"), dict):
                self._entries = data["docs"]
        except (OSError, orjson.JSONDecodeError):
            pass  # a cache: rebuilt as documents are looked at

    def _identity(self, doc_id: str) -> list[int] | None:
        try:
            st = os.stat(layout.doc_path(self.root, doc_id))
        except FileNotFoundError:
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def get(self, doc_id: str, read: Any) -> Summary:
        """Summaries of one document; ``read()`` gives its data when the cache is stale."""
        ident = self._identity(doc_id)
        if ident is None:
            return {}
        cached = cached_summary(self._entries.get(doc_id), ident)
        if cached is not None:
            return cached
        raw = read()
        summary = summarise(raw)
        entry: list[Any] = [ident, {k: list(v) for k, v in summary.items()}]
        tags = doc_label_summary(raw)
        if tags:
            entry.append(tags)  # only when some layer has document labels
        self._entries[doc_id] = entry
        self._dirty = True
        return summary

    def tags(self, doc_id: str) -> dict[str, str]:
        """Document labels per annotator of a document ``get`` just made fresh ({} if none).

        Like the counts, checked when read: anything but short strings is ignored.
        """
        entry = self._entries.get(doc_id)
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], dict)):
            return {}
        return {
            k: v
            for k, v in entry[2].items()
            if isinstance(k, str) and isinstance(v, str) and len(v) <= TAGS_MAX
        }

    def save(self) -> None:
        """Write the cache if it changed; never durable, never worth an error."""
        if not self._dirty:
            return
        try:
            atomic_write(self.path, orjson.dumps({"docs": self._entries}), durable=False)
            self._dirty = False
        except NewsmarkError:
            pass
