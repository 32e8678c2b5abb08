"""The newsmark Textual application."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store.labels import DEFAULT_SCHEME, LabelScheme
from store.store import Store
from tui.actions import ACTIONS
from tui.screens.reader import ReaderScreen


class NewsmarkApp(App[None]):
    """Reader and annotator for the documents of one store."""

    CSS_PATH = "newsmark.tcss"
    TITLE = "newsmark"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, id="newsmark.app_quit")]

    def __init__(
        self,
        store: Store,
        annotator: str = "default",
        scheme: LabelScheme = DEFAULT_SCHEME,
        open_doc: str | None = None,
        write_in_thread: bool = False,
    ) -> None:
        """``write_in_thread``: store writes on a writer thread, so keys never wait on
        fsync (the command line turns it on; tests may keep writes synchronous)."""
        super().__init__()
        self.write_in_thread = write_in_thread
        self.store = store
        self.annotator = annotator
        self.scheme = scheme
        self.open_doc = open_doc
        self.fatal_error: str | None = None

    def on_mount(self) -> None:
        self.push_screen(ReaderScreen(self.store, self.annotator, self.open_doc))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ReaderScreen):
            return
        for a in ACTIONS:
            if not a.palette:
                continue
            title = a.description
            if a.action.startswith("label("):
                lab = self.scheme.nth(int(a.action[6:-1]))
                if lab is None:
                    continue
                title = f"Label as {lab.name}"
            keys = a.display or a.keys

            def run(action: str = a.action) -> None:
                self.call_later(screen.run_action, action)

            yield SystemCommand(title, f"key: {keys}", run)
