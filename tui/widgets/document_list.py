"""The document list: status, span count and title of every article, for 10,000 of them.

Rows are produced lazily (only visible rows ask the store for their summary),
and the list can be filtered by status and by title text and sorted; `]`/`[`
in the reader follow the list's current order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from store.model import DocumentInfo
from tui.safe import safe_text
from tui.widgets.virtual_list import VirtualList

STATUS_FILTERS = ("all", "todo", "done")
SORTS = ("imported", "title", "spans", "status")


class DocRow(NamedTuple):
    id: str
    title: str
    status: str
    spans: int
    tags: str = ""  # the layer's document labels, shown before the title


class DocumentList(VirtualList):
    """One line per document; only the visible lines are rendered."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "cycle_status", "Filter by status", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("f,slash", "filter_text", "Filter by title", show=False),
    ]
    DEFAULT_CSS = """
    DocumentList { height: 1fr; }
    """

    class FilterRequested(Message):
        """The user wants to type a title filter."""

    class Changed(Message):
        """Filter or sort changed: the header should say so."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._infos: list[DocumentInfo] = []
        self._row_of: Callable[[DocumentInfo], DocRow] = lambda i: DocRow(i.id, i.title, "", 0)
        self._rows: dict[str, DocRow] = {}
        self._order: list[int] = []  # indices into _infos, after filter and sort
        self._position: dict[str, int] = {}
        self.status_filter = "all"
        self.sort = "imported"
        self.text_filter = ""

    # -- data

    def set_docs(
        self,
        infos: Sequence[DocumentInfo],
        row_of: Callable[[DocumentInfo], DocRow],
        current: str | None,
    ) -> None:
        self._infos = list(infos)
        self._row_of = row_of
        self._rows.clear()
        self._reorder(current)

    def row_for(self, info: DocumentInfo) -> DocRow:
        row = self._rows.get(info.id)
        if row is None:
            row = self._rows[info.id] = self._row_of(info)
        return row

    def update_row(self, row: DocRow) -> None:
        self._rows[row.id] = row
        index = self._position.get(row.id)
        if index is not None:
            # Rows are cached by what they show (row_key), so the new one just repaints.
            self._refresh_row(index)

    def _reorder(self, current: str | None) -> None:
        order = list(range(len(self._infos)))
        needle = self.text_filter.casefold()
        if needle:
            order = [i for i in order if needle in self._infos[i].title.casefold()]
        # Status filters and sorts by status or count need every row's summary;
        # the store's summary cache makes that a stat per document.
        if self.status_filter != "all":
            order = [i for i in order if self.row_for(self._infos[i]).status == self.status_filter]
        if self.sort == "title":
            order.sort(key=lambda i: self._infos[i].title.casefold())
        elif self.sort == "spans":
            order.sort(key=lambda i: -self.row_for(self._infos[i]).spans)
        elif self.sort == "status":
            order.sort(key=lambda i: self.row_for(self._infos[i]).status != "done")
        self._order = order
        self._position = {self._infos[i].id: n for n, i in enumerate(order)}
        self.set_count(len(order))
        if current is not None:
            self.highlight_id(current)
        self.post_message(self.Changed())

    def row(self, index: int) -> DocRow:
        """The row shown at position ``index`` of the list."""
        info = self.doc_at(index)
        if info is None:
            raise IndexError(index)
        return self.row_for(info)

    def doc_at(self, index: int) -> DocumentInfo | None:
        return self._infos[self._order[index]] if 0 <= index < len(self._order) else None

    def neighbour(self, doc_id: str, step: int) -> DocumentInfo | None:
        """The document `step` places away in the list's current order (None at the ends)."""
        index = self._position.get(doc_id)
        if index is None:
            return self.doc_at(0 if step > 0 else len(self._order) - 1)
        return self.doc_at(index + step)

    def highlight_id(self, doc_id: str) -> None:
        index = self._position.get(doc_id)
        if index is not None:
            self.highlight(index)

    def describe(self) -> str:
        shown = f"{len(self._order)}/{len(self._infos)}"
        parts = [f"documents {shown}"]
        if self.status_filter != "all":
            parts.append(self.status_filter)
        if self.text_filter:
            parts.append(f"“{self.text_filter}”")
        if self.sort != "imported":
            parts.append(f"by {self.sort}")
        return " · ".join(parts)

    # -- actions

    def _current_id(self) -> str | None:
        info = self.doc_at(self.highlighted) if self.highlighted is not None else None
        return info.id if info else None

    def action_cycle_status(self) -> None:
        self.status_filter = STATUS_FILTERS[
            (STATUS_FILTERS.index(self.status_filter) + 1) % len(STATUS_FILTERS)
        ]
        self._reorder(self._current_id())

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._reorder(self._current_id())

    def action_filter_text(self) -> None:
        self.post_message(self.FilterRequested())

    def set_text_filter(self, text: str) -> None:
        self.text_filter = text.strip()
        self._reorder(self._current_id())

    # -- rendering

    def empty_text(self) -> Text:
        return Text("no documents match (t: status, f: title)", style="dim")

    def row_key(self, index: int) -> Hashable:
        info = self.doc_at(index)
        assert info is not None
        return self.row_for(info)

    def render_row(self, index: int, width: int) -> Text:
        info = self.doc_at(index)
        assert info is not None
        row = self.row_for(info)
        if row.status == "done":
            mark = Text("✓ ", style="bold green")
        elif row.status == "damaged":
            mark = Text("⚠ ", style="bold red")
        else:
            mark = Text("· ", style="dim")
        count = Text(f"{row.spans:>4} ", style="bold" if row.spans else "dim")
        tags = safe_text(f"[{row.tags}] " if row.tags else "", style="italic")
        return Text.assemble(mark, count, tags, safe_text(row.title))  # a title from a file
