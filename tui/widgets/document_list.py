"""The document list: status, span count and title of every article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from tui.widgets.virtual_list import VirtualList


@dataclass(frozen=True, slots=True)
class DocRow:
    id: str
    title: str
    status: str
    spans: int


class DocumentList(VirtualList):
    """One line per document; only the visible lines are rendered."""

    DEFAULT_CSS = """
    DocumentList { width: 30; border-right: tall $primary 30%; }
    DocumentList:focus { border-right: tall $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[DocRow] = []
        self._index: dict[str, int] = {}

    def set_rows(self, rows: Sequence[DocRow], current: str | None) -> None:
        self._rows = list(rows)
        self._index = {r.id: i for i, r in enumerate(self._rows)}
        self.set_count(len(self._rows))
        if current is not None:
            self.highlight_id(current)

    def row(self, index: int) -> DocRow:
        return self._rows[index]

    def update_row(self, row: DocRow) -> None:
        index = self._index.get(row.id)
        if index is not None:
            self._rows[index] = row
            self.invalidate(index)

    def highlight_id(self, doc_id: str) -> None:
        index = self._index.get(doc_id)
        if index is not None:
            self.highlight(index)

    def render_row(self, index: int, width: int) -> Text:
        row = self._rows[index]
        if row.status == "done":
            mark = Text("✓ ", style="bold green")
        elif row.status == "damaged":
            mark = Text("⚠ ", style="bold red")
        else:
            mark = Text("· ", style="dim")
        count = Text(f"{row.spans:>4} ", style="bold" if row.spans else "dim")
        return Text.assemble(mark, count, Text(row.title))
