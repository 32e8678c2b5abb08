"""The newsmark Textual application."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from store.adjudication import Seed
from store.labels import DEFAULT_SCHEME, LabelScheme
from store.store import Store
from tui.actions import DEFAULT_KEYS, KeyTable
from tui.safe import safe_markup, visible
from tui.screens.reader import ReaderScreen

# Closing the terminal (SIGHUP), `kill` (SIGTERM) and `kill -INT` end the reader the
# way `q` does: the writes in flight land first and the terminal is restored.
_SIGNALS = {signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP", signal.SIGINT: "SIGINT"}


class NewsmarkApp(App[None]):
    """Reader and annotator for the documents of one store."""

    CSS_PATH = "newsmark.tcss"
    TITLE = "newsmark"
    ENABLE_COMMAND_PALETTE = True
    # Textual's own ctrl+q (a priority binding) runs ``action_quit`` on modal screens;
    # on the reader, ctrl+q is a key of the action table like any other.

    def __init__(
        self,
        store: Store,
        annotator: str = "default",
        scheme: LabelScheme = DEFAULT_SCHEME,
        open_doc: str | None = None,
        write_in_thread: bool = False,
        handle_signals: bool = False,
        key_table: KeyTable = DEFAULT_KEYS,
        adjudicate: bool = False,
        seed: Seed = "all",
    ) -> None:
        """``write_in_thread``: store writes on a writer thread, so keys never wait on
        fsync (the command line turns it on; tests may keep writes synchronous).
        ``handle_signals``: SIGTERM, SIGHUP and SIGINT finish the writes and exit
        cleanly (the command line turns it on). ``key_table``: the actions with the
        user's keys (``tui.keymap``). ``adjudicate``: start with the keys on gold
        (``A`` in the reader); ``seed``: which spans start in gold ("all" annotators
        made them, or a "majority")."""
        super().__init__()
        self.write_in_thread = write_in_thread
        self.handle_signals = handle_signals
        self.key_table = key_table
        self.start_adjudicating = adjudicate
        self.gold_seed: Seed = seed
        self.store = store
        self.annotator = annotator
        self.scheme = scheme
        self.open_doc = open_doc
        #: Set when the reader cannot go on or lost something: the CLI prints it, exit 1.
        self.fatal_error: str | None = None
        #: A note for the terminal after the reader has left (e.g. keys not acted on).
        self.exit_note: str | None = None
        #: 0, or 128 + the signal that ended the reader (the shell's convention).
        self.exit_code = 0
        #: An unexpected error that ended the reader: the CLI logs it, says one line, exit 1.
        self.crash: Exception | None = None
        self.reader: ReaderScreen | None = None

    def get_default_screen(self) -> Screen[Any]:
        # The reader is the app's first screen, not pushed over an empty one: that
        # one was laid out and drawn (three frames, thrown away) before the reader.
        self.reader = ReaderScreen(self.store, self.annotator, self.open_doc)
        return self.reader

    def on_mount(self) -> None:
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for sig, name in _SIGNALS.items():
                loop.add_signal_handler(sig, self._on_signal, sig, name)

    def _on_signal(self, sig: signal.Signals, name: str) -> None:
        self.exit_code = 128 + int(sig)
        if self.reader is not None and self.reader.is_mounted:
            self.reader.shutdown(name)
        else:
            self.exit(return_code=self.exit_code)

    async def on_event(self, event: events.Event) -> None:
        # Every key for the reader goes into its one ordered key stream, never to
        # whichever widget happens to have focus when Textual reads the key.
        reader = self.reader
        if (
            reader is not None
            and isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded
            and (self.screen is reader or reader.mode.modal)
        ):
            reader.feed(event)
            return
        await super().on_event(event)

    def _handle_exception(self, error: Exception) -> None:
        # Textual would print a traceback with the locals (titles, span text) on the
        # terminal after the reader leaves; the command line logs it to the crash file
        # instead and says one line.
        self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, shown as plain text with its controls visible.

        Notifications quote titles, labels, span text, queries and error messages
        (file names): data, never markup, so ``markup`` is ignored.
        """
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    async def action_quit(self) -> None:
        # ctrl+q on a modal screen: leave the way `q` does, after the writes in flight.
        if self.reader is not None and self.reader.is_mounted:
            self.reader.perform(self.key_table.by_id("newsmark.quit"))
        else:
            self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ReaderScreen):
            return
        modes = ("adjudicate", "normal") if screen.adjudicating else ("normal",)
        for a in (a for mode in modes for a in self.key_table.for_mode(mode)):
            if not a.palette:
                continue
            title = a.description
            if a.name == "label":
                lab = self.scheme.nth(int(a.args[0]))  # type: ignore[call-overload]
                if lab is None:
                    continue
                # The palette parses titles as markup; a label name is data.
                title = f"Label as {safe_markup(lab.name)}"
            keys = a.display or a.keys

            def run(action: object = a) -> None:
                screen.perform(action)  # type: ignore[arg-type]

            yield SystemCommand(title, f"key: {keys}", run)
