"""One ordered key stream for the reader.

Textual forwards each key to whatever widget has focus *when the key is read*,
so keys typed in one burst after `/` used to reach the article before the find
bar had focus. Here the app hands every reader key to one queue instead, and the
reader handles them one at a time, each by the mode that is current when its
turn comes (a key that opens find sends the very next key there, however fast
the keys arrive).

A key whose action reads or changes the annotation layer (label, delete, undo,
tab, next document, quit …) is held, with every key typed after it, until the
writes before it are acknowledged: then the store is exactly what the screen
shows, and a burst of keys gives the store state the same keys give one at a
time. Undo and redo hold every key after them until they are acknowledged (what
they restore is selected, so a motion typed after them starts from there).
Other motions never wait on anything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from textual import events

from tui.actions import Action


class Perform(NamedTuple):
    """An action asked for by the palette, the mouse or the key bar, queued like a key."""

    action: Action
    args: tuple[object, ...] | None = None  # None: the table's own arguments


Item = events.Key | events.Paste | Perform


class KeyStream:
    """Items handled strictly in arrival order; ``held`` items wait for ``resume``."""

    def __init__(self, held: Callable[[Item], bool], handle: Callable[[Item], None]) -> None:
        self._held = held
        self._handle = handle
        self._queue: deque[Item] = deque()
        self._pumping = False
        self.closed = False

    def __len__(self) -> int:
        return len(self._queue)

    def feed(self, item: Item) -> None:
        """Queue one item and handle whatever can be handled now."""
        if self.closed:
            return
        self._queue.append(item)
        self.pump()

    def pump(self) -> None:
        """Handle queued items in order until one must wait (or none are left)."""
        if self._pumping:  # a handler fed or resumed: the outer loop goes on
            return
        self._pumping = True
        try:
            queue = self._queue
            while queue and not self.closed:
                if self._held(queue[0]):
                    return
                self._handle(queue.popleft())
        finally:
            self._pumping = False

    def drain(self) -> list[Item]:
        """Take every queued item out (for a modal screen, or a shutdown)."""
        items = list(self._queue)
        self._queue.clear()
        return items

    def close(self) -> int:
        """Take no more keys; returns how many were still queued (and are dropped)."""
        self.closed = True
        dropped = len(self._queue)
        self._queue.clear()
        return dropped
