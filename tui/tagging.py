"""Document labels by keys: ``t`` opens the TAG picker of the scheme's label sets.

The picker shows one label set at a time (``topic``, ``stance``) with its choices
numbered; a digit toggles that choice for the open document (in a single-choice
set it replaces the one chosen; on the chosen one it clears the set), ``tab`` /
``shift+tab`` go to the next or previous set, ``escape`` (or ``t``, ``enter``)
closes. Each change is one undoable write of the layer the keys edit, like a
label, and the title bar and the document list show what is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from store.errors import NewsmarkError
from store.store import Change, Store
from tui.safe import safe_text
from tui.writer import Outcome

if TYPE_CHECKING:
    from tui.screens.reader import ReaderScreen


class Tagger:
    """The open document's labels, and the TAG picker."""

    def __init__(self, reader: ReaderScreen) -> None:
        self.reader = reader
        self.labels: dict[str, list[str]] = {}
        self.set_index = 0

    def load(self) -> None:
        reader = self.reader
        try:
            self.labels = reader.store.doc_labels(reader.doc.id, reader.layer_owner)
        except NewsmarkError:
            self.labels = {}

    def summary(self) -> str:
        """``topic: politics, economy · stance: neutral`` ("" when nothing is set)."""
        return " · ".join(f"{k}: {', '.join(v)}" for k, v in sorted(self.labels.items()) if v)

    # ------------------------------------------------------------ the picker

    def action_tag(self) -> None:
        """``t``: open the picker (or say how to declare label sets)."""
        reader = self.reader
        if not reader.scheme.doc_sets:
            reader.notify(
                "the label scheme has no document labels: add [[doc_labels]] to a scheme "
                "file and open it with --labels (see README, Label schemes)",
                severity="warning",
            )
            return
        if not reader.editor.writable():
            return
        reader.set_mode("tag")

    def opened(self) -> None:
        self.set_index = 0  # always the first set: `t 1` means the same every time
        self.render()

    def closed(self) -> None:
        self.reader.tag_picker.display = False

    def render(self) -> None:
        sets = self.reader.scheme.doc_sets
        current = sets[self.set_index]
        chosen = set(self.labels.get(current.name, []))
        kind = "several" if current.multi else "one"
        head = Text.assemble(
            safe_text(f" {current.name}", style="bold"),
            Text(f" ({kind}; {self.set_index + 1}/{len(sets)}, tab: next set)", style="dim"),
        )
        row = Text(" ")
        for i, choice in enumerate(current.choices, 1):
            mark = "✓" if choice in chosen else " "
            row.append(f" {i}", style="bold")
            row.append_text(safe_text(f"{mark}{choice}", style="reverse" if mark == "✓" else ""))
            row.append(" ")
        picker = self.reader.tag_picker
        picker.update(Text("\n").join([head, row]))
        picker.display = True

    def action_next_set(self, step: int) -> None:
        sets = self.reader.scheme.doc_sets
        self.set_index = (self.set_index + step) % len(sets)
        self.render()

    def action_toggle(self, n: int) -> None:
        reader = self.reader
        current = reader.scheme.doc_sets[self.set_index]
        if not 1 <= n <= len(current.choices):
            reader.notify(f"{current.name} has {len(current.choices)} choices", severity="warning")
            return
        choice = current.choices[n - 1]
        now = list(self.labels.get(current.name, []))
        if choice in now:
            new = [c for c in now if c != choice]
        else:
            new = [*now, choice] if current.multi else [choice]
        doc_id, who, name = reader.doc.id, reader.layer_owner, current.name
        epoch = reader.view.selection_epoch

        def call(st: Store) -> Change | None:
            return st.set_doc_labels(doc_id, who, name, new)

        def done(outcome: Outcome) -> None:
            reader.editor.acknowledged(outcome, epoch)

        reader.editor.write(call, done)

    def applied(self, change: Change) -> None:
        """A document label change was acknowledged: show what the store now holds."""
        if change.kind != "doc_label":
            return
        self.load()
        reader = self.reader
        reader.refresh_title()
        if reader.mode.name == "tag":
            self.render()
