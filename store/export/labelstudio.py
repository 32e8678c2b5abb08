"""Label Studio JSON: one task per document, one annotation per annotator layer.

The output is one JSON array, written incrementally (one task at a time)::

    [{"id": "doc-1",
      "data": {"text": "...", "doc_id": "doc-1", "meta": {...}},
      "annotations": [
        {"id": 1, "result": [
           {"id": "s1", "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": 0, "end": 5, "text": "Hello", "labels": ["claim"]}},
           {"id": "r1", "from_id": "s1", "to_id": "s2", "type": "relation",
            "direction": "right", "labels": ["supports"]}],
         "was_cancelled": false, "ground_truth": false,
         "newsmark": {"annotator": "alice", "status": "done"}}]}]

Document labels become ``choices`` results, one per label set (``from_name`` = the set
name, ``value.choices`` = its choices); a labelling config needs a ``<Choices
name="SET" toName="text">`` per set to show them.

Offsets are Unicode code points, which is what Label Studio stores for text regions.
Records arrive grouped by document id (the store yields every layer of a document
consecutively); the layers of a run of records with the same id become one task. A
document whose layers are not consecutive becomes two tasks, and the report says so.

Label Studio assigns imported annotations to the importing user unless
``completed_by`` names an existing user: pass ``emails={"alice": "alice@example.org"}``
to write ``"completed_by": {"email": ...}`` for the annotators listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

import orjson

from store.errors import InputError
from store.export.base import ExportReport, Record
from store.records import IMPORTED_ANNOTATOR


def _annotation(
    rec: Record, number: int, from_name: str, to_name: str, emails: Mapping[str, str]
) -> dict[str, Any]:
    result: list[dict[str, Any]] = []
    for sp in rec["spans"]:
        result.append(
            {
                "id": str(sp["id"]),
                "from_name": from_name,
                "to_name": to_name,
                "type": "labels",
                "value": {
                    "start": sp["start"],
                    "end": sp["end"],
                    "text": sp["text"],
                    "labels": [sp["label"]],
                },
            }
        )
    for rel in rec.get("relations", []):
        result.append(
            {
                "id": str(rel["id"]),
                "from_id": str(rel["head"]),
                "to_id": str(rel["tail"]),
                "type": "relation",
                "direction": "right",
                "labels": [rel["label"]],
            }
        )
    for name, choices in sorted((rec.get("doc_labels") or {}).items()):
        result.append(
            {
                "id": f"doc-labels-{name}",
                "from_name": name,
                "to_name": to_name,
                "type": "choices",
                "value": {"choices": list(choices)},
            }
        )
    annotator = str(rec.get("annotator", IMPORTED_ANNOTATOR))
    ann: dict[str, Any] = {"id": number}
    if annotator in emails:
        ann["completed_by"] = {"email": emails[annotator]}
    ann["result"] = result
    ann["was_cancelled"] = False
    ann["ground_truth"] = False
    ann["newsmark"] = {"annotator": annotator, "status": rec.get("status", "todo")}
    return ann


def write(
    records: Iterable[Record],
    out: BinaryIO,
    report: ExportReport,
    *,
    from_name: str = "label",
    to_name: str = "text",
    emails: Mapping[str, str] | None = None,
    **options: Any,
) -> None:
    """Write a Label Studio task array to ``out``, one task per run of same-id records."""
    if options:
        raise InputError(f"labelstudio export has no option {sorted(options)[0]!r}")
    email_map = dict(emails or {})
    out.write(b"[")
    first = True
    task: dict[str, Any] | None = None
    seen: set[str] = set()

    def flush() -> None:
        nonlocal first
        if task is None:
            return
        out.write((b"\n" if first else b",\n") + orjson.dumps(task))
        first = False

    for number, rec in enumerate(records, 1):
        doc_id = str(rec["id"])
        if task is None or task["id"] != doc_id:
            flush()
            if doc_id in seen:
                report.lose(
                    "documents split over two Label Studio tasks (their layers were not "
                    "consecutive in the input)"
                )
            seen.add(doc_id)
            task = {
                "id": doc_id,
                "data": {"text": rec["text"], "doc_id": doc_id, "meta": rec.get("meta", {})},
                "annotations": [],
            }
        task["annotations"].append(_annotation(rec, number, from_name, to_name, email_map))
        report.documents += 1
        report.spans += len(rec["spans"])
        report.relations += len(rec.get("relations", []))
        cues = sum(1 for r in rec.get("relations", []) if r.get("cue"))
        if cues:
            # A relation result joins two regions; the cue stays as a region labelled cue.
            report.lose("link cues not representable in Label Studio (kept as cue labels)", cues)
    flush()
    out.write(b"\n]\n" if not first else b"]\n")
