"""What every exporter shares: the native record shape and the export report.

Exporters consume *native records*: dicts in the native JSONL shape (see
README "Export format"), one per document and annotator layer::

    {"id": str, "text": str, "meta": {"title", "source", "sha256", ...},
     "annotator": str, "status": "done" | "todo",
     "spans": [{"id", "start", "end", "label", "text"}],   # sorted (start, end, label)
     "relations": [{"id", "head", "tail", "label"}],
     "schema_version": 1}

Importers of foreign formats produce the same shape, so every format converts
through one well-tested representation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# The shape is shared with the importers, so it lives with the other record shapes.
from store.records import SCHEMA_VERSION, Record

__all__ = ["SCHEMA_VERSION", "ExportReport", "Record"]


@dataclass
class ExportReport:
    """Counts of what an export wrote, and exactly what the format could not hold."""

    documents: int = 0
    spans: int = 0
    relations: int = 0
    lost: Counter[str] = field(default_factory=Counter)  # reason -> count
    info: Counter[str] = field(default_factory=Counter)  # worth saying, but nothing lost
    files: list[str] = field(default_factory=list)

    def lose(self, reason: str, count: int = 1) -> None:
        self.lost[reason] += count

    def note(self, reason: str, count: int = 1) -> None:
        self.info[reason] += count

    def summary(self) -> str:
        text = f"{self.documents} documents, {self.spans} spans"
        if self.relations:
            text += f", {self.relations} relations"
        return text

    def loss_lines(self) -> list[str]:
        return [f"{count} {reason}" for reason, count in sorted(self.lost.items())]

    def info_lines(self) -> list[str]:
        return [f"{count} {reason}" for reason, count in sorted(self.info.items())]
