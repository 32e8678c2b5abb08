"""Where each annotator left off: the last-opened document and the cursor in each document.

Best effort by design: the file is written without fsync and a lost or damaged
one only means the reader opens on the first document, never a lost annotation.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import orjson

from store import layout
from store.errors import NewsmarkError
from store.storage import atomic_write

SESSION_POSITIONS = 500  # documents whose cursor position is remembered, per annotator


# A session file may be edited, truncated or left by another version: what it holds
# is checked on every read and anything out of shape is ignored, never trusted.
_MAX_ID = 256  # longer than any document id or annotator name the store makes


def _name(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID


def _cursor(value: object) -> bool:
    # bool is an int to Python; ``true`` is no cursor position.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def clean_session(data: object) -> dict[str, Any]:
    """The well-formed part of a session file's data: ``{"last": ..., "positions": ...}``.

    ``last`` maps annotator -> document id, ``positions`` annotator -> {document id:
    cursor}. Files written before ``last`` existed kept each annotator's document at
    the top level; those entries are read too (an annotator named "positions" could
    not have one, which is why ``last`` exists). Entries of the wrong type, negative
    cursors and over-long names are dropped one by one, keeping the rest.
    """
    if not isinstance(data, dict):
        return {"last": {}, "positions": {}}
    last: dict[str, str] = {
        k: v for k, v in data.items() if k not in ("last", "positions") and _name(k) and _name(v)
    }
    raw_last = data.get("last")
    if isinstance(raw_last, dict):
        last.update((k, v) for k, v in raw_last.items() if _name(k) and _name(v))
    positions: dict[str, dict[str, int]] = {}
    raw_positions = data.get("positions")
    if isinstance(raw_positions, dict):
        for who, docs in raw_positions.items():
            if _name(who) and isinstance(docs, dict):
                kept = [(d, c) for d, c in docs.items() if _name(d) and _cursor(c)]
                positions[who] = dict(kept[-SESSION_POSITIONS:])
    return {"last": last, "positions": positions}


class Session:
    """The session file of one store: ``{"last": {annotator: doc_id}, "positions": {...}}``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _read(self) -> dict[str, Any]:
        try:
            data = orjson.loads(layout.session_path(self.root).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            data = None
        return clean_session(data)

    def last_opened(self, annotator: str) -> str | None:
        """The document the annotator had open last, as remembered (it may since be gone)."""
        doc_id: str | None = self._read()["last"].get(annotator)
        return doc_id

    def last_position(self, annotator: str, doc_id: str) -> int:
        """Where the annotator's cursor was in a document when they left it (0 if never).

        The reader clamps it to the document's text, which may have changed since.
        """
        value: int = self._read()["positions"].get(annotator, {}).get(doc_id, 0)
        return value

    def remember(self, annotator: str, doc_id: str, cursor: int | None = None) -> None:
        """Remember where the annotator was; best effort, never worth failing a session for."""
        data = self._read()
        data["last"][annotator] = doc_id
        if cursor is not None:
            positions = data["positions"].setdefault(annotator, {})
            positions.pop(doc_id, None)
            positions[doc_id] = cursor
            while len(positions) > SESSION_POSITIONS:  # oldest first: dicts keep order
                positions.pop(next(iter(positions)))
        with suppress(NewsmarkError):
            atomic_write(layout.session_path(self.root), orjson.dumps(data), durable=False)
