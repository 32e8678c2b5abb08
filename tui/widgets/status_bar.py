"""The status line: the save state first, then who, how many spans, where, which mode.

``save_state`` is a reactive that tests assert on instead of a substring of the
text: ``"clean"`` (nothing written since the document opened, all saved),
``"saving"`` (a write is in flight), ``"saved"`` (the last write returned),
``"failed"`` (the last write did not reach the store). Updates repaint this one
line only: no layout pass of the screen, which a ``Static.update`` would cost on
every cursor move.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import Reactive, reactive
from textual.widget import Widget

from tui.safe import safe_text

SAVE_STATES = ("clean", "saving", "saved", "failed", "updated")


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; }
    """

    #: The save state of the open document's layer (one of ``SAVE_STATES``).
    save_state: Reactive[str] = reactive("clean", layout=False)
    #: The message beside the save state: what was saved, or why not.
    message: Reactive[str] = reactive("all changes saved", layout=False)
    #: Annotator, span count, cursor or selection, mode: the dim part of the line.
    where: Reactive[str] = reactive("", layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dark = True

    def say(self, state: str, message: str) -> None:
        """Set the save state and its message together."""
        assert state in SAVE_STATES, state
        self.save_state = state
        self.message = message

    @property
    def text(self) -> str:
        """The line as plain text (what the user reads)."""
        return self.render().plain

    def render(self) -> Text:
        ok = "green" if self.dark else "bold dark_green"
        mark, style = {
            "clean": ("✓", ok),
            "saved": ("✓", ok),
            "updated": ("↻", ok),
            "saving": ("…", "bold yellow"),
            "failed": ("✗", "bold red"),
        }[self.save_state]
        # The save state comes first so that a narrow terminal never cuts it off.
        # Messages quote span text and labels, ``where`` names the annotator: all
        # from input, so shown with their controls visible and never as markup.
        return Text.assemble(
            " ",
            safe_text(f"{mark} {self.message}", style=style),
            safe_text(f"  │ {self.where}", style="dim"),
            no_wrap=True,
            overflow="ellipsis",
            end="",
        )
