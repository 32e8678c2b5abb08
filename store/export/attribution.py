"""Attribution export: one CSV row per link, for the analyses people run on attribution.

Each row is one link of one annotator layer (``--gold`` for the adjudicated
one): the document, the annotator, the link type (``speaker``, ``claimant``…),
then the source (the link's tail: the actor), the cue (the reporting verb, if
the link has one) and the content (the head: the quote or claim), each as label,
start, end and text, offsets in code points as everywhere. Rows are in document
order, then by content start. Spans without links are not rows: the native
export has them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from store.export.base import ExportReport, Record

COLUMNS = (
    "document", "title", "annotator", "relation",
    "source_label", "source_start", "source_end", "source_text",
    "cue_start", "cue_end", "cue_text",
    "content_label", "content_start", "content_end", "content_text",
)  # fmt: skip


def write(records: Iterable[Record], out: BinaryIO, report: ExportReport) -> None:
    """Write the CSV header and one row per link."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    out.write(buf.getvalue().encode("utf-8"))
    for rec in records:
        spans = {s["id"]: s for s in rec["spans"]}
        rows = []
        for rel in rec.get("relations", []):
            head, tail = spans.get(rel["head"]), spans.get(rel["tail"])
            if head is None or tail is None:
                continue  # never expected: records only hold links between their spans
            cue = spans.get(rel.get("cue") or "")
            rows.append((
                rec["id"], rec["meta"].get("title", ""), rec["annotator"], rel["label"],
                tail["label"], tail["start"], tail["end"], tail["text"],
                "" if cue is None else cue["start"], "" if cue is None else cue["end"],
                "" if cue is None else cue["text"],
                head["label"], head["start"], head["end"], head["text"],
            ))  # fmt: skip
        if not rows:
            continue
        rows.sort(key=lambda r: (r[12], r[13], r[5]))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        out.write(buf.getvalue().encode("utf-8"))
        report.documents += 1
        report.relations += len(rows)
        used = {r[k] for r in rec["relations"] for k in ("head", "tail", "cue") if r.get(k)}
        report.spans += len(used)
