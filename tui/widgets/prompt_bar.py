"""A one-line prompt (the find bar, the title filter) edited by the reader's key stream.

Not a Textual ``Input``: an Input takes keys only once it has focus, and focus
moves after the key that opened it has been handled, so keys typed in the same
burst went elsewhere. The reader's find and filter modes type into this bar
directly, in key order. The text is drawn with ``rich.text.Text`` (never
markup) and control characters are never inserted.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual.widget import Widget

from tui.geometry import next_grapheme, prev_grapheme
from tui.safe import visible


def clean_input(text: str) -> str:
    """Typed or pasted text without control characters (line breaks become spaces)."""
    out = []
    for ch in text:
        if ch in "\t\r\n\u2028\u2029\v\f":
            out.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\u200d\u200c":
            out.append(ch)
    return "".join(out)


class PromptBar(Widget, can_focus=True):
    """A prompt label, the line being edited, and its cursor."""

    DEFAULT_CSS = """
    PromptBar { display: none; height: 1; background: $boost; }
    PromptBar:focus { background: $accent 25%; }
    """

    def __init__(self, prompt: str, placeholder: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prompt = prompt
        self.placeholder = placeholder
        self.value = ""
        self.cursor = 0

    def open(self, value: str = "") -> None:
        """Show the bar with ``value`` in it, the cursor at its end."""
        self.value, self.cursor = value, len(value)
        self.display = True
        self.refresh()

    def close(self) -> None:
        self.display = False

    # -- editing (the reader's key stream calls these)

    def insert(self, text: str) -> None:
        text = clean_input(text)
        if text:
            self.value = self.value[: self.cursor] + text + self.value[self.cursor :]
            self.cursor += len(text)
            self.refresh()

    def action_backspace(self) -> None:
        if self.cursor:
            start = prev_grapheme(self.value, self.cursor)
            self.value = self.value[:start] + self.value[self.cursor :]
            self.cursor = start
            self.refresh()

    def action_delete_right(self) -> None:
        if self.cursor < len(self.value):
            end = next_grapheme(self.value, self.cursor)
            self.value = self.value[: self.cursor] + self.value[end:]
            self.refresh()

    def action_left(self) -> None:
        self.cursor = prev_grapheme(self.value, self.cursor)
        self.refresh()

    def action_right(self) -> None:
        self.cursor = next_grapheme(self.value, self.cursor)
        self.refresh()

    def action_home(self) -> None:
        self.cursor = 0
        self.refresh()

    def action_end(self) -> None:
        self.cursor = len(self.value)
        self.refresh()

    def action_clear(self) -> None:
        self.value, self.cursor = "", 0
        self.refresh()

    # -- drawing

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(f" {self.prompt} ", style="bold reverse")
        text.append(" ")
        if not self.value:
            text.append(" ", style="reverse")
            text.append(self.placeholder, style="dim")
            return text
        before, after = self.value[: self.cursor], self.value[self.cursor :]
        # ``clean_input`` keeps controls out of the value; ``visible`` is the last guard.
        text.append(visible(before))
        if after:
            end = next_grapheme(after, 0)
            text.append(visible(after[:end]), style="reverse")
            text.append(visible(after[end:]))
        else:
            text.append(" ", style="reverse")
        return text
