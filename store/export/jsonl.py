"""Native JSONL export: lossless, one line per document and annotator layer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import orjson

from store.export.base import ExportReport, Record


def write_jsonl(records: Iterable[Record], out: BinaryIO, report: ExportReport) -> None:
    """Stream records as UTF-8 JSON lines; keys keep the contract's order."""
    for rec in records:
        out.write(orjson.dumps(rec) + b"\n")
        report.documents += 1
        report.spans += len(rec["spans"])
        report.relations += len(rec["relations"])
