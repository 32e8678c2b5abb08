"""doccano JSONL: one line per document layer.

Each line is ``{"id", "text", "label": [[start, end, "label"], ...], "meta", "annotator",
"status"}``, the shape doccano's sequence-labelling import reads (columns other than
``text`` and ``label`` become doccano metadata). Offsets are Unicode code points by
default, as Python and this project count them; doccano's web UI counts UTF-16 code
units (doccano issue #2290), so pass ``offsets="utf16"`` when the file is going into
doccano itself and texts contain emoji or other characters beyond U+FFFF.

Relations are not written (the ``label`` column cannot hold them) and are reported lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, Literal

import orjson

from store.errors import InputError
from store.export.base import ExportReport, Record
from store.records import IMPORTED_ANNOTATOR

Offsets = Literal["codepoints", "utf16"]


def utf16_offsets(text: str) -> Callable[[int], int]:
    """Map code-point offsets of ``text`` to UTF-16 code-unit offsets."""
    if all(ord(ch) <= 0xFFFF for ch in text):
        return lambda i: i
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return lambda i: prefix[i]


def codepoint_offsets(text: str) -> Callable[[int], int | None]:
    """Map UTF-16 code-unit offsets of ``text`` back to code points (None: mid-character)."""
    if all(ord(ch) <= 0xFFFF for ch in text):
        return lambda u: u if 0 <= u <= len(text) else None
    back: dict[int, int] = {}
    unit = 0
    for i, ch in enumerate(text):
        back[unit] = i
        unit += 2 if ord(ch) > 0xFFFF else 1
    back[unit] = len(text)
    return back.get


def check_offsets_option(value: object) -> Offsets:
    if value == "codepoints":
        return "codepoints"
    if value == "utf16":
        return "utf16"
    raise InputError(f"offsets={value!r} is not an offset unit; use 'codepoints' or 'utf16'")


def write(
    records: Iterable[Record],
    out: BinaryIO,
    report: ExportReport,
    *,
    offsets: Offsets = "codepoints",
    **options: Any,
) -> None:
    """Write one doccano JSONL line per record to ``out``."""
    if options:
        raise InputError(f"doccano export has no option {sorted(options)[0]!r}")
    unit = check_offsets_option(offsets)
    for rec in records:
        text: str = rec["text"]
        conv = utf16_offsets(text) if unit == "utf16" else (lambda i: i)
        labels = [[conv(sp["start"]), conv(sp["end"]), sp["label"]] for sp in rec["spans"]]
        line: dict[str, Any] = {
            "id": rec["id"],
            "text": text,
            "label": labels,
            "meta": rec.get("meta", {}),
            "annotator": rec.get("annotator", IMPORTED_ANNOTATOR),
            "status": rec.get("status", "todo"),
        }
        out.write(orjson.dumps(line) + b"\n")
        report.documents += 1
        report.spans += len(labels)
        if rec.get("relations"):
            report.lose("relations not representable in doccano", len(rec["relations"]))
