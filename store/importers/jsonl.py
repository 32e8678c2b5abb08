"""Native JSONL import: the export format read back, spans and status included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from store.errors import InputError
from store.importers.text import MAX_BYTES
from store.records import IMPORTED_ANNOTATOR, SCHEMA_VERSION


def is_native(first: dict[str, Any]) -> bool:
    return "text" in first and ("spans" in first or "annotator" in first)


def read_native_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield import items from a native JSONL file, refusing bad lines with their number.

    Streams line by line: a dataset may be far larger than any one article.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally; a generator holds it
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    try:
        yielded = False
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            if len(raw) > MAX_BYTES:
                raise InputError(
                    f"{path}:{lineno}: a record of {len(raw) / 1e6:.0f} MB is too large "
                    f"(limit {MAX_BYTES // 2**20} MB); split the document"
                )
            try:
                rec = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InputError(
                    f"{path}:{lineno}: not valid JSON ({exc}); fix that line"
                ) from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise InputError(f"{path}:{lineno}: expected an object with a \"text\" string")
            yield from _item(path, lineno, rec)
            yielded = True
        if not yielded:
            raise InputError(f"{path}: the file is empty; give a file with records")
    finally:
        fh.close()


def _item(path: Path, lineno: int, rec: dict[str, Any]) -> Iterator[dict[str, Any]]:
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
        "annotator": rec.get("annotator") or IMPORTED_ANNOTATOR,
        "status": rec.get("status") or "todo",
        "spans": spans,
        "relations": rec.get("relations") or [],
        "where": f"{path}:{lineno}",
    }
