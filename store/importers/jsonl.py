"""Native JSONL import: the export format read back, spans and status included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from store.errors import InputError
from store.export.base import SCHEMA_VERSION
from store.importers.text import decode_bytes


def is_native(first: dict[str, Any]) -> bool:
    return "text" in first and ("spans" in first or "annotator" in first)


def read_native_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield import items from a native JSONL file, refusing bad lines with their number."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    dec = decode_bytes(raw, str(path))
    for lineno, line in enumerate(dec.text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}: not valid JSON ({exc}); fix that line") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise InputError(f"{path}:{lineno}: expected an object with a \"text\" string")
        version = rec.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise InputError(
                f"{path}:{lineno}: schema_version {version} is newer than this newsmark reads "
                f"({SCHEMA_VERSION}); upgrade newsmark"
            )
        text = rec["text"]
        if not text.strip():
            raise InputError(f"{path}:{lineno}: empty text; remove the line or give text")
        if "\x00" in text:
            raise InputError(f"{path}:{lineno}: text contains NUL characters; remove them")
        spans = rec.get("spans") or []
        if not isinstance(spans, list):
            raise InputError(f"{path}:{lineno}: \"spans\" must be a list")
        meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
        assert isinstance(meta, dict)
        yield {
            "text": text,
            "title": str(meta.get("title") or ""),
            "source": str(meta.get("source") or f"{path}:{lineno}"),
            "sha256": str(meta.get("sha256") or ""),
            "meta": {k: v for k, v in meta.items() if k not in ("title", "source", "sha256")},
            "annotator": rec.get("annotator") or "default",
            "status": rec.get("status") or "todo",
            "spans": spans,
            "relations": rec.get("relations") or [],
            "where": f"{path}:{lineno}",
        }
