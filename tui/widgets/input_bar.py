"""A hidden bar for one Input (the find bar, the title filter), built on first open."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input


class InputBar(Widget):
    """Holds one Input, created the first time the bar is opened.

    Two Inputs that most sessions never open cost ~8 ms of every start (their CSS,
    mount and reactive set-up) before the first paint. The bar takes the place (and
    the stylesheet rules, by id) the Input had; the Input inside fills it.
    """

    DEFAULT_CSS = """
    InputBar { display: none; height: auto; }
    """

    def __init__(self, placeholder: str, *, id: str) -> None:
        super().__init__(id=id)
        self._placeholder = placeholder
        self._input: Input | None = None

    @property
    def input_has_focus(self) -> bool:
        return self._input is not None and self._input.has_focus

    def open(self, value: str = "") -> None:
        """Show the bar with ``value`` in its Input, and focus it."""
        if self._input is None:
            self._input = Input(value, placeholder=self._placeholder)
            self.mount(self._input)
        else:
            self._input.value = value
        self.display = True
        self._input.focus()

    def close(self) -> None:
        self.display = False
