"""The side panel: the current layer's annotations, following the cursor."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.color import Color, ColorParseError

from store.model import Span
from tui.widgets.article_view import _readable
from tui.widgets.virtual_list import VirtualList


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


class AnnotationList(VirtualList):
    """Label, offsets and text of each annotation, one line each, sorted by position."""

    DEFAULT_CSS = """
    AnnotationList { width: 34; border-left: tall $primary 30%; }
    AnnotationList:focus { border-left: tall $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[Span] = []
        self._starts: list[int] = []
        self._colors: Mapping[str, str] = {}
        self._index: dict[str, int] = {}
        # label -> readable hex colour: parsing and contrast-checking it costs ~60 µs,
        # and every row needs one.  Depends on the colours and the panel's background.
        self._label_colors: dict[str, str] = {}

    @property
    def spans(self) -> list[Span]:
        return self._spans

    def set_spans(self, spans: Sequence[Span], colors: Mapping[str, str]) -> None:
        self._spans = list(spans)
        self._starts = [s.start for s in self._spans]
        self._index = {s.id: i for i, s in enumerate(self._spans)}
        self._colors = colors
        self._label_colors.clear()
        self.set_count(len(self._spans))

    def empty_text(self) -> Text:
        return Text("no annotations yet: select text, press 1–9", style="dim")

    def render_row(self, index: int, width: int) -> Text:
        s = self._spans[index]
        color = self._label_color(s.label)
        where = f"{s.start}–{s.end}"
        label = f"{s.label[:8]:<8} "
        room = max(0, width - len(label) - len(where) - 2)
        return Text.assemble(
            Text(label, style=f"bold {color}"),
            Text(_clip(s.text, room).ljust(room) + " "),
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
        if selected is not None and selected in self._index:
            self.highlight(self._index[selected])
            return
        self.highlight(max(0, bisect.bisect_right(self._starts, cursor) - 1))

    def span_at_row(self, index: int) -> Span | None:
        return self._spans[index] if 0 <= index < len(self._spans) else None
