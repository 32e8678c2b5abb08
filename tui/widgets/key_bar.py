"""The footer: the main keys, from the actions table, in one cheap widget.

Textual's Footer builds a widget per key and recomposes them whenever focus
or bindings change, which cost more than the whole article pane at start-up.
The keys shown here never change, so one line of text does the job; clicking
a key runs its action, as in Textual's Footer.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

from tui.actions import ACTIONS


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; dock: bottom; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    """
    COMPONENT_CLASSES = {"key-bar--key"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (x0, x1, action)

    def _entries(self) -> list[tuple[str, str, str]]:
        out = []
        for a in ACTIONS:
            if not a.show:
                continue
            if a.action.startswith("label("):
                out.append(("1–9", "label", a.action))
            else:
                keys = (a.display or a.keys).split()[0]
                out.append((keys, a.short or a.description, a.action))
        out.append(("^p", "palette", "app.command_palette"))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for keys, label, action in self._entries():
            x0 = text.cell_len
            text.append(f" {keys} ", style=key_style)
            text.append(f"{label} ")
            self._spans.append((x0, text.cell_len, action))
        return text

    async def on_click(self, event: events.Click) -> None:
        for x0, x1, action in self._spans:
            if x0 <= event.x < x1:
                await self.screen.run_action(action)
                return
