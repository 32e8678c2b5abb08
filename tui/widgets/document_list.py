"""The document list: status, span count and title of every article."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True, slots=True)
class DocRow:
    id: str
    title: str
    status: str
    spans: int


def _prompt(row: DocRow) -> Text:
    mark = Text("✓ ", style="bold green") if row.status == "done" else Text("· ", style="dim")
    count = Text(f"{row.spans:>4} ", style="bold" if row.spans else "dim")
    return Text.assemble(mark, count, Text(row.title, no_wrap=True, overflow="ellipsis"))


class DocumentList(OptionList):
    """One line per document; OptionList only renders the visible lines."""

    DEFAULT_CSS = """
    DocumentList { width: 30; border-right: tall $primary 30%; }
    DocumentList:focus { border-right: tall $accent; }
    """

    def set_rows(self, rows: list[DocRow], current: str | None) -> None:
        self.clear_options()
        self.add_options(Option(_prompt(r), id=r.id) for r in rows)
        if current is not None:
            self.highlight_id(current)

    def update_row(self, row: DocRow) -> None:
        # The row may not be listed (filtered out): then there is nothing to repaint.
        with contextlib.suppress(Exception):
            self.replace_option_prompt(row.id, _prompt(row))

    def highlight_id(self, doc_id: str) -> None:
        with contextlib.suppress(Exception):
            self.highlighted = self.get_option_index(doc_id)
