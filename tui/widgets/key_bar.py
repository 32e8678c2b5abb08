"""The footer: the current mode's main keys, from the actions table, in one cheap widget.

Textual's Footer builds a widget per key and recomposes them whenever focus
or bindings change, which cost more than the whole article pane at start-up.
Here one line of text does the job: it shows the keys of the reader's current
mode (and the mode's name, outside the article), and clicking a key queues its
action in the reader's key stream, as a typed key would be.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

from tui.actions import DEFAULT_KEYS, Action


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; dock: bottom; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    """
    COMPONENT_CLASSES = {"key-bar--key"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, Action]] = []
        self.mode = "normal"
        self.mode_label = ""

    def set_mode(self, mode: str, label: str) -> None:
        """Show the keys of ``mode`` (``label`` names it, "" for the article)."""
        if (mode, label) != (self.mode, self.mode_label):
            self.mode, self.mode_label = mode, label
            self.refresh()

    def entries(self) -> list[tuple[str, str, Action]]:
        """(keys, what, action) for each key shown in the current mode."""
        out = []
        table = getattr(self.app, "key_table", DEFAULT_KEYS)
        for a in table.for_mode(self.mode):
            if not a.show:
                continue
            if a.name == "label":
                out.append(("1–9", "label", a))
            elif a.name == "toggle":
                out.append(("1–9", a.short, a))
            else:
                keys = (a.display or a.keys).split()[0]
                out.append((keys, a.short or a.description, a))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        if self.mode_label:
            text.append(f" {self.mode_label} ", style="bold reverse")
        for keys, label, action in self.entries():
            x0 = text.cell_len
            text.append(f" {keys} ", style=key_style)
            text.append(f"{label} ")
            self._spans.append((x0, text.cell_len, action))
        if self.mode == "normal":
            text.append(" ^p ", style=key_style)
            text.append("palette ")
        return text

    def on_click(self, event: events.Click) -> None:
        for x0, x1, action in self._spans:
            if x0 <= event.x < x1:
                perform = getattr(self.screen, "perform", None)
                if perform is not None:
                    perform(action)
                return
