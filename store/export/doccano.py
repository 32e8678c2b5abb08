"""doccano JSONL: one line per document layer.

Each line is ``{"id", "text", "label": [[start, end, "label"], ...], "meta", "annotator",
"status"}``, the shape doccano's sequence-labelling import reads (columns other than
``text`` and ``label`` become doccano metadata). Offsets are Unicode code points by
default, as Python and this project count them; doccano's web UI counts UTF-16 code
units (doccano issue #2290), so pass ``offsets="utf16"`` when the file is going into
doccano itself and texts contain emoji or other characters beyond U+FFFF.

With ``relations=True`` each line is instead doccano's relation shape, which its
sequence-labelling projects with relations import: ``"entities": [{"id", "label",
"start_offset", "end_offset"}]`` (ids numbered from 1 per line) and ``"relations":
[{"id", "from_id", "to_id", "type"}]``. Without it, relations are not written (the
``label`` column cannot hold them) and are reported lost. doccano has no cue: a link's
cue span is written as an entity labelled ``cue``, and the link without it.

Document labels go in a ``"doc_labels"`` column (``{"topic": ["politics"]}``, only
when set), which doccano keeps as metadata and newsmark's importer reads back. With
``classification=True`` each line is instead doccano's text-classification shape:
``"label"`` lists the document labels (``"CHOICE"`` for the label set named ``label``,
``"SET:CHOICE"`` for any other), the spans and relations are not written (reported
lost), and the ``doc_labels`` column keeps the sets exact for newsmark's importer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, Literal

import orjson

from store.errors import InputError
from store.export.base import ExportReport, Record
from store.records import IMPORTED_ANNOTATOR

Offsets = Literal["codepoints", "utf16"]

#: What the label shape says of the links it leaves out.
RELATIONS_LOST = (
    "relations not representable in doccano's label shape "
    "(--relations writes doccano's relation shape)"
)


SPANS_LOST = "spans not written in doccano's text-classification shape (--classification)"
RELATIONS_LOST_CLASSIFICATION = (
    "relations not written in doccano's text-classification shape (--classification)"
)


def classes(doc_labels: dict[str, list[str]]) -> list[str]:
    """doccano's class list of a layer: ``CHOICE`` for the set ``label``, else ``SET:CHOICE``."""
    return [
        choice if name == "label" else f"{name}:{choice}"
        for name, chosen in sorted(doc_labels.items())
        for choice in chosen
    ]


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
    relations: bool = False,
    classification: bool = False,
    **options: Any,
) -> None:
    """Write one doccano JSONL line per record to ``out``."""
    if options:
        raise InputError(f"doccano export has no option {sorted(options)[0]!r}")
    if relations and classification:
        raise InputError("give --relations or --classification, not both")
    unit = check_offsets_option(offsets)
    for rec in records:
        text: str = rec["text"]
        conv = utf16_offsets(text) if unit == "utf16" else (lambda i: i)
        line: dict[str, Any] = {"id": rec["id"], "text": text}
        if classification:
            line["label"] = classes(rec.get("doc_labels") or {})
            if rec["spans"]:
                report.lose(SPANS_LOST, len(rec["spans"]))
            if rec.get("relations"):
                report.lose(RELATIONS_LOST_CLASSIFICATION, len(rec["relations"]))
        elif relations:
            numbers = {str(sp["id"]): n for n, sp in enumerate(rec["spans"], 1)}
            line["entities"] = [
                {"id": numbers[str(sp["id"])], "label": sp["label"],
                 "start_offset": conv(sp["start"]), "end_offset": conv(sp["end"])}
                for sp in rec["spans"]
            ]  # fmt: skip
            line["relations"] = [
                {"id": n, "from_id": numbers[str(r["head"])], "to_id": numbers[str(r["tail"])],
                 "type": r["label"]}
                for n, r in enumerate(rec.get("relations", []), 1)
            ]  # fmt: skip
            cues = sum(1 for r in rec.get("relations", []) if r.get("cue"))
            if cues:
                report.lose("link cues not representable in doccano (kept as cue entities)", cues)
            report.relations += len(line["relations"])
        else:
            line["label"] = [
                [conv(sp["start"]), conv(sp["end"]), sp["label"]] for sp in rec["spans"]
            ]
            if rec.get("relations"):
                report.lose(RELATIONS_LOST, len(rec["relations"]))
        if rec.get("doc_labels"):
            line["doc_labels"] = rec["doc_labels"]
        line.update(
            meta=rec.get("meta", {}),
            annotator=rec.get("annotator", IMPORTED_ANNOTATOR),
            status=rec.get("status", "todo"),
        )
        out.write(orjson.dumps(line) + b"\n")
        report.documents += 1
        report.spans += 0 if classification else len(rec["spans"])
