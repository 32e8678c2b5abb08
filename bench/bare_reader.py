"""A bare Textual reader: the baseline bench/keys.py measures newsmark against.

The least a Textual app can do and still show what newsmark shows for a key: the
same article in a Line API pane (hard-wrapped, a reverse-video cursor cell), a
title line and a one-line status with the cursor's offset. A cursor key repaints
the rows the cursor left and entered and the status line; a digit writes the
document file durably (temp file, fsync, rename, fsync the folder) on the UI
thread and then says "✓ saved". No spans, no store, no key stream.

    python bench/bare_reader.py TEXT_FILE [DOC_FILE]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

_CURSOR = Style(reverse=True)


def durable_write(path: Path, data: bytes) -> None:
    """The floor of one save: write a temp file, fsync it, rename it over, fsync the folder."""
    tmp = path.with_name(path.name + ".bench-tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class Status(Widget):
    DEFAULT_CSS = "Status { height: 1; }"
    message: Reactive[str] = reactive("✓ all changes saved", layout=False)
    where: Reactive[str] = reactive("", layout=False)

    def render(self) -> Text:
        return Text(f" {self.message}  │ {self.where}", no_wrap=True, end="")


class Pane(ScrollView, can_focus=True):
    """The article, hard-wrapped at the pane's width, with a cursor cell."""

    def __init__(self, text: str) -> None:
        super().__init__(id="pane")
        self.text = text
        self.rows: list[tuple[int, int]] = []
        self.cursor = 0

    def on_resize(self, event: events.Resize) -> None:
        width = max(1, self.scrollable_content_region.width - 1)
        rows: list[tuple[int, int]] = []
        pos = 0
        for line in self.text.split("\n"):
            end = pos + len(line)
            rows.extend((s, min(s + width, end)) for s in range(pos, max(end, pos + 1), width))
            pos = end + 1
        self.rows = rows
        self.virtual_size = Size(width + 1, len(rows))

    def row_of(self, offset: int) -> int:
        lo, hi = 0, len(self.rows) - 1
        while lo < hi:  # the last row starting at or before offset
            mid = (lo + hi + 1) // 2
            if self.rows[mid][0] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + round(self.scroll_y)
        if row >= len(self.rows):
            return Strip.blank(width)
        start, end = self.rows[row]
        chunk = self.text[start:end]
        c = self.cursor - start
        if 0 <= c <= len(chunk) and self.row_of(self.cursor) == row:
            segments = [
                Segment(chunk[:c]),
                Segment(chunk[c : c + 1] or " ", _CURSOR),
                Segment(chunk[c + 1 :]),
            ]
        else:
            segments = [Segment(chunk)]
        return Strip(segments).adjust_cell_length(width)

    def move(self, offset: int) -> None:
        offset = max(0, min(offset, len(self.text)))
        old, self.cursor = self.row_of(self.cursor), offset
        new = self.row_of(offset)
        top, height = round(self.scroll_y), self.scrollable_content_region.height
        if not top <= new < top + height:
            self.scroll_to(y=max(0, new - height // 2), animate=False)
            self.refresh()
        else:
            self.refresh_line(old)
            self.refresh_line(new)
        self.app.query_one(Status).where = f"@{offset}"


class BareReader(App[None]):
    CSS = "#pane { height: 1fr; }"

    def __init__(self, text: str, doc: Path | None) -> None:
        super().__init__()
        self.text = text
        self.doc = doc
        self.doc_bytes = doc.read_bytes() if doc else b""

    def compose(self) -> ComposeResult:
        yield Static(Text("BARE-READY", style="bold"), id="title")
        yield Pane(self.text)
        yield Status()

    def on_key(self, event: events.Key) -> None:
        pane = self.query_one(Pane)
        cursor = pane.cursor
        height = pane.scrollable_content_region.height
        if event.character == "l":
            pane.move(cursor + 1)
        elif event.character == "j":
            row = min(pane.row_of(cursor) + 1, len(pane.rows) - 1)
            pane.move(pane.rows[row][0] + cursor - pane.rows[pane.row_of(cursor)][0])
        elif event.character == " ":
            row = min(pane.row_of(cursor) + height, len(pane.rows) - 1)
            pane.move(pane.rows[row][0])
        elif event.character == "G":
            pane.move(len(self.text))
        elif event.character == "g":
            pane.move(0)
        elif event.character == "w":
            space = self.text.find(" ", cursor + 1)
            pane.move(space + 1 if space >= 0 else len(self.text))
        elif event.character and event.character.isdigit():
            if self.doc is not None:
                durable_write(self.doc, self.doc_bytes)
            self.query_one(Status).message = f"✓ saved: labelled {event.character}"
        elif event.character == "q":
            self.exit()


if __name__ == "__main__":
    text_path = Path(sys.argv[1])
    doc_path = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    BareReader(text_path.read_text(encoding="utf-8"), doc_path).run()
