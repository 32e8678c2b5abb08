"""Read doccano JSONL: one object per line with ``text`` and spans.

Accepted span shapes: ``"label"`` or ``"labels"``: ``[[start, end, "label"], ...]``
(doccano's sequence-labelling export), or ``"entities"``: ``[{"id", "label",
"start_offset", "end_offset"}]`` with ``"relations"``: ``[{"id", "from_id", "to_id",
"type"}]`` (doccano's relation export). A line with ``"spans"`` is newsmark's native
JSONL, not doccano, and is refused by ``detect``.

A text-classification line (``{"text": ..., "label": ["sports", "local"]}``, a list
of strings) gives the document labels ``{"label": ["sports", "local"]}`` (label set
``label``). A ``"doc_labels"`` object (newsmark's doccano export writes one; doccano
keeps it as metadata) gives the document labels as they were.

Offsets are read as code points; pass ``offsets="utf16"`` for files exported from
doccano's web UI that count UTF-16 code units (texts with emoji); an offset that
falls between the two halves of a character is refused.

With ``skip_bad`` a line that cannot be read is left out and named in ``notes``
(doccano itself imports the rest of a file); by default it refuses the file. Each
record also carries ``"where"`` (``file:line``), so the import's gate names the line
of a record it refuses; the import takes it off before the record is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from store.errors import InputError
from store.export.doccano import Offsets, check_offsets_option, codepoint_offsets
from store.importers.registry import load_json, make_record, make_span, open_binary, short
from store.records import IMPORTED_ANNOTATOR, Record

_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_SPAN_KEYS = ("label", "labels", "entities")


def _first_object(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            for raw in fh:
                if raw.strip():
                    return orjson.loads(raw)
    except (OSError, orjson.JSONDecodeError):
        return None
    return None


def _json_array(path: Path) -> bool:
    """A .json file holding doccano's JSON array (text and label keys, no Label Studio data)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16).lstrip()
    except OSError:
        return False
    return (
        head.startswith(b"[")
        and head[1:].lstrip()[:1] == b"{"
        and b'"data"' not in head
        and b'"text"' in head
        and (b'"label"' in head or b'"labels"' in head)
    )


def detect(path: Path) -> bool:
    """A .jsonl file whose first line has "text" and doccano spans (and no "spans")."""
    if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
        return False
    if path.suffix.lower() == ".json" and _json_array(path):
        return True
    obj = _first_object(path)
    if not isinstance(obj, dict) or "spans" in obj or not isinstance(obj.get("text"), str):
        return False
    for key in _SPAN_KEYS:
        value = obj.get(key)
        if isinstance(value, list) and (
            all(isinstance(item, list | dict) for item in value)
            or (key != "entities" and all(isinstance(item, str) for item in value))
        ):
            return True
    return False


