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
    """Whether a JSONL file's first object is native; doccano's span keys say it is not."""
    if "spans" not in first and any(k in first for k in ("entities", "labels", "label")):
        return False  # doccano, even with an "annotator" key of its own
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


def _given(rec: dict[str, Any], key: str, default: Any) -> Any:
    """A field as the line gives it (``null`` or absent: the default); never coerced."""
    value = rec.get(key)
    return default if value is None else value


def _item(path: Path, lineno: int, rec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    where = f"{path}:{lineno}"
    version = rec.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version > SCHEMA_VERSION:
        raise InputError(
            f"{where}: schema_version {version!r:.20} is not one this newsmark reads "
            f"(up to {SCHEMA_VERSION}); upgrade newsmark or fix the line"
        )
    meta = _given(rec, "meta", {})
    if not isinstance(meta, dict):
        raise InputError(f'{where}: "meta" is not an object; fix that line')
    for key in ("title", "source", "sha256"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise InputError(f"{where}: meta {key} is not a string; fix that line")
    annotator = _given(rec, "annotator", IMPORTED_ANNOTATOR)
    if annotator == "" and not rec.get("spans") and not rec.get("relations"):
        # newsmark's export writes a document nobody annotated with annotator "":
        # no layer, not a nameless one. A nameless layer with spans is refused.
        annotator = IMPORTED_ANNOTATOR
    # Everything else (text, spans, relations, status, annotator) is checked by the
    # import's one gate, store.importers.checks, with this line's number.
    yield {
        "text": rec["text"],
        "title": meta.get("title") or "",
        "source": meta.get("source") or where,
        "sha256": meta.get("sha256") or "",
        "meta": {k: v for k, v in meta.items() if k not in ("title", "source", "sha256")},
        "annotator": annotator,
        "status": _given(rec, "status", "todo"),
        "spans": _given(rec, "spans", []),
        "relations": _given(rec, "relations", []),
        "doc_labels": _given(rec, "doc_labels", {}),
        "where": where,
    }
