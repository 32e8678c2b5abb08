"""The side panel: the current layer's annotations, following the cursor."""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Mapping, Sequence

from rich.text import Text
from textual.color import Color, ColorParseError

from store.model import Span
from tui.safe import safe_text
from tui.span_index import insort_span, remove_span
from tui.widgets.article_view import _readable
from tui.widgets.virtual_list import VirtualList


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


def _start(span: Span) -> int:
    return span.start


class AnnotationList(VirtualList):
    """Label, offsets and text of each annotation, one line each, sorted by position.

    A label or a delete changes one row (``apply``): the list is updated in place
    and rows are cached by the span they show, so only the new row is rendered.
    """

    DEFAULT_CSS = """
    AnnotationList { width: 34; border-left: tall $primary 30%; }
    AnnotationList:focus { border-left: tall $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[Span] = []  # sorted by Span.sort_key
        self._by_id: dict[str, Span] = {}
        self._colors: Mapping[str, str] = {}
        # label -> readable hex colour: parsing and contrast-checking it costs ~60 µs,
        # and every row needs one.  Depends on the colours and the panel's background.
        self._label_colors: dict[str, str] = {}
        #: span id -> its links, shown after its text ("→Austin", "←speaker").
        self._links: dict[str, str] = {}

    @property
    def spans(self) -> list[Span]:
        return self._spans

    def set_spans(self, spans: Sequence[Span], colors: Mapping[str, str]) -> None:
        """Show these spans (in any order) with these label colours."""
        self._spans = sorted(spans, key=Span.sort_key)
        self._by_id = {s.id: s for s in self._spans}
        self._colors = dict(colors)
        self._label_colors.clear()
        self.set_count(len(self._spans))

    def apply(
        self, added: Sequence[Span], removed: Sequence[Span], colors: Mapping[str, str]
    ) -> None:
        """One change: spans removed and added (by id), repainting only what moved."""
        if colors != self._colors:
            self._colors = dict(colors)
            self._label_colors.clear()
            self.invalidate()
        first = len(self._spans)
        for span in removed:
            old = self._by_id.pop(span.id, None)
            if old is not None:
                first = min(first, self._row_of(old))
                if not remove_span(self._spans, old):  # not where its order says: scan
                    self._spans.remove(old)
        for span in added:
            old = self._by_id.pop(span.id, None)
            if old is not None and not remove_span(self._spans, old):
                self._spans.remove(old)
            insort_span(self._spans, span)
            self._by_id[span.id] = span
            first = min(first, self._row_of(span))
        self.rows_moved(len(self._spans), first)

    def _row_of(self, span: Span) -> int:
        return bisect.bisect_left(self._spans, span.sort_key(), key=Span.sort_key)

    def set_links(self, links: Mapping[str, str]) -> None:
        """Show each span's links after its text."""
        if links != self._links:
            self._links = dict(links)
            self.refresh()

    def row_key(self, index: int) -> Hashable:
        span = self._spans[index]
        return (span, self._links.get(span.id))

    def empty_text(self) -> Text:
        return Text("no annotations yet: select text, press 1–9", style="dim")

    def render_row(self, index: int, width: int) -> Text:
        s = self._spans[index]
        color = self._label_color(s.label)
        where = f"{s.start}–{s.end}"
        label = f"{s.label[:8]:<8} "
        room = max(0, width - len(label) - len(where) - 2)
        links = self._links.get(s.id, "")
        if links:
            links = _clip(links, max(0, room // 2))
            room = max(0, room - len(links) - 1)
        return Text.assemble(
            # Label and span text come from files: controls shown, never markup.
            safe_text(label, style=f"bold {color}"),
            safe_text(_clip(s.text, room).ljust(room) + " "),
            safe_text(links + " " if links else "", style=f"italic {color}"),
            Text(where, style="dim"),
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._label_colors.clear()

    def _label_color(self, label: str) -> str:
        """The label's colour, nudged until readable on this panel (e.g. on light themes)."""
        hex_color = self._label_colors.get(label)
        if hex_color is None:
            try:
                color = Color.parse(self._colors.get(label, "white"))
            except ColorParseError:
                hex_color = ""
            else:
                hex_color = _readable(color, self.background_colors[1]).hex
            self._label_colors[label] = hex_color
        return hex_color

    def follow(self, cursor: int, selected: str | None) -> None:
        """Highlight the selected annotation, else the last one starting at or before cursor."""
        if not self._spans:
            return
        span = self._by_id.get(selected) if selected is not None else None
        if span is not None:
            self.highlight(self._row_of(span))
            return
        self.highlight(max(0, bisect.bisect_right(self._spans, cursor, key=_start) - 1))

    def span_at_row(self, index: int) -> Span | None:
        return self._spans[index] if 0 <= index < len(self._spans) else None
