"""The side panel: the current layer's annotations, following the cursor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from store.model import Span


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class AnnotationList(OptionList):
    """Label, text and offsets of each annotation; highlighted entry follows the cursor."""

    DEFAULT_CSS = """
    AnnotationList { width: 32; border-left: tall $primary 30%; }
    AnnotationList:focus { border-left: tall $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[Span] = []

    def set_spans(self, spans: Sequence[Span], colors: Mapping[str, str]) -> None:
        self._spans = list(spans)
        self.clear_options()
        options = []
        for s in self._spans:
            color = colors.get(s.label, "white")
            prompt = Text.assemble(
                Text(f"{s.label:<7}", style=f"bold {color}"),
                Text(f"{s.start}–{s.end}\n", style="dim"),
                Text(_clip(s.text, 28)),
            )
            options.append(Option(prompt, id=s.id))
        self.add_options(options)
        if not options:
            self.add_option(Option(Text("no annotations yet — select text and press 1–9",
                                        style="dim"), disabled=True))

    def follow(self, cursor: int, selected: str | None) -> None:
        """Highlight the selected annotation, else the last one starting at or before cursor."""
        if not self._spans:
            return
        if selected is not None:
            for i, s in enumerate(self._spans):
                if s.id == selected:
                    self.highlighted = i
                    return
        best = 0
        for i, s in enumerate(self._spans):
            if s.start <= cursor:
                best = i
            else:
                break
        self.highlighted = best