def _annotator(obj: dict[str, Any]) -> str:
    for key in ("annotator", "user", "username"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return f"user-{value}"
    return IMPORTED_ANNOTATOR


def _record(
    obj: dict[str, Any], where: str, fallback_id: str, unit: Offsets, source: str
) -> Record:
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f"{where}: no \"text\" string")
    conv = codepoint_offsets(text) if unit == "utf16" else None
    units = len(text.encode("utf-16-le")) // 2

    def offset(value: object) -> object:
        if conv is None or not isinstance(value, int) or isinstance(value, bool):
            return value
        point = conv(value)
        if point is None and 0 <= value <= units:
            raise InputError(
                f"{where}: UTF-16 offset {value} falls inside a character (between the "
                "halves of a surrogate pair); check --offsets"
            )
        return value if point is None else point

    spans: list[Record] = []
    relations: list[Record] = []
    doc_labels: dict[str, list[str]] = {}
    given = obj.get("doc_labels")
    if isinstance(given, dict):
        doc_labels = dict(given)  # checked by the import's gate
    key = next((k for k in ("label", "labels") if k in obj), None)
    items = obj.get(key) if key is not None else None
    if isinstance(items, list) and items and all(isinstance(i, str) for i in items):
        # doccano's text classification: the document's labels, not spans. A
        # doc_labels column (newsmark's --classification export) has the exact sets.
        if not isinstance(given, dict):
            doc_labels["label"] = list(dict.fromkeys(items))
    elif key is not None:
        items = obj[key]
        if not isinstance(items, list):
            raise InputError(f"{where}: \"{key}\" is not a list of [start, end, label]")
        for item in items:
            if not isinstance(item, list) or len(item) != 3:
                raise InputError(
                    f"{where}: {short(item)} in \"{key}\" is not [start, end, label]"
                )
            spans.append(make_span(text, offset(item[0]), offset(item[1]), item[2], where))
    elif "entities" in obj:
        items = obj["entities"]
        if not isinstance(items, list):
            raise InputError(f"{where}: \"entities\" is not a list")
        for item in items:
            if not isinstance(item, dict):
                raise InputError(f"{where}: entity {short(item)} is not an object")
            span = make_span(
                text,
                offset(item.get("start_offset")),
                offset(item.get("end_offset")),
                item.get("label"),
                where,
            )
            if item.get("id") is not None:
                span["id"] = str(item["id"])
            spans.append(span)
        known = {sp["id"] for sp in spans}
        for rel in obj.get("relations") or []:
            if not isinstance(rel, dict):
                raise InputError(f"{where}: relation {short(rel)} is not an object")
            head, tail = str(rel.get("from_id")), str(rel.get("to_id"))
            if head not in known or tail not in known:
                raise InputError(f"{where}: relation {short(rel.get('id'))} names no entity")
            relations.append(
                {"id": rel.get("id"), "head": head, "tail": tail, "label": rel.get("type")}
            )
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    doc_id = obj.get("id")
    status = obj.get("status")
    rec = make_record(
        doc_id=str(doc_id) if doc_id is not None else fallback_id,
        text=text,
        spans=spans,
        relations=relations,
        meta=meta,
        annotator=_annotator(obj),
        status=status if status is not None else "todo",
        source=source,
    )
    if doc_labels:
        rec["doc_labels"] = doc_labels
    rec["where"] = where  # the import's gate names the line, not the record number
    return rec


def _line(raw: bytes, where: str, fallback_id: str, unit: Offsets, source: str) -> Record:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise InputError(f"{where}: not a JSON object")
    if "spans" in obj and not any(k in obj for k in _SPAN_KEYS):
        raise InputError(f"{where}: this is newsmark's native JSONL, not doccano")
    return _record(obj, where, fallback_id, unit, source)


def _raw_lines(path: Path) -> Iterator[tuple[bytes, str, str]]:
    """Each record's JSON, where it is (for messages) and the id it gets if it has none."""
    if path.suffix.lower() == ".json" and _json_array(path):
        # doccano's JSON export: one array, its items as the lines of a JSONL file.
        items = load_json(path)
        if not isinstance(items, list):
            raise InputError(f"{path}: not a doccano JSON array")
        for i, item in enumerate(items, 1):
            yield orjson.dumps(item), f"{path} item {i}", f"{path.stem}-{i}"
        return
    with open_binary(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                yield raw, f"{path}:{lineno}", f"{path.stem}-{lineno}"


def read(
    path: Path,
    *,
    offsets: Offsets = "codepoints",
    skip_bad: bool = False,
    notes: list[str] | None = None,
) -> Iterator[Record]:
    """Yield one native record per line of a doccano JSONL file (or item of its JSON array)."""
    path = Path(path)
    unit = check_offsets_option(offsets)
    for raw, where, fallback_id in _raw_lines(path):
        try:
            rec = _line(raw, where, fallback_id, unit, path.name)
        except InputError as exc:
            if not skip_bad:
                raise
            if notes is not None:
                notes.append(f"{exc}; skipped (--skip-bad)")
            continue
        yield rec
