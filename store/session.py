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


class Session:
    """The session file of one store: ``{annotator: doc_id, "positions": {...}}``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _read(self) -> dict[str, Any]:
        try:
            data = orjson.loads(layout.session_path(self.root).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def last_opened(self, annotator: str) -> str | None:
        """The document the annotator had open last, as remembered (it may since be gone)."""
        doc_id = self._read().get(annotator)
        return doc_id if isinstance(doc_id, str) else None

    def last_position(self, annotator: str, doc_id: str) -> int:
        """Where the annotator's cursor was in a document when they left it (0 if never)."""
        positions = self._read().get("positions", {}).get(annotator, {})
        value = positions.get(doc_id, 0) if isinstance(positions, dict) else 0
        return value if isinstance(value, int) and value >= 0 else 0

    def remember(self, annotator: str, doc_id: str, cursor: int | None = None) -> None:
        """Remember where the annotator was; best effort, never worth failing a session for."""
        data = self._read()
        data[annotator] = doc_id
        if cursor is not None:
            positions = data.setdefault("positions", {}).setdefault(annotator, {})
            positions.pop(doc_id, None)
            positions[doc_id] = cursor
            while len(positions) > SESSION_POSITIONS:  # oldest first: dicts keep order
                positions.pop(next(iter(positions)))
        with suppress(NewsmarkError):
            atomic_write(layout.session_path(self.root), orjson.dumps(data), durable=False)
